"""Who handles a case (behandelaar): taking, releasing, assigning, distributing work.

A Medewerker takes a case or releases their own; a Beheerder assigns anyone of the
organisation, also many cases at once with one reason. Every (re)assignment is a line
on the timeline, an audit entry and a signal to the new handler (not to oneself).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import func, select

from ...extensions import db
from ...formatting import person_name, today_nl
from ...models import OPEN_STATUSES, Case, SignalKind, User
from ...roles import ORG_ROLES, current_user
from .. import tenancy
from ..errors import Conflict, Forbidden, Refused, ValidationError
from ..messaging import signals
from ..security import audit
from ..unit import Work
from . import records, tally, workflow

MAX_BULK = 500
FIELD = "behandelaar"

# Shown for a user that is not there (no handler, a removed account).
NOBODY = "niemand"


def handlers(user: Any = None) -> list[User]:
    """The users a case of this organisation can be assigned to: active Medewerkers and
    Beheerders of the organisation, by name."""
    user = user if user is not None else current_user()
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        return []
    # One query: the role is a condition of the join, not a look-up per user.
    return list(
        db.session.scalars(
            select(User)
            .join(User.roles)
            .where(
                User.organisation_id == organisation_id,
                User.active.is_(True),
                Role.name.in_(ORG_ROLES),
            )
            .distinct()
            .order_by(User.first_name, User.last_name, User.username)
        )
    )


def _handler(username: Any, case: Case, work: Work) -> User | None:
    """The user named, checked: of the case's organisation, active, a caseworker role."""
    return _colleague(username, case.municipality.organisation_id)


def _colleague(username: Any, organisation_id: int | None) -> User | None:
    """The user named if active, with a caseworker role, in this organisation; else refused."""
    if username in (None, ""):
        return None
    if not isinstance(username, str):
        raise ValidationError([{"veld": FIELD, "melding": "Geef een gebruikersnaam of null."}])
    found = db.session.scalar(select(User).where(User.username == username.strip()))
    if (
        found is None
        or found.organisation_id != organisation_id
        or not found.active
        or not {r.name for r in found.roles} & set(ORG_ROLES)
    ):
        raise ValidationError(
            [{"veld": FIELD, "melding": "Geen medewerker of beheerder van deze organisatie."}]
        )
    return found


def _assign(case: Case, handler: User | None, work: Work, reason: str | None) -> bool:
    """Set the handler in the running unit: timeline, audit, signal. False: no change."""
    user = work.user
    if not workflow.is_beheerder(user):
        if handler is not None and handler.id != getattr(user, "id", None):
            raise Forbidden("Een medewerker wijst alleen zichzelf toe; vraag uw beheerder.")
        if case.handler_id not in (None, getattr(user, "id", None)):
            busy = person_name(case.handler, NOBODY)
            raise Conflict(f"Deze zaak wordt behandeld door {busy}; vraag uw beheerder om hem "
                           "over te dragen.")  # fmt: skip
    if case.handler_id == (handler.id if handler else None):
        return False
    before = case.handler
    case.handler = handler
    case.changed_on = work.now
    if handler is None:
        text = f"Behandelaar {person_name(before, NOBODY)} vrijgegeven"
    elif before is None:
        text = f"Behandelaar: {person_name(handler, NOBODY)}"
    else:
        text = f"Behandelaar: {person_name(handler, NOBODY)} (was {person_name(before, NOBODY)})"
    records.add_event(case, "assign", text + (f". Reden: {reason}" if reason else ""),
                      now=work.now)  # fmt: skip
    audit.object_changed("case", case.id, f"assign:{handler.id if handler else '-'}")
    if handler is not None and handler.id != getattr(user, "id", None):
        signals.raise_signal(case, SignalKind.ASSIGNED, f"assign:{work.now.isoformat()}",
                             work.now, user_id=handler.id)  # fmt: skip
    return True


def _reason(value: Any) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > workflow.MAX_REASON:
        raise ValidationError([{"veld": "reden", "melding": f"Maximaal {workflow.MAX_REASON} "
                                "tekens."}])  # fmt: skip
    return text or None


def assign(case_id: int, username: Any, user: Any = None, now: dt.datetime | None = None,
           reason: Any = None) -> Case:  # fmt: skip
    """Set or clear the case's handler (null: nobody); answers the case."""
    with workflow.case_action(case_id, user, now) as (case, work):
        _assign(case, _handler(username, case, work), work, _reason(reason))
    return case


def take(case_id: int, user: Any = None, now: dt.datetime | None = None) -> Case:
    """ "Oppakken": the user becomes the case's handler."""
    user = user if user is not None else current_user()
    return assign(case_id, getattr(user, "username", None), user=user, now=now)


def bulk_assign(case_ids: list[int], username: Any, reason: Any = None, user: Any = None,
                now: dt.datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """Assign many cases at once (Beheerder), each re-checked on its own and its own unit;
    answers what was done and every skipped case with its reason."""
    user = user if user is not None else current_user()
    if not workflow.is_beheerder(user):
        raise Forbidden("Alleen een beheerder verdeelt werk.")
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise ValidationError([{"veld": "zaken", "melding": "Kies een of meer zaken."}])
    if len(ids) > MAX_BULK:
        raise ValidationError([{"veld": "zaken", "melding": f"Maximaal {MAX_BULK} zaken."}])
    text = _reason(reason)
    # A name that is nobody's colleague is refused once, for the whole form.
    _colleague(username, getattr(user, "organisation_id", None))
    done: list[int] = []
    skipped: list[dict[str, Any]] = []
    for case_id in ids:
        try:
            with workflow.case_action(case_id, user, now) as (case, work):
                if case.status not in OPEN_STATUSES:
                    raise Conflict(f"De zaak heeft status '{case.status.label}'.")
                if not _assign(case, _handler(username, case, work), work, text):
                    raise Conflict("De zaak had deze behandelaar al.")
            done.append(case_id)
        except tenancy.NotFound:
            skipped.append({"id": case_id, "reden": "Zaak niet gevonden."})
        except ValidationError as exc:
            skipped.append({"id": case_id, "reden": str(exc)})
        except Refused as exc:
            skipped.append({"id": case_id, "reden": exc.message})
    return {"gedaan": done, "overgeslagen": skipped}


def workload(user: Any = None) -> list[dict[str, Any]]:
    """Per handler (and "Niet toegewezen"): open cases and how many need attention."""
    user = user if user is not None else current_user()
    today = today_nl()
    counts = tally.open_per_handler(user)
    # A case that needs attention of two kinds counts once.
    stmt = tenancy.scope(
        select(Case.handler_id, func.count(Case.id))
        .where(Case.id.in_(records.attention_ids(today)), Case.status.in_(OPEN_STATUSES))
        .group_by(Case.handler_id),
        Case,
        user,
    )
    attention = dict(db.session.execute(stmt).all())
    names = {u.id: u for u in handlers(user)}
    rows = [
        {
            "handler": names.get(hid),
            "handler_id": hid,
            "open": n,
            "attention": attention.get(hid, 0),
        }
        for hid, n in counts.items()
        if hid is not None
    ]
    rows.sort(key=lambda r: person_name(r["handler"], NOBODY).lower())
    rows.append({"handler": None, "handler_id": None, "open": counts.get(None, 0),
                 "attention": attention.get(None, 0)})  # fmt: skip
    return rows
