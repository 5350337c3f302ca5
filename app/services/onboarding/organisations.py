"""Organisations (a municipality's own department or an ISD) and adding municipalities to them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ...extensions import db
from ...models import Municipality, Organisation, OrganisationKind
from . import cbs

NAME_MAX = 200


def name_problem(name: Any, exclude_id: int | None = None) -> str | None:
    """Why `name` cannot be an organisation's name (empty, too long, taken), or None."""
    if not isinstance(name, str) or not name.strip():
        return "Geef de naam van de organisatie."
    if len(name.strip()) > NAME_MAX:
        return f"De naam is te lang (hoogstens {NAME_MAX} tekens)."
    stmt = select(Organisation.id).where(func.lower(Organisation.name) == name.strip().lower())
    if exclude_id is not None:
        stmt = stmt.where(Organisation.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        return f"Er is al een organisatie met de naam '{name.strip()}'."
    return None


def cbs_code_problem(code: Any, exclude_id: int | None = None) -> str | None:
    """Why `code` cannot be a new municipality: not on the CBS list, or already added."""
    problem = cbs.code_problem(code)
    if problem:
        return problem
    stmt = select(Municipality).where(Municipality.cbs_code == code)
    existing = db.session.scalar(stmt)
    if existing is not None and existing.id != exclude_id:
        return f"{existing.name} ({code}) is al aangesloten bij {existing.organisation.name}."
    return None


def organisation_problem(organisation: Organisation | None) -> str | None:
    """Why a municipality cannot be added to `organisation` (a municipality serves itself only)."""
    if organisation is None:
        return "Kies de organisatie."
    if organisation.kind == OrganisationKind.MUNICIPALITY and organisation.municipalities:
        return (
            f"{organisation.name} is een gemeente met één gemeente "
            f"({organisation.municipalities[0].name}); maak voor een samenwerkingsverband "
            "een organisatie van de soort ISD."
        )
    return None


def get_visible(organisation_id: Any, user: Any) -> Organisation:
    """The organisation if the user may see it (Admin: all; others: their own), else 404."""
    from ...roles import is_platform_admin
    from ..tenancy import NotFound

    try:
        organisation_id = int(organisation_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound()
    if not is_platform_admin(user) and getattr(user, "organisation_id", None) != organisation.id:
        raise NotFound()
    return organisation
