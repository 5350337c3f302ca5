"""REST API registration."""

from __future__ import annotations

from flask_appbuilder import AppBuilder

from .imports import ImportApi
from .intake import IntakeApi
from .resources import (
    AssetLimitApi,
    AuditApi,
    CaseApi,
    MemoApi,
    MessageApi,
    MunicipalityApi,
    NationalNormApi,
)


def register_apis(appbuilder: AppBuilder) -> None:
    """Add every REST resource to FAB (and so to the OpenAPI spec)."""
    for api in (
        CaseApi,
        MunicipalityApi,
        MemoApi,
        MessageApi,
        AuditApi,
        NationalNormApi,
        AssetLimitApi,
        ImportApi,
        IntakeApi,
    ):
        appbuilder.add_api(api)
