"""/api/v1/audit/: the audit log, read-only, for Beheerders."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from ..models import AuditLog
from ..web.tenancy import TENANT
from .common import RestApi


class AuditApi(RestApi):
    """The audit log of the own organisation (read, Beheerder)."""

    noun = ("Auditregel", "Auditlog")
    resource_name = "audit"
    datamodel = SQLAInterface(AuditLog)
    include_route_methods = {"get", "get_list", "info"}
    base_filters = TENANT
    list_columns = show_columns = [
        "id",
        "created_on",
        "user_id",
        "username",
        "action",
        "object_type",
        "object_id",
        "result",
        "detail",
    ]
    search_columns = ["created_on", "username", "action", "object_type", "object_id", "result"]
    base_order = ("id", "desc")
