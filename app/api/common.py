"""Shared pieces of the REST resources: the contract's error body and the tenant filter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify
from flask_appbuilder.api import ModelRestApi

from ..services import tenancy
from ..services.errors import Refused, ValidationError
from ..views.base import TenantFilter

TENANT = [["id", TenantFilter, lambda: None]]


def errors(status: int, items: list[dict[str, Any]]) -> tuple[Response, int]:
    """The contract's error body: {"fouten": [{"veld": ..., "melding": ...}]}."""
    return jsonify(fouten=items), status


CASE_NOT_FOUND = "Zaak niet gevonden."

FOUTEN_SCHEMA = {
    "type": "object",
    "required": ["fouten"],
    "properties": {
        "fouten": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["veld", "melding"],
                "properties": {
                    "veld": {"type": ["string", "null"]},
                    "melding": {"type": "string"},
                },
            },
        }
    },
}


def register_spec_components(api_spec: Any) -> None:
    """The spec's shared pieces, once: the contract's error body and the `pk` path parameter."""
    api_spec.components.schema("Fouten", FOUTEN_SCHEMA)
    api_spec.components.response(
        "Fouten",
        {
            "description": "Fout, met een Nederlandse melding per veld",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Fouten"}}},
        },
    )
    api_spec.components.parameter(
        "pk", "path", {"required": True, "schema": {"type": "integer"}, "description": "id"}
    )


def answer(
    action: Callable[[], Any],
    ok: Callable[[Any], Any],
    not_found: str = CASE_NOT_FOUND,
    refused_field: str | None = None,
) -> Any:
    """Run a service call; its refusals become the contract's errors, its result `ok(result)`.

    `refused_field` names the request field a 403/409 is about (null: the object itself).
    """
    try:
        result = action()
    except tenancy.NotFound:
        return errors(404, [{"veld": None, "melding": not_found}])
    except Refused as exc:
        return errors(exc.status, [{"veld": refused_field, "melding": exc.message}])
    except ValidationError as exc:
        return errors(422, exc.errors)
    return ok(result)


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
