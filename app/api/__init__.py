"""REST API registration."""

from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_appbuilder.api.manager import SwaggerView

from .audit import AuditApi
from .cases import CaseApi
from .imports import ImportApi
from .intake import IntakeApi
from .memos import MemoApi
from .messages import MessageApi
from .municipalities import MunicipalityApi
from .norms import AssetLimitApi, NationalNormApi
from .ockto import OcktoApi
from .organisations import OrganisationApi
from .signals import SignalApi
from .spec import OpenApi


def register_apis(appbuilder: AppBuilder) -> None:
    """Add every REST resource to FAB (and so to the OpenAPI spec)."""
    for api in (
        CaseApi,
        MunicipalityApi,
        OrganisationApi,
        MemoApi,
        MessageApi,
        SignalApi,
        AuditApi,
        NationalNormApi,
        AssetLimitApi,
        ImportApi,
        IntakeApi,
        OcktoApi,
        OpenApi,
    ):
        appbuilder.add_api(api)
    appbuilder.add_view_no_menu(SwaggerView)
