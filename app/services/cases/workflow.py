"""The case's state machine (DESIGN.md 4.2): the one owner of every status change.

`TRANSITIONS` lists every way a case's status can change — the caseworker's actions
on the case page and the system's (an invitation, a delivery, documents received, an
automatic decision, a hold that ends). `transition()` is the only code that writes a
case's status: it checks the table, then moves the status with a conditional UPDATE
on the status it read, so two concurrent changes of one case cannot both succeed.
A structure test (tests/test_structure.py) fails if any other module writes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from ...extensions import db
from ...formatting import date_in_nl
from ...models import OPEN_STATUSES, Case, CaseEvent, CaseStatus, Notice, SignalKind
from ...roles import ROLE_BEHEERDER, is_platform_admin, role_names
from .. import tenancy
from ..errors import Conflict, Forbidden, Refused, ValidationError
from ..messaging import signals
from ..security import audit
from ..unit import Work, unit_of_work
from ..zgw import events as zgw_events
from . import records

MAX_REASON = 2000
S = CaseStatus


@dataclass(frozen=True)
class Transition:
    """A status change: where it may start, where it leads, who may make it.

    `target` None: back to the status the case had before (a hold or an abort ends).
    `system`: made by the product itself, never a button on the case page.
    `follows_hold`: when it happens while the case is on hold, the hold returns to
    `target` instead of to where it came from (data arriving during a hold).
    `button`: offered as an action button (four eyes has a panel of its own).
    """

    label: str
    sources: frozenset[CaseStatus]
    target: CaseStatus | None
    beheerder_only: bool = False
    system: bool = False
    follows_hold: bool = False
    button: bool = True


def _from(*statuses: CaseStatus) -> frozenset[CaseStatus]:
    return frozenset(statuses)


# Open and in the caseworker's hands (not waiting for a second person's approval).
WORKABLE = OPEN_STATUSES - {S.AWAITING_APPROVAL}


TRANSITIONS: dict[str, Transition] = {
    # The caseworker's actions (the case page, the REST API, bulk actions). A decision
    # waiting for approval is not changed: only approved or sent back.
    "hold": Transition("In afwachting zetten", WORKABLE - {S.ON_HOLD}, S.ON_HOLD),
    "release": Transition("Vrijgeven", _from(S.ON_HOLD), None),
    "abort": Transition("Afbreken", WORKABLE, S.ABORTED),
    "restore": Transition("Herstellen", _from(S.ABORTED), None, beheerder_only=True),
    "request_info": Transition("Aanvullende informatie opvragen",
                               _from(S.NEW, S.INVITED, S.DATA_RECEIVED), S.INFO_REQUESTED),
    "decide": Transition("Besluiten", WORKABLE, S.DECIDED),
    # Four eyes (the municipality's `four_eyes`): the decision waits for a second person.
    "submit": Transition("Ter goedkeuring voorleggen", WORKABLE, S.AWAITING_APPROVAL,
                         button=False),
    "approve": Transition("Goedkeuren en verzenden", _from(S.AWAITING_APPROVAL), S.DECIDED,
                          button=False),
    "send_back": Transition("Terugsturen", _from(S.AWAITING_APPROVAL), S.DATA_RECEIVED,
                            button=False),
    # The system's: an invitation sent, data or documents in, the policy, the clock.
    "invite": Transition("Uitnodigen", _from(S.NEW), S.INVITED, system=True),
    "data_received": Transition("Gegevens ontvangen", _from(S.NEW, S.INVITED, S.INFO_REQUESTED),
                                S.DATA_RECEIVED, system=True, follows_hold=True),
    "info_received": Transition("Informatie ontvangen", _from(S.INFO_REQUESTED),
                                S.DATA_RECEIVED, system=True, follows_hold=True),
    "auto_decide": Transition("Automatisch besluiten", _from(S.NEW), S.DECIDED, system=True),
    "hold_expired": Transition("Wachttijd verstreken", _from(S.ON_HOLD), None, system=True),
}  # fmt: skip

# What a status change clears or keeps besides the status, per target.
_LEAVING_HOLD = {"previous_status": None, "hold_reason": None, "hold_until": None}


def is_beheerder(user: Any) -> bool:
    """Beheerder of an organisation, or the platform Admin."""
    return is_platform_admin(user) or ROLE_BEHEERDER in role_names(user)


def refusal(action: str, status: CaseStatus) -> str:
    """The Dutch message for an action the status does not allow."""
    return f"'{TRANSITIONS[action].label}' kan niet bij een zaak met status '{status.label}'."


def allowed_actions(case: Case, user: Any = None) -> list[str]:
    """The caseworker actions this case's status and this user's role allow now (buttons)."""
    from ...roles import current_user

    user = user if user is not None else current_user()
    return [
        name
        for name, t in TRANSITIONS.items()
        if t.button
        and not t.system
        and case.status in t.sources
        and (not t.beheerder_only or is_beheerder(user))
    ]


def applies(case: Case, action: str) -> bool:
    """Whether a system transition applies to the case now (also to the return of a hold)."""
    t = TRANSITIONS[action]
    if case.status in t.sources:
        return True
    return t.follows_hold and case.status == S.ON_HOLD and case.previous_status in t.sources


def check(case: Case, action: str, user: Any) -> Transition:
    """Refuse (403/409, in Dutch) an action this user or this status does not allow."""
    transition = TRANSITIONS[action]
    if transition.beheerder_only and not is_beheerder(user):
        raise Forbidden(f"Alleen een beheerder mag '{transition.label.lower()}'.")
    if case.status not in transition.sources:
        raise Conflict(refusal(action, case.status))
    return transition


def move(case: Case, before: CaseStatus, values: dict[str, Any], now: dt.datetime) -> None:
    """The conditional UPDATE: only if the status is still the one we read."""
    db.session.flush()  # pending changes of the case first: the refresh below reloads it
    moved = db.session.execute(
        update(Case)
        .where(Case.id == case.id, Case.status == before)
        .values(changed_on=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise Conflict("De zaak is intussen door iemand anders gewijzigd. Laad de zaak opnieuw.")
    db.session.refresh(case)


def transition(
    case: Case, action: str, work: Work, description: str, *, values: dict[str, Any] | None = None,
    actor: str | None = None, event: str | None = None,
) -> CaseEvent:  # fmt: skip
    """Make one status change of the table and put it on the timeline; answers that line.

    A system transition that finds the case on hold with a status it starts from moves
    the hold's return status instead (the case stays on hold); from any other status it
    refuses with 409 like every action.
    """
    t = TRANSITIONS[action]
    if t.beheerder_only and not is_beheerder(work.user):
        raise Forbidden(f"Alleen een beheerder mag '{t.label.lower()}'.")
    before = case.status
    if before not in t.sources:
        if t.follows_hold and before == S.ON_HOLD and case.previous_status in t.sources:
            case.previous_status = t.target
            return records.add_event(case, event or action, f"{description} (na vrijgeven: "
                                     f"{t.target.label})", actor=actor, now=work.now)  # fmt: skip
        raise Conflict(refusal(action, before))
    target = t.target or case.previous_status or S.NEW
    changes = {"status": target, **(values or {})}
    if before == S.ON_HOLD and target != S.ABORTED:
        changes = {**_LEAVING_HOLD, **changes}
    move(case, before, changes, work.now)
    zgw_events.status_changed(case, target, work.now)
    return records.add_event(case, event or action, description, before, target, actor=actor,
                             now=work.now)  # fmt: skip


@contextmanager
def case_action(case_id: int, user: Any = None, now: dt.datetime | None = None,
                system: bool = False) -> Iterator[tuple[Case, Work]]:  # fmt: skip
    """One action on one case: loaded through tenancy (the system: by id), one commit."""
    with unit_of_work(user, now, system=system) as work:
        if system:
            case = db.session.get(Case, case_id)
            if case is None:
                raise tenancy.NotFound()
        else:
            case = tenancy.get_case(case_id, work.user)
        yield case, work


def reason_of(value: Any, field: str, what: str) -> str:
    """A reason a caseworker gives: required, at most MAX_REASON characters."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError([{"veld": field, "melding": f"Geef de reden van {what}."}])
    if len(text) > MAX_REASON:
        raise ValidationError([{"veld": field, "melding": f"Maximaal {MAX_REASON} tekens."}])
    return text


def date_after_today(value: Any, field: str, today: dt.date) -> dt.date | None:
    """An optional date a caseworker gives (an end of a hold, a term): after today."""
    if value in (None, ""):
        return None
    try:
        chosen = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            [{"veld": field, "melding": "Geef een datum (JJJJ-MM-DD)."}]
        ) from None
    if chosen <= today:
        raise ValidationError([{"veld": field, "melding": "Kies een datum na vandaag."}])
    return chosen


def today(now: dt.datetime) -> dt.date:
    """The date in the Netherlands."""
    return date_in_nl(now)


def hold(case_id: int, reason: Any, until: Any = None, user: Any = None,
         now: dt.datetime | None = None) -> Case:  # fmt: skip
    """Put an open case on hold with a reason and an optional end date (ON_HOLD)."""
    with case_action(case_id, user, now) as (case, work):
        text = reason_of(reason, "reden", "het in afwachting zetten")
        end = date_after_today(until, "tot", today(work.now))
        until_text = f" tot {end:%d-%m-%Y}" if end else ""
        transition(case, "hold", work, f"In afwachting gezet{until_text}: {text}", values={
            "previous_status": case.status, "hold_reason": text, "hold_until": end})  # fmt: skip
        audit.object_changed("case", case.id, "hold")
    return case


def release(case_id: int, user: Any = None, now: dt.datetime | None = None) -> Case:
    """End a hold: back to the status the case came from."""
    with case_action(case_id, user, now) as (case, work):
        transition(case, "release", work, "Vrijgegeven")
        audit.object_changed("case", case.id, "release")
    return case


def abort(case_id: int, reason: Any, user: Any = None, now: dt.datetime | None = None) -> Case:
    """Abort an open case with a reason (ABORTED); a Beheerder can restore it."""
    with case_action(case_id, user, now) as (case, work):
        text = reason_of(reason, "reden", "het afbreken")
        # A held case is aborted from where its hold would have returned it.
        back = case.previous_status if case.status == S.ON_HOLD else case.status
        transition(case, "abort", work, f"Afgebroken: {text}", values={
            "previous_status": back, "abort_reason": text, "hold_reason": None,
            "hold_until": None})  # fmt: skip
        audit.object_changed("case", case.id, "abort")
    return case


def restore(case_id: int, user: Any = None, now: dt.datetime | None = None) -> Case:
    """Undo an abort (Beheerder): back to the status before it."""
    with case_action(case_id, user, now) as (case, work):
        transition(case, "restore", work, "Hersteld na afbreken",
                   values={"previous_status": None, "abort_reason": None})  # fmt: skip
        audit.object_changed("case", case.id, "restore")
    return case


def release_due_holds(now: dt.datetime | None = None) -> int:
    """Release every hold whose end date has passed (the daily job); safe to run twice."""
    with unit_of_work(now=now, system=True) as work:
        due = db.session.scalars(
            select(Case.id).where(
                Case.status == S.ON_HOLD,
                Case.hold_until.is_not(None),
                Case.hold_until < today(work.now),
            )
        ).all()
    released = 0
    for case_id in due:
        try:
            with case_action(case_id, now=work.now, system=True) as (case, each):
                until = case.hold_until
                transition(case, "hold_expired", each, "Vrijgegeven: de datum van de wachttijd "
                           "is verstreken", actor="systeem", event="release")  # fmt: skip
                signals.raise_signal(case, SignalKind.HOLD_ENDED, f"hold:{until}", each.now)
            released += 1
        except Conflict:
            continue  # released or changed meanwhile by someone else
    return released


def resolve_notice(case_id: int, notice_id: int, user: Any = None,
                   now: dt.datetime | None = None) -> Case:  # fmt: skip
    """Mark a notice on a case as handled ("afhandelen"); once only."""
    with case_action(case_id, user, now) as (case, work):
        done = db.session.execute(
            update(Notice)
            .where(Notice.id == notice_id, Notice.case_id == case.id,
                   Notice.resolved_on.is_(None))
            .values(resolved_on=work.now, resolved_by_id=getattr(work.user, "id", None))
            .execution_options(synchronize_session=False)
        ).rowcount  # fmt: skip
        if done != 1:
            raise Conflict("Deze melding is al afgehandeld of bestaat niet.")
        notice = db.session.get(Notice, notice_id)
        records.add_event(case, "notice", f"Melding afgehandeld: {notice.kind.label}",
                          now=work.now)  # fmt: skip
        audit.object_changed("case", case.id, f"notice_resolved:{notice_id}")
    db.session.refresh(case)
    return case


def bulk(action: str, case_ids: list[int], user: Any = None, **params: Any) -> dict[str, Any]:
    """Run one action on many cases, each re-checked on its own (organisation, module,
    status) and each its own unit of work; answers what was done and what was skipped."""
    from ...roles import current_user
    from . import reassessments

    user = user if user is not None else current_user()
    if action == "hold":
        reason_of(params.get("reden"), "reden", "het in afwachting zetten")
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
        except ValidationError as exc:
            skipped.append({"id": case_id, "reden": str(exc)})
        except Refused as exc:  # a status, a role or a module refused this one case
            skipped.append({"id": case_id, "reden": exc.message})
    return {"gedaan": done, "overgeslagen": skipped}
