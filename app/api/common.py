"""Shared pieces of the REST resources: the contract's error body and the tenant filter."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from ..views.base import TenantFilter

TENANT = [["id", TenantFilter, lambda: None]]


def errors(status: int, items: list[dict[str, Any]]) -> tuple[Response, int]:
    """The contract's error body: {"fouten": [{"veld": ..., "melding": ...}]}."""
    return jsonify(fouten=items), status


def code(value: Any) -> str | None:
    """The English code of an enum member (None stays None)."""
    return value.name if value is not None else None
