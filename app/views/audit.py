"""Screens for the audit log and the refused partner requests (read-only, Beheerder)."""

from __future__ import annotations

from flask import Response
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.urltools import get_filter_args
from flask_babel import lazy_gettext as _

from ..audit_labels import OBJECTS, action_nl, result_nl
from ..formatting import datetime_nl
from ..models import AuditLog, RefusedRequest
from ..services.imports import export
from ..web.downloads import download
from .base import READ_ONLY, TenantModelView


class AuditLogModelView(TenantModelView):
    """Auditlog: read-only, for Beheerders of the organisation."""

    noun = "Auditregel"
    datamodel = SQLAInterface(AuditLog)
    route_base = "/auditlog"
    list_title = show_title = _("Auditlog")
    base_permissions = READ_ONLY
    list_columns = ["created_on", "username", "action", "object_type", "object_id", "result"]
    show_columns = [*list_columns, "detail", "ip_address"]
    search_columns = ["created_on", "username", "action", "object_type", "object_id", "result"]
    base_order = ("created_on", "desc")
    label_columns = {
        "created_on": _("Tijdstip"),
        "username": _("Gebruiker"),
        "action": _("Handeling"),
        "object_type": _("Soort object"),
        "object_id": _("Object"),
        "result": _("Resultaat"),
        "detail": _("Details"),
        "ip_address": _("IP-adres"),
    }
    formatters_columns = {
        "created_on": datetime_nl,
        "action": action_nl,
        "result": result_nl,
        "object_type": lambda kind: OBJECTS.get(kind or "", kind or "").capitalize(),
    }
    list_template = "audit/list.html"

    @expose("/export")
    @has_access
    @permission_name("list")
    def export(self) -> Response:
        """Download the filtered audit log as CSV; the export itself is audited."""
        get_filter_args(self._filters)
        joined = self._filters.get_joined_filters(self._base_filters)
        query = self.datamodel.apply_all(
            self.datamodel.session.query(AuditLog), joined, "created_on", "desc"
        )
        described = ",".join(sorted({f.column_name for f in self._filters.filters})) or "-"
        stream = export.export_audit(query, described)
        return download(stream, export.MIMETYPES["csv"], "auditlog.csv", stream=True)


class RefusedRequestModelView(TenantModelView):
    """Geweigerde verzoeken van de aanvraagsite en Ockto: wanneer, waarom, welk nummer."""

    noun = "Geweigerd verzoek"
    datamodel = SQLAInterface(RefusedRequest)
    route_base = "/geweigerde-verzoeken"
    list_title = show_title = _("Geweigerde verzoeken")
    base_permissions = READ_ONLY
    list_columns = ["received_on", "endpoint", "status_code", "reference", "municipality", "reason"]
    show_columns = list_columns
    search_columns = ["received_on", "endpoint", "status_code", "reference", "municipality"]
    base_order = ("received_on", "desc")
    label_columns = {
        "received_on": _("Ontvangen op"),
        "endpoint": _("Koppeling"),
        "status_code": _("Antwoord"),
        "reference": _("Aanvraagnummer / levering"),
        "municipality": _("Gemeente"),
        "reason": _("Reden"),
    }
    formatters_columns = {"received_on": datetime_nl}
