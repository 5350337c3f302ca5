"""GET /api/v1/case/ (read, tenant-scoped, audited), its export and the case actions."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_appbuilder.api import expose, rison, safe
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import Schema, fields

from ..models import Case
from ..services import tenancy
from ..services.cases import (
    assignment,
    decisions,
    information_requests,
    reassessments,
    workflow,
)
from ..services.imports import export
from ..services.legitimacy import assessment
from ..services.ockto import summary
from ..services.security import audit
from ..web.datamodels import case_interface
from ..web.downloads import attachment, download
from ..web.filters import HandlerFilter
from ..web.tenancy import TENANT
from .common import RestApi, answer, code, errors


def _person(attr: str, field: str) -> fields.Function:
    def get(case: Case) -> Any:
        person = getattr(case, attr)
        if person is None:
            return None
        return person.bsn if field == "bsn" else person.full_name

    return fields.Function(get)


class CaseSchema(Schema):
    """A case as municipal systems read it: English codes, CBS code, BSNs and names."""

    id = fields.Integer()
    kind = fields.Function(lambda c: code(c.kind))
    status = fields.Function(lambda c: code(c.status))
    advice = fields.Function(lambda c: code(c.advice))
    decision = fields.Function(lambda c: code(c.decision))
    decision_reasons = fields.Raw()
    municipality = fields.Function(lambda c: c.municipality.cbs_code)
    application_number = fields.String(allow_none=True)
    contract_number = fields.String(allow_none=True)
    applicant_bsn = _person("applicant", "bsn")
    applicant_name = _person("applicant", "name")
    partner_bsn = _person("partner", "bsn")
    partner_name = _person("partner", "name")
    contact_preference = fields.Function(lambda c: code(c.contact_preference))
    children_count = fields.Integer()
    linked_case_id = fields.Integer(allow_none=True)
    behandelaar = fields.Function(lambda c: c.handler.username if c.handler else None)
    created_on = fields.DateTime()
    changed_on = fields.DateTime()


CASE_COLUMNS = [
    "id",
    "kind",
    "status",
    "advice",
    "decision",
    "municipality",
    "application_number",
    "contract_number",
    "applicant",
    "partner",
    "contact_preference",
    "children_count",
    "handler",
    "created_on",
    "changed_on",
]


class CaseApi(RestApi):
    """Cases, read-only; state changes go through the case actions."""

    noun = ("Zaak", "Zaken")
    resource_name = "case"
    datamodel = case_interface()
    include_route_methods = {
        "get", "get_list", "info", "export", "invite", "delivery", "advice",
        "hold", "release", "abort", "restore", "request_info", "add_documents", "document",
        "decide", "resolve_notice", "assign", "approve", "send_back",
    }  # fmt: skip
    base_filters = TENANT
    list_columns = show_columns = CASE_COLUMNS
    list_model_schema = CaseSchema()
    show_model_schema = CaseSchema()
    search_columns = [
        "status",
        "kind",
        "advice",
        "decision",
        "municipality",
        "application_number",
        "contract_number",
        "contact_preference",
        "created_on",
        "changed_on",
    ]
    order_columns = ["id", "status", "kind", "created_on", "changed_on"]
    base_order = ("id", "asc")

    def _handle_filters_args(self, rison_args: dict[str, Any]) -> Any:
        """FAB's filters, plus the contract's `behandelaar` (a user name or null)."""
        given = rison_args.get("filters", [])
        if not isinstance(given, list):
            return super()._handle_filters_args(rison_args)  # FAB refuses it, as before
        own = [f for f in given if isinstance(f, dict) and f.get("col") == "behandelaar"]
        rest = [f for f in given if f not in own]
        joined = super()._handle_filters_args({**rison_args, "filters": rest})
        for item in own:
            joined.add_filter("id", HandlerFilter, item.get("value"))
        return joined

    def pre_get_list(self, data: dict[str, Any]) -> None:
        audit.case_list_viewed(data.get("count", 0), channel="api")

    def pre_get(self, data: dict[str, Any]) -> None:
        audit.case_viewed(data.get("id"), channel="api")

    @expose("/<int:pk>/invite", methods=["POST"])
    @protect()
    @safe
    @permission_name("invite")
    def invite(self, pk: int) -> Response:
        """Send the Ockto invitation of a NEW reassessment (module ockto).
        ---
        post:
          summary: Invite (NEW -> INVITED)
          parameters:
          - pk
          responses:
            200:
              description: The case's new status
            403:
              description: The municipality does not have the Ockto module
            409:
              description: The status does not allow it (not NEW, or no email address)
        """
        return self._act(lambda: reassessments.invite_case(pk))

    @expose("/<int:pk>/delivery", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def delivery(self, pk: int) -> Response:
        """The current Ockto delivery of a case, parsed: persons, income, assets, debts.
        ---
        get:
          summary: The current delivery with monthly equivalents and totals
          parameters:
          - pk
          responses:
            200:
              description: The delivery (contract vocabulary, amounts as decimal strings)
            404:
              description: No such case for this user, or no delivery yet
        """
        return answer(
            lambda: summary.current_of_case(pk),
            lambda found: (
                self.response(200, **summary.as_json(found))
                if found
                else errors(404, [{"veld": None, "melding": "Deze zaak heeft nog geen levering."}])
            ),
        )

    @expose("/<int:pk>/advice", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def advice(self, pk: int) -> Response:
        """The legitimacy advice of a case with its reasons and whole calculation.
        ---
        get:
          summary: The advice (GRANT/INVESTIGATE/REJECT or null) with reasons and figures
          parameters:
          - pk
          responses:
            200:
              description: advies, redenen (code, melding, cijfers as decimal strings), berekening
            403:
              description: The municipality does not have the legitimacy module
            404:
              description: No such case for this user
        """
        return answer(
            lambda: assessment.advice_of_case(tenancy.get_case(pk)),
            lambda advice: self.response(200, **advice),
        )

    def _act(self, action: Any) -> Response:
        """Run a case action and answer the case's new status in the contract's shape."""
        return answer(
            action, lambda case: self.response(200, zaak_id=case.id, status=case.status.name)
        )

    @staticmethod
    def _body() -> dict[str, Any]:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}

    @expose("/<int:pk>/hold", methods=["POST"])
    @protect()
    @safe
    @permission_name("hold")
    def hold(self, pk: int) -> Response:
        """Put a case on hold: {"reden": "...", "tot": "2026-12-31" or null}.
        ---
        post:
          summary: Hold (open status -> ON_HOLD)
          parameters:
          - pk
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [reden]
                  properties:
                    reden:
                      type: string
                    tot:
                      type: string
                      format: date
                      nullable: true
          responses:
            200:
              description: zaak_id and the new status
            409:
              description: The status does not allow it
            422:
              description: Missing reason or bad date
        """
        body = self._body()
        return self._act(lambda: workflow.hold(pk, body.get("reden"), body.get("tot")))

    @expose("/<int:pk>/release", methods=["POST"])
    @protect()
    @safe
    @permission_name("release")
    def release(self, pk: int) -> Response:
        """Release a hold: back to the status before it.
        ---
        post:
          summary: Release (ON_HOLD -> previous status)
          parameters:
          - pk
          responses:
            200:
              description: zaak_id and the new status
            409:
              description: Not on hold
        """
        return self._act(lambda: workflow.release(pk))

    @expose("/<int:pk>/abort", methods=["POST"])
    @protect()
    @safe
    @permission_name("abort")
    def abort(self, pk: int) -> Response:
        """Abort an open case: {"reden": "..."}.
        ---
        post:
          summary: Abort (open status -> ABORTED)
          parameters:
          - pk
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [reden]
                  properties:
                    reden:
                      type: string
          responses:
            200:
              description: zaak_id and the new status
            409:
              description: The status does not allow it
            422:
              description: Missing reason
        """
        body = self._body()
        return self._act(lambda: workflow.abort(pk, body.get("reden")))

    @expose("/<int:pk>/restore", methods=["POST"])
    @protect()
    @safe
    @permission_name("restore")
    def restore(self, pk: int) -> Response:
        """Restore an aborted case (Beheerder): back to the status before the abort.
        ---
        post:
          summary: Restore (ABORTED -> previous status)
          parameters:
          - pk
          responses:
            200:
              description: zaak_id and the new status
            403:
              description: Not a Beheerder
            409:
              description: Not aborted
        """
        return self._act(lambda: workflow.restore(pk))

    @expose("/<int:pk>/request-info", methods=["POST"])
    @protect()
    @safe
    @permission_name("request_info")
    def request_info(self, pk: int) -> Response:
        """Request more information: {"omschrijving": "...", "termijn": "2026-12-15" or null}.
        ---
        post:
          summary: Request info (NEW/INVITED/DATA_RECEIVED -> INFO_REQUESTED), message with
            the upload link by the contact preference
          parameters:
          - pk
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [omschrijving]
                  properties:
                    omschrijving:
                      type: string
                    termijn:
                      type: string
                      format: date
                      nullable: true
          responses:
            200:
              description: zaak_id and the new status
            409:
              description: The status does not allow it
            422:
              description: Missing description or bad deadline
        """
        body = self._body()
        return self._act(
            lambda: information_requests.request_info(
                pk, body.get("omschrijving"), body.get("termijn")
            )
        )

    @expose("/<int:pk>/decide", methods=["POST"])
    @protect()
    @safe
    @permission_name("decide")
    def decide(self, pk: int) -> Response:
        """Decide: {"besluit": "GRANTED"|"REJECTED", "redenen": [...], "toelichting": "..."}.
        ---
        post:
          summary: Decide (open status -> DECIDED); the beschikking goes by email (PDF
            attached) or into the print batch (module decisions)
          parameters:
          - pk
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [besluit]
                  properties:
                    besluit:
                      type: string
                      enum: [GRANTED, REJECTED]
                    redenen:
                      type: array
                      items:
                        type: string
                        enum: [INCOME_TOO_HIGH, ASSETS_TOO_HIGH, CUSTOM]
                    toelichting:
                      type: string
          responses:
            200:
              description: zaak_id and the new status
            403:
              description: No decisions module
            409:
              description: The status does not allow it
            422:
              description: Invalid decision or reasons
        """
        body = self._body()
        return self._act(
            lambda: decisions.decide(
                pk, body.get("besluit"), body.get("redenen"), body.get("toelichting")
            )
        )

    @expose("/<int:pk>/assign", methods=["POST"])
    @protect()
    @safe
    @permission_name("assign")
    def assign(self, pk: int) -> Response:
        """Set or clear the handler: {"behandelaar": "<user name>" or null}.
        ---
        post:
          summary: Assign (a Medewerker only themselves; a Beheerder anyone of the
            organisation)
          parameters:
          - pk
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [behandelaar]
                  properties:
                    behandelaar:
                      type: [string, "null"]
                    reden:
                      type: string
          responses:
            200:
              description: zaak_id, status and behandelaar
            403:
              description: A Medewerker assigning someone else
            409:
              description: Handled by someone else (a Medewerker taking it)
            422:
              description: Not a Medewerker or Beheerder of the organisation
        """
        body = self._body()
        return answer(
            lambda: assignment.assign(pk, body.get("behandelaar"), reason=body.get("reden")),
            lambda case: self.response(200, zaak_id=case.id, status=case.status.name,
                                       behandelaar=case.handler.username if case.handler
                                       else None),
            refused_field="behandelaar",
        )  # fmt: skip

    @expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    @permission_name("approve")
    def approve(self, pk: int) -> Response:
        """Approve a decision that waits for a second person; its beschikking is sent.
        ---
        post:
          summary: Approve (AWAITING_APPROVAL -> DECIDED), by another official than the decider
          parameters:
          - pk
          responses:
            200:
              description: zaak_id and the new status
            403:
              description: No decisions module
            409:
              description: Nothing waits for approval, or the decider approves their own
        """
        return self._act(lambda: decisions.approve(pk))

    @expose("/<int:pk>/send-back", methods=["POST"])
    @protect()
    @safe
    @permission_name("send_back")
    def send_back(self, pk: int) -> Response:
        """Send a waiting decision back to its decider: {"reden": "..."}.
        ---
        post:
          summary: Send back (AWAITING_APPROVAL -> DATA_RECEIVED), with a signal to the decider
          parameters:
          - pk
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [reden]
                  properties:
                    reden:
                      type: string
          responses:
            200:
              description: zaak_id and the new status
            403:
              description: No decisions module
            409:
              description: Nothing waits for approval
            422:
              description: No reason given
        """
        return self._act(lambda: decisions.send_back(pk, self._body().get("reden")))

    @expose("/<int:pk>/notices/<int:notice_id>/resolve", methods=["POST"])
    @protect()
    @safe
    @permission_name("resolve_notice")
    def resolve_notice(self, pk: int, notice_id: int) -> Response:
        """Mark a notice of the case as handled.
        ---
        post:
          summary: Resolve a notice (afhandelen)
          parameters:
          - pk
          - in: path
            name: notice_id
            required: true
            schema:
              type: integer
          responses:
            200:
              description: zaak_id and status
            409:
              description: Already handled or not a notice of this case
        """
        return self._act(lambda: workflow.resolve_notice(pk, notice_id))

    @expose("/<int:pk>/documents", methods=["POST"])
    @protect()
    @safe
    @permission_name("add_documents")
    def add_documents(self, pk: int) -> Response:
        """Add documents (multipart `bestanden`); `per_post=true` registers a paper answer.
        ---
        post:
          summary: Add documents (PDF, JPEG, PNG; per_post=true ends the information request)
          parameters:
          - pk
          requestBody:
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    bestanden:
                      type: array
                      items:
                        type: string
                        format: binary
                    per_post:
                      type: string
                      enum: ["true", "false"]
          responses:
            201:
              description: The stored documents (id, naam, soort, grootte)
            409:
              description: Closed case, or per_post without an open request
            422:
              description: A refused file
        """
        files = [(f.filename, f.read()) for f in request.files.getlist("bestanden")]
        by_post = request.form.get("per_post", "false").lower() == "true"
        return answer(
            lambda: information_requests.add_documents(pk, files, by_post),
            lambda stored: self.response(
                201,
                documenten=[
                    {
                        "id": d.id,
                        "naam": d.original_name,
                        "soort": d.content_type,
                        "grootte": d.size,
                    }
                    for d in stored
                ],
            ),
        )

    @expose("/<int:pk>/documents/<int:document_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def document(self, pk: int, document_id: int) -> Response:
        """Download a document of the case, always as an attachment (audited).
        ---
        get:
          summary: Download a document
          parameters:
          - pk
          - in: path
            name: document_id
            required: true
            schema:
              type: integer
          responses:
            200:
              description: The file, as attachment
              content:
                application/pdf:
                  schema:
                    type: string
                    format: binary
                image/jpeg:
                  schema:
                    type: string
                    format: binary
                image/png:
                  schema:
                    type: string
                    format: binary
            404:
              description: No such document for this user
        """
        try:
            document, data = information_requests.document_for_download(document_id)
        except tenancy.NotFound:
            return errors(404, [{"veld": None, "melding": "Document niet gevonden."}])
        if document.case_id != pk:
            return errors(404, [{"veld": None, "melding": "Document niet gevonden."}])
        return attachment(document, data)

    @expose("/export", methods=["GET"])
    @protect()
    @safe
    @permission_name("export")
    @rison()
    def export(self, **kwargs: Any) -> Response:
        """Export the filtered case list as CSV or XLSX.
        ---
        get:
          summary: Export the filtered case list (format=csv|xlsx, q=rison filters)
          parameters:
          - in: query
            name: format
            schema:
              type: string
              enum: [csv, xlsx]
          - in: query
            name: q
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/get_list_schema'
          responses:
            200:
              description: The file
              content:
                text/csv:
                  schema:
                    type: string
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema:
                    type: string
                    format: binary
        """
        fmt = request.args.get("format", "csv")
        if fmt not in export.FORMATS:
            return errors(
                400, [{"veld": "format", "melding": "Onbekend formaat: kies csv of xlsx."}]
            )
        try:
            joined = self._handle_filters_args(kwargs.get("rison", {}))
        except Exception:  # noqa: BLE001 - FAB raises several filter exceptions
            return errors(400, [{"veld": "q", "melding": "Ongeldig filter in q."}])
        query = self.datamodel.apply_all(self.datamodel.session.query(Case), joined, "id", "asc")
        filters = kwargs.get("rison", {}).get("filters", [])
        described = ",".join(sorted({str(f.get("col")) for f in filters})) or "-"
        stream, mimetype, filename = export.export_cases(query, fmt, described, channel="api")
        return download(stream, mimetype, filename, stream=True)
