"""POST /api/v1/import/reassessment and /allowlist (rest-api.md), the same engine as the screens."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from ..models import ImportKind, ImportStatus
from ..roles import current_user
from ..services import tenancy
from ..services.imports import engine, runlock
from ..services.imports.reader import FileRefusedError
from .common import ContractErrors, errors


class ImportApi(ContractErrors, BaseApi):
    """Imports for municipal systems: dry_run=true previews, false writes everything at once."""

    resource_name = "import"
    openapi_spec_tag = "Imports"

    def _run(self, kind: ImportKind) -> Response:
        form = request.form
        upload = request.files.get("file")
        problems = []
        if upload is None or not upload.filename:
            problems.append({"veld": "file", "melding": "Het bestand (veld 'file') ontbreekt."})
        if not form.get("gemeentecode"):
            problems.append({"veld": "gemeentecode", "melding": "De gemeentecode ontbreekt."})
        dry_run = form.get("dry_run", "").lower()
        if dry_run not in ("true", "false"):
            problems.append({"veld": "dry_run", "melding": "Geef dry_run=true of dry_run=false."})
        mode = form.get("mode") if kind == ImportKind.ALLOWLIST else None
        if kind == ImportKind.ALLOWLIST and mode not in ("replace", "append"):
            problems.append({"veld": "mode", "melding": "Geef mode=replace of mode=append."})
        if problems:
            return errors(400, problems)
        user = current_user()
        try:
            record = engine.start(
                kind, form["gemeentecode"], upload.stream, upload.filename, user, mode=mode
            )
        except tenancy.NotFound:
            return errors(404, [{"veld": "gemeentecode", "melding": "Onbekende gemeente."}])
        except engine.ImportRuleError as exc:
            return errors(403 if exc.field == "gemeentecode" else 422, [_problem(exc)])
        except FileRefusedError as exc:
            return errors(413 if "groter dan" in exc.message else 422, [_problem(exc)])
        return self._finish(record.id, dry_run == "true", user)

    def _finish(self, record_id: int, dry_run: bool, user: Any) -> Response:
        with runlock.acquire(record_id):  # freed when this worker ends, even by a kill
            return self._checked_and_stored(record_id, dry_run, user)

    def _checked_and_stored(self, record_id: int, dry_run: bool, user: Any) -> Response:
        app = current_app._get_current_object()
        record, summary = engine.apart(app, engine.run_preview, record_id)
        if record.status == ImportStatus.REFUSED:
            message = record.message
            engine.discard(record)  # a refused request leaves nothing behind
            return errors(422, [{"veld": "bestand", "melding": message}])
        if dry_run:
            engine.discard(record)  # dry_run writes nothing, not even the record
            return self.response(200, **summary.as_contract(False))
        engine.begin_confirm(record)
        record, summary = engine.apart(
            app, engine.run_confirm, record_id, getattr(user, "id", None)
        )
        if record.status != ImportStatus.DONE or summary is None:
            return errors(500, [{"veld": None, "melding": record.message or "Import mislukt."}])
        return self.response(200, **summary.as_contract(True))

    @expose("/reassessment", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def reassessment(self) -> Response:
        """Import a reassessment file (multipart: file, gemeentecode, dry_run).
        ---
        post:
          summary: Import a reassessment file
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [file, gemeentecode, dry_run]
                  properties:
                    file:
                      type: string
                      format: binary
                    gemeentecode:
                      type: string
                      pattern: "^[0-9]{4}$"
                    dry_run:
                      type: string
                      enum: ["true", "false"]
          responses:
            200:
              description: Counts and refused rows
            403:
              $ref: '#/components/responses/Fouten'
            404:
              $ref: '#/components/responses/Fouten'
            413:
              $ref: '#/components/responses/Fouten'
            500:
              $ref: '#/components/responses/Fouten'
        """
        return self._run(ImportKind.REASSESSMENT)

    @expose("/allowlist", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def allowlist(self) -> Response:
        """Import an allowlist (multipart: file, gemeentecode, mode, dry_run).
        ---
        post:
          summary: Import an allowlist file
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [file, gemeentecode, dry_run, mode]
                  properties:
                    file:
                      type: string
                      format: binary
                    gemeentecode:
                      type: string
                      pattern: "^[0-9]{4}$"
                    dry_run:
                      type: string
                      enum: ["true", "false"]
                    mode:
                      type: string
                      enum: [replace, append]
          responses:
            200:
              description: Counts and refused rows
            403:
              $ref: '#/components/responses/Fouten'
            404:
              $ref: '#/components/responses/Fouten'
            413:
              $ref: '#/components/responses/Fouten'
            500:
              $ref: '#/components/responses/Fouten'
        """
        return self._run(ImportKind.ALLOWLIST)


def _problem(exc: Any) -> dict[str, Any]:
    return {"veld": exc.field, "melding": exc.message}
