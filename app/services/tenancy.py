"""Tenancy (DESIGN.md 7.1): a user sees only the municipalities of their own organisation."""

from __future__ import annotations

from itertools import chain
from typing import Any

from flask import g, has_request_context
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import event, false, or_, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (
    AllowlistEntry,
    AssetLimit,
    AuditLog,
    Case,
    CaseEvent,
    CaseTally,
    Delivery,
    Document,
    ImportRecord,
    Memo,
    Message,
    Municipality,
    NationalNorm,
    Notice,
    Organisation,
    RefusedRequest,
    Resident,
    Template,
    User,
)
from ..roles import ORG_ROLES, ROLE_ADMIN, current_user, is_platform_admin


class NotFound(Exception):  # noqa: N818 - reads as `except tenancy.NotFound`
    """The object does not exist for this user (another organisation's answers the same)."""


# Tables holding a municipality's rows, and tables holding a case's rows.
_BY_MUNICIPALITY = (Case, Resident, Template, Message, AllowlistEntry, ImportRecord,
                    RefusedRequest, CaseTally)  # fmt: skip
_BY_CASE = (Memo, CaseEvent, Notice, Document, Delivery)


def municipality_ids(user: Any = None) -> list[int] | None:
    """The municipality ids the user may see; None means all (platform Admin)."""
    user = user if user is not None else current_user()
    if user is None:
        return []
    if is_platform_admin(user):
        return None
    if not user.organisation_id:
        return []
    if not has_request_context():
        return _load_ids(user.organisation_id)
    # A page scopes several queries (the list, its count, its filters' choices): asked once
    # per request, and asked again after a municipality was added, moved or removed.
    known = g.setdefault("municipality_ids", {})
    if user.organisation_id not in known:
        known[user.organisation_id] = _load_ids(user.organisation_id)
    return list(known[user.organisation_id])


def _load_ids(organisation_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Municipality.id).where(Municipality.organisation_id == organisation_id)
        )
    )


@event.listens_for(Session, "after_flush")
def _forget_ids_on_change(session: Session, _context: Any) -> None:
    """A flush that writes a municipality ends the request's memo of the ids (see above)."""
    if has_request_context() and "municipality_ids" in g:
        changed = chain(session.new, session.dirty, session.deleted)
        if any(isinstance(row, Municipality) for row in changed):
            g.pop("municipality_ids", None)


@event.listens_for(Session, "after_rollback")
def _forget_ids_on_rollback(_session: Session) -> None:
    """What the memo read after such a flush may be undone: read the ids again."""
    if has_request_context():
        g.pop("municipality_ids", None)


def _case_ids(ids: list[int]) -> Any:
    return select(Case.id).where(Case.municipality_id.in_(ids))


def has_rule(model: type) -> bool:
    """Whether `scope` knows how to restrict `model` (every table holding tenant data)."""
    return model in (User, AuditLog, NationalNorm, Municipality, Organisation, Role,
                     AssetLimit, *_BY_MUNICIPALITY, *_BY_CASE)  # fmt: skip


def scope(query: Any, model: type, user: Any = None) -> Any:
    """Restrict a Query or Select on `model` to what the user may see."""
    user = user if user is not None else current_user()
    if model is Role:
        # No organisation uses FAB's Public role; only the platform Admin hands out Admin.
        offered = (*ORG_ROLES, ROLE_ADMIN) if is_platform_admin(user) else ORG_ROLES
        return query.filter(Role.name.in_(offered))
    ids = municipality_ids(user)
    if ids is None:
        return query
    if model is User:
        if not user or not user.organisation_id:
            return query.filter(false())
        return query.filter(User.organisation_id == user.organisation_id)
    if model is AuditLog:
        if not user or not user.organisation_id:
            return query.filter(false())
        return query.filter(AuditLog.organisation_id == user.organisation_id)
    if model is NationalNorm:
        return query  # national reference data, the same for everyone
    if model is Municipality:
        return query.filter(Municipality.id.in_(ids))
    if model is Organisation:
        return query.filter(Organisation.id == (user.organisation_id if user else None))
    if model is AssetLimit:
        # National rows (no municipality) are visible to everyone.
        return query.filter(
            or_(AssetLimit.municipality_id.is_(None), AssetLimit.municipality_id.in_(ids))
        )
    if model in _BY_MUNICIPALITY:
        return query.filter(model.municipality_id.in_(ids))
    if model in _BY_CASE:
        return query.filter(model.case_id.in_(_case_ids(ids)))
    raise ValueError(f"no tenancy rule for {model.__name__}")


LARGEST_ID = 2**31 - 1  # ids are INTEGER columns (32 bits on PostgreSQL)


def get_case(case_id: int, user: Any = None) -> Case:
    """The case with this id if the user may see it, else NotFound."""
    if isinstance(case_id, bool) or not str(case_id).isdigit():
        raise NotFound()
    case_id = int(case_id)
    if not 0 < case_id <= LARGEST_ID:
        raise NotFound()  # an id no INTEGER column can hold is not a case either
    case = db.session.scalar(scope(select(Case).where(Case.id == case_id), Case, user))
    if case is None:
        raise NotFound()
    return case


def get_municipality(cbs_code: str, user: Any = None) -> Municipality:
    """The municipality with this CBS code if the user may see it, else NotFound."""
    stmt = scope(select(Municipality).where(Municipality.cbs_code == cbs_code), Municipality, user)
    municipality = db.session.scalar(stmt)
    if municipality is None:
        raise NotFound()
    return municipality


def in_scope(model: type, pk: Any, user: Any = None) -> bool:
    """Whether the object of `model` with primary key `pk` is visible to the user."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return False
    stmt = scope(select(model.id).where(model.id == pk), model, user)
    return db.session.scalar(stmt) is not None


def user_in_scope(user: Any, target: User) -> bool:
    """Whether `user` may manage `target` (same organisation, or platform Admin)."""
    if is_platform_admin(user):
        return True
    return bool(user and user.organisation_id and target.organisation_id == user.organisation_id)


def visible_municipalities(user: Any = None) -> list[Municipality]:
    """The municipalities of the user's organisation (all for the platform Admin), by name."""
    stmt = scope(select(Municipality), Municipality, user).order_by(Municipality.name)
    return list(db.session.scalars(stmt))
