"""Shared pieces of the REST resources: the contract's error body and the tenant filter."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_appbuilder.api import ModelRestApi

from ..views.base import TenantFilter

TENANT = [["id", TenantFilter, lambda: None]]


def errors(status: int, items: list[dict[str, Any]]) -> tuple[Response, int]:
    """The contract's error body: {"fouten": [{"veld": ..., "melding": ...}]}."""
    return jsonify(fouten=items), status


def code(value: Any) -> str | None:
    """The English code of an enum member (None stays None)."""
    return value.name if value is not None else None


class RestApi(ModelRestApi):
    """FAB's ModelRestApi without its translation slip in `_info`.

    FAB translates a missing description (`""`), and gettext answers the catalogue's
    header ("Project-Id-Version: ..."); a field without a description gets "".
    """

    def _get_field_info(self, field: Any, filter_rel_field: Any, page: Any = None,
                        page_size: Any = None) -> dict[str, Any]:  # fmt: skip
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.description_columns.get(field.name):
            info["description"] = ""
        return info
