"""The case's state machine (DESIGN.md 4.2): one transition table and the actions on it.

Every action checks the table, then moves the status with a conditional UPDATE on
the status it read, so two concurrent actions on one case cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from ...extensions import db
from ...formatting import AMSTERDAM
from ...models import OPEN_STATUSES, Case, CaseStatus, Notice
from ...models.types import utcnow
from ...roles import ROLE_BEHEERDER, current_user, is_platform_admin, role_names
from .. import tenancy
from ..errors import Conflict, Forbidden, ValidationError
from ..security import audit
from . import reassessments, records

MAX_REASON = 2000


@dataclass(frozen=True)
class Transition:
    """An action: the statuses it may start from and where it leads (None: back)."""

    label: str
    sources: frozenset[CaseStatus]
    target: CaseStatus | None
    beheerder_only: bool = False


TRANSITIONS: dict[str, Transition] = {
    "hold": Transition("In afwachting zetten", OPEN_STATUSES - {CaseStatus.ON_HOLD},
                       CaseStatus.ON_HOLD),
    "release": Transition("Vrijgeven", frozenset({CaseStatus.ON_HOLD}), None),
    "abort": Transition("Afbreken", OPEN_STATUSES, CaseStatus.ABORTED),
    "restore": Transition("Herstellen", frozenset({CaseStatus.ABORTED}), None,
                          beheerder_only=True),
    "request_info": Transition(
        "Aanvullende informatie opvragen",
        frozenset({CaseStatus.NEW, CaseStatus.INVITED, CaseStatus.DATA_RECEIVED}),
        CaseStatus.INFO_REQUESTED,
    ),
    "decide": Transition("Besluiten", OPEN_STATUSES, CaseStatus.DECIDED),
}  # fmt: skip


def is_beheerder(user: Any) -> bool:
    """Beheerder of an organisation, or the platform Admin."""
    return is_platform_admin(user) or ROLE_BEHEERDER in role_names(user)


def refusal(action: str, status: CaseStatus) -> str:
    """The Dutch message for an action the status does not allow."""
    return f"'{TRANSITIONS[action].label}' kan niet bij een zaak met status '{status.label}'."


def allowed_actions(case: Case, user: Any = None) -> list[str]:
    """The actions this case's status and this user's role allow now (for the buttons)."""
    user = user if user is not None else current_user()
    return [
        name
        for name, t in TRANSITIONS.items()
        if case.status in t.sources and (not t.beheerder_only or is_beheerder(user))
    ]


def check(case: Case, action: str, user: Any) -> Transition:
    transition = TRANSITIONS[action]
    if transition.beheerder_only and not is_beheerder(user):
        raise Forbidden(f"Alleen een beheerder mag '{transition.label.lower()}'.")
    if case.status not in transition.sources:
        raise Conflict(refusal(action, case.status))
    return transition


def move(case: Case, before: CaseStatus, values: dict[str, Any], now: dt.datetime) -> None:
    """The conditional UPDATE: only if the status is still the one we read."""
    moved = db.session.execute(
        update(Case)
        .where(Case.id == case.id, Case.status == before)
        .values(changed_on=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        db.session.rollback()
        raise Conflict("De zaak is intussen door iemand anders gewijzigd. Laad de zaak opnieuw.")
    db.session.refresh(case)


def _reason(value: Any, field: str, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError([{"veld": field, "melding": f"Geef de reden van {what}."}])
    if len(text) > MAX_REASON:
        raise ValidationError([{"veld": field, "melding": f"Maximaal {MAX_REASON} tekens."}])
    return text


def today(now: dt.datetime) -> dt.date:
    """The date in the Netherlands."""
    return now.astimezone(AMSTERDAM).date()


def hold(case_id: int, reason: Any, until: Any = None, user: Any = None,
         now: dt.datetime | None = None) -> Case:  # fmt: skip
    """Put an open case on hold with a reason and an optional end date (ON_HOLD)."""
    user, now = user if user is not None else current_user(), now or utcnow()
    case = tenancy.get_case(case_id, user)
    text = _reason(reason, "reden", "het in afwachting zetten")
    end = None
    if until not in (None, ""):
        try:
            end = until if isinstance(until, dt.date) else dt.date.fromisoformat(str(until))
        except ValueError:
            raise ValidationError(
                [{"veld": "tot", "melding": "Geef een datum (JJJJ-MM-DD)."}]
            ) from None
        if end <= today(now):
            raise ValidationError([{"veld": "tot", "melding": "Kies een datum na vandaag."}])
    check(case, "hold", user)
    before = case.status
    move(case, before, {"status": CaseStatus.ON_HOLD, "previous_status": before,
                         "hold_reason": text, "hold_until": end}, now)  # fmt: skip
    until_text = f" tot {end:%d-%m-%Y}" if end else ""
    records.add_event(case, "hold", f"In afwachting gezet{until_text}: {text}", before,
                    CaseStatus.ON_HOLD, now=now)  # fmt: skip
    audit.object_changed("case", case.id, "hold", commit=False)
    db.session.commit()
    return case


def release(case_id: int, user: Any = None, now: dt.datetime | None = None,
            actor: str | None = None, why: str = "Vrijgegeven") -> Case:  # fmt: skip
    """End a hold: back to the status the case came from."""
    user, now = user if user is not None else current_user(), now or utcnow()
    case = tenancy.get_case(case_id, user) if user is not None else db.session.get(Case, case_id)
    if case is None:
        raise tenancy.NotFound()
    check(case, "release", user)
    target = case.previous_status or CaseStatus.NEW
    move(case, CaseStatus.ON_HOLD, {"status": target, "previous_status": None,
                                     "hold_reason": None, "hold_until": None}, now)  # fmt: skip
    records.add_event(case, "release", why, CaseStatus.ON_HOLD, target, actor=actor, now=now)
    audit.object_changed("case", case.id, "release", commit=False)
    db.session.commit()
    return case


def abort(case_id: int, reason: Any, user: Any = None, now: dt.datetime | None = None) -> Case:
    """Abort an open case with a reason (ABORTED); a Beheerder can restore it."""
    user, now = user if user is not None else current_user(), now or utcnow()
    case = tenancy.get_case(case_id, user)
    text = _reason(reason, "reden", "het afbreken")
    check(case, "abort", user)
    before = case.status
    # A held case is aborted from where its hold would have returned it.
    back = case.previous_status if before == CaseStatus.ON_HOLD else before
    move(case, before, {"status": CaseStatus.ABORTED, "previous_status": back,
                         "abort_reason": text, "hold_reason": None, "hold_until": None},
          now)  # fmt: skip
    records.add_event(case, "abort", f"Afgebroken: {text}", before, CaseStatus.ABORTED, now=now)
    audit.object_changed("case", case.id, "abort", commit=False)
    db.session.commit()
    return case


def restore(case_id: int, user: Any = None, now: dt.datetime | None = None) -> Case:
    """Undo an abort (Beheerder): back to the status before it."""
    user, now = user if user is not None else current_user(), now or utcnow()
    case = tenancy.get_case(case_id, user)
    check(case, "restore", user)
    target = case.previous_status or CaseStatus.NEW
    move(case, CaseStatus.ABORTED, {"status": target, "previous_status": None,
                                     "abort_reason": None}, now)  # fmt: skip
    records.add_event(case, "restore", "Hersteld na afbreken", CaseStatus.ABORTED, target, now=now)
    audit.object_changed("case", case.id, "restore", commit=False)
    db.session.commit()
    return case


def release_due_holds(now: dt.datetime | None = None) -> int:
    """Release every hold whose end date has passed (the daily job); safe to run twice."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Case.id).where(
            Case.status == CaseStatus.ON_HOLD,
            Case.hold_until.is_not(None),
            Case.hold_until < today(now),
        )
    ).all()
    released = 0
    for case_id in due:
        try:
            release(case_id, user=None, now=now, actor="systeem",
                    why="Vrijgegeven: de datum van de wachttijd is verstreken")  # fmt: skip
            released += 1
        except Conflict:
            continue  # released or changed meanwhile by someone else
    return released


def resolve_notice(case_id: int, notice_id: int, user: Any = None,
                   now: dt.datetime | None = None) -> Case:  # fmt: skip
    """Mark a notice on a case as handled ("afhandelen"); once only."""
    user, now = user if user is not None else current_user(), now or utcnow()
    case = tenancy.get_case(case_id, user)
    done = db.session.execute(
        update(Notice)
        .where(Notice.id == notice_id, Notice.case_id == case.id, Notice.resolved_on.is_(None))
        .values(resolved_on=now, resolved_by_id=getattr(user, "id", None))
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        db.session.rollback()
        raise Conflict("Deze melding is al afgehandeld of bestaat niet.")
    notice = db.session.get(Notice, notice_id)
    records.add_event(case, "notice", f"Melding afgehandeld: {notice.kind.label}", now=now)
    audit.object_changed("case", case.id, f"notice_resolved:{notice_id}", commit=False)
    db.session.commit()
    db.session.refresh(case)
    return case


def bulk(action: str, case_ids: list[int], user: Any = None, **params: Any) -> dict[str, Any]:
    """Run one action on many cases, each re-checked on its own (organisation, module,
    status); answers what was done and what was skipped, with the reason per case."""
    user = user if user is not None else current_user()
    if action == "hold":
        _reason(params.get("reden"), "reden", "het in afwachting zetten")
    calls = {
        "hold": lambda cid: hold(cid, params.get("reden"), params.get("tot"), user=user),
        "release": lambda cid: release(cid, user=user),
        "invite": lambda cid: reassessments.invite_case(cid, user=user),
    }
    done: list[int] = []
    skipped: list[dict[str, Any]] = []
    for case_id in dict.fromkeys(case_ids):
        try:
            calls[action](case_id)
            done.append(case_id)
        except tenancy.NotFound:
            skipped.append({"id": case_id, "reden": "Zaak niet gevonden."})
        except (Conflict, Forbidden) as exc:
            skipped.append({"id": case_id, "reden": exc.message})
        except reassessments.InviteRefused as exc:
            skipped.append({"id": case_id, "reden": exc.message})
        except ValidationError as exc:
            skipped.append({"id": case_id, "reden": str(exc)})
    return {"gedaan": done, "overgeslagen": skipped}
