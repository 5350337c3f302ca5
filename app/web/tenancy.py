"""Tenancy for FAB's screens and REST resources: every query and related list scoped."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_appbuilder.models.filters import BaseFilter

from ..services import tenancy
from ..services.security import audit


class TenantFilter(BaseFilter):
    """A base filter that limits any query to the current user's organisation."""

    name = "Organisatie"

    def apply(self, query: Any, value: Any) -> Any:
        return tenancy.scope(query, self.model)


def ensure_in_scope(view: Any, pk: Any) -> None:
    """Answer 404 (and audit the attempt) unless the object behind `pk` is the user's to see."""
    model = view.datamodel.obj
    if not tenancy.in_scope(model, pk):
        audit.access_refused(model.__tablename__, str(pk)[:64])
        abort(404)


def guard_related_queries(view: Any) -> None:
    """Scope the select boxes of add, edit and search forms (cases, municipalities, users)."""
    scope_related(view, ("add_form_query_rel_fields", "edit_form_query_rel_fields",
                         "search_form_query_rel_fields"))  # fmt: skip


def scope_related(view: Any, attributes: tuple[str, ...]) -> None:
    """Limit every related-object list of a screen or REST resource to the own organisation."""
    scoped: dict[str, list[list[Any]]] = {}
    for rel in view.datamodel.obj.__mapper__.relationships:
        if tenancy.has_rule(rel.mapper.class_):
            scoped[rel.key] = [["id", TenantFilter, lambda: None]]
    for attr in attributes:
        current = dict(getattr(view, attr, None) or {})
        for key, value in scoped.items():
            current.setdefault(key, value)
        setattr(view, attr, current)


# The base filter every tenant-scoped view and REST resource starts from.
TENANT = [["id", TenantFilter, lambda: None]]
