"""Organisations (a municipality's own department or an ISD) and adding municipalities to them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ...extensions import db
from ...models import Municipality, Organisation, OrganisationKind
from .. import audit, municipalities
from ..errors import Refused, ValidationError
from . import cbs

NAME_MAX = 200


def _name_problem(name: Any, exclude_id: int | None = None) -> str | None:
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


def check_name(name: Any, exclude_id: int | None = None) -> None:
    """Refuse an empty, too long or already used organisation name (field `name`)."""
    problem = _name_problem(name, exclude_id)
    if problem:
        raise ValidationError([{"veld": "name", "melding": problem}])


def create(name: str, kind: OrganisationKind | str) -> Organisation:
    """Create an organisation (platform Admin), audited, in one commit."""
    check_name(name)
    if isinstance(kind, str):
        parsed = OrganisationKind.parse(kind)
        if parsed is None:
            raise ValidationError([{"veld": "kind", "melding": "Kies MUNICIPALITY of ISD."}])
        kind = parsed
    organisation = Organisation(name=name.strip(), kind=kind)
    db.session.add(organisation)
    db.session.flush()
    audit.object_changed("organisation", organisation.id, "create", commit=False)
    db.session.commit()
    return organisation


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


def check_new_municipality(organisation: Organisation | None, cbs_code: Any) -> None:
    """Refuse a municipality that is not on the CBS list, exists already, or breaks its kind."""
    problems = []
    code_problem = cbs_code_problem(cbs_code)
    if code_problem:
        problems.append({"veld": "cbs_code", "melding": code_problem})
    org_problem = organisation_problem(organisation)
    if org_problem:
        problems.append({"veld": "organisation", "melding": org_problem})
    if problems:
        raise ValidationError(problems)


def add_municipality(organisation: Organisation, cbs_code: str, **settings: Any) -> Municipality:
    """Add a municipality from the CBS list to an organisation: defaults, templates, audit."""
    check_new_municipality(organisation, cbs_code)
    name = settings.pop("name", None) or cbs.name_of(cbs_code)
    municipality = municipalities.create_municipality(
        organisation, cbs_code, name, commit=False, **settings
    )
    db.session.flush()
    audit.object_changed("municipality", municipality.id, "create", commit=False)
    db.session.commit()
    return municipality


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


class NotAllowed(Refused):
    """Only the platform Admin may do this."""

    status = 403
