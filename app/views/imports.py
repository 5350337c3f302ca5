"""Import screens: upload, preview with progress, refused rows, confirm; and the allowlist."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _

from ..formatting import datetime_nl, label_of
from ..models import ImportKind, ImportRecord, ImportStatus, Municipality
from ..roles import current_user
from ..services import tenancy
from ..services.cases import reassessments
from ..services.imports import engine, progress, runlock
from ..services.imports.reader import FileRefusedError
from ..services.intake import allowlist
from ..web.downloads import download
from .base import TenantModelView

RUNNING = {ImportStatus.PREVIEWING, ImportStatus.IMPORTING}


def _municipalities(kind: ImportKind) -> list[Municipality]:
    found = tenancy.visible_municipalities()
    # Reassessments belong to the ockto module; offer only municipalities that have it.
    return [m for m in found if m.module_ockto or kind != ImportKind.REASSESSMENT]


class ImportModelView(TenantModelView):
    """Imports: the record of every file, and the upload → preview → confirm flow."""

    noun = "Import"
    datamodel = SQLAInterface(ImportRecord)
    route_base = "/import"
    list_title = _("Imports")
    base_permissions = [
        "can_list",
        "can_show",
        "can_upload",
        "can_confirm",
        "can_refused",
        "can_start",
    ]
    list_columns = [
        "created_on",
        "kind",
        "municipality",
        "filename",
        "status",
        "rows",
        "new",
        "updated",
        "unchanged",
        "refused",
        "created_by",
    ]
    search_columns = ["kind", "municipality", "status", "created_on"]
    base_order = ("created_on", "desc")
    label_columns = {
        "created_on": _("Geüpload op"),
        "kind": _("Soort"),
        "municipality": _("Gemeente"),
        "filename": _("Bestand"),
        "status": _("Status"),
        "rows": _("Rijen"),
        "new": _("Nieuw"),
        "updated": _("Bijgewerkt"),
        "unchanged": _("Ongewijzigd"),
        "refused": _("Geweigerd"),
        "created_by": _("Door"),
    }
    formatters_columns = {
        "created_on": datetime_nl,
        "kind": label_of(ImportKind),
        "status": label_of(ImportStatus),
    }

    @expose("/nieuw/<kind>", methods=["GET", "POST"])
    @has_access
    @permission_name("upload")
    def upload(self, kind: str):
        """Upload a reassessment or allowlist file; the check starts in the background."""
        import_kind = {"heronderzoek": ImportKind.REASSESSMENT, "allowlist": ImportKind.ALLOWLIST}
        if kind not in import_kind:
            abort(404)
        chosen = import_kind[kind]
        error = None
        if request.method == "POST":
            upload = request.files.get("bestand")
            try:
                record = engine.start(
                    chosen,
                    request.form.get("gemeentecode", ""),
                    upload.stream if upload else None,
                    upload.filename if upload else "",
                    current_user(),
                    mode=request.form.get("mode") if chosen == ImportKind.ALLOWLIST else None,
                )
            except tenancy.NotFound:
                abort(404)
            except (FileRefusedError, engine.ImportRuleError) as exc:
                error = exc.message
            else:
                engine.in_background(
                    current_app._get_current_object(), engine.run_preview, record.id
                )
                return redirect(url_for(".show", pk=record.id))
        return self.render_template(
            "import/upload.html",
            kind=chosen,
            slug=kind,
            municipalities=_municipalities(chosen),
            error=error,
            title=f"{chosen.label} importeren",
        )

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk: int):
        """The import's page: progress while running, the preview, the result."""
        record = self.datamodel.get(pk, self._base_filters)
        if record is None:
            abort(404)
        record = engine.recover_if_abandoned(record)
        return self.render_template(
            "import/show.html",
            record=record,
            running=record.status in RUNNING,
            progress=progress.get(record.id),
            title=str(record),
        )

    @expose("/show/<int:pk>/voortgang")
    @has_access
    @permission_name("show")
    def status(self, pk: int):
        """Progress as JSON for the page's progress bar (writes only for an abandoned step)."""
        record = self.datamodel.get(pk, self._base_filters)
        if record is None:
            abort(404)
        record = engine.recover_if_abandoned(record)
        return jsonify(
            status=record.status.name,
            klaar=record.status not in RUNNING,
            voortgang=progress.get(record.id),
        )

    @expose("/show/<int:pk>/bevestigen", methods=["POST"])
    @has_access
    @permission_name("confirm")
    def confirm(self, pk: int):
        """Confirm a previewed import: all valid rows are written in one transaction."""
        record = self.datamodel.get(pk, self._base_filters)
        if record is None:
            abort(404)
        if request.form.get("annuleren"):
            allowlist.cancel_import(record)
            flash("Import geannuleerd; er is niets opgeslagen.", "info")
            return redirect(url_for(".show", pk=pk))
        lock = runlock.acquire(record.id)  # before IMPORTING is visible to anyone
        if not engine.begin_confirm(record):
            lock.release()
            flash("Deze import kan niet (meer) worden bevestigd.", "warning")
            return redirect(url_for(".show", pk=pk))
        user = current_user()
        engine.in_background(
            current_app._get_current_object(), engine.run_confirm, record.id, user.id, lock=lock
        )
        return redirect(url_for(".show", pk=pk))

    @expose("/show/<int:pk>/geweigerd")
    @has_access
    @permission_name("refused")
    def refused(self, pk: int):
        """Download the refused rows in the file's own format with a `fouten` column."""
        record = self.datamodel.get(pk, self._base_filters)
        if record is None or not record.stored_name:
            abort(404)
        data, mimetype, filename = engine.refused_rows_file(record)
        return download(data, mimetype, filename)

    @expose("/start", methods=["POST"])
    @has_access
    @permission_name("start")
    def start(self):
        """Start heronderzoek for the NEW cases of one import or municipality, once asked."""
        form = request.form
        cbs_code = form.get("gemeentecode", "")
        import_id = form.get("import_id", type=int)
        try:
            plan = reassessments.plan(cbs_code=cbs_code, import_id=import_id)
            if form.get("bevestigd") != "1" or form.get("aantal", type=int) != plan["count"]:
                # Many residents get a letter or email: say how many and from where, and ask.
                return self.render_template(
                    "import/confirm_start.html",
                    plan=plan,
                    cbs_code=cbs_code,
                    import_id=import_id,
                    municipality=tenancy.get_municipality(cbs_code) if cbs_code else None,
                    changed=form.get("bevestigd") == "1",
                    title="Heronderzoek starten",
                )
            counts = reassessments.start(cbs_code=cbs_code, import_id=import_id)
        except tenancy.NotFound:
            abort(404)
        flash(
            f"{counts['uitgenodigd']} inwoner(s) uitgenodigd; "
            f"{counts['geweigerd']} zaak/zaken niet in status Nieuw overgeslagen.",
            "success",
        )
        return redirect(url_for("CaseModelView.list"))


class AllowlistView(BaseView):
    """Bestandscheck: per municipality the allowlist's size and last import; check one BSN."""

    route_base = "/allowlist"
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        """Overview per municipality, and the BSN check (by POST, never in a URL)."""
        rows = allowlist.overview()
        check = None
        if request.method == "POST":
            try:
                check = allowlist.check(
                    request.form.get("gemeentecode", ""), request.form.get("bsn", "")
                )
            except tenancy.NotFound:
                abort(404)
            except ValueError as exc:
                check = {"fout": str(exc)}
        return self.render_template(
            "allowlist.html",
            rows=rows,
            check=check,
            title="Bestandscheck (allowlist)",
        )
