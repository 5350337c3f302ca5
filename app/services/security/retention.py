"""Retention: a closed case's personal data goes after the organisation's period (AVG art. 5e).

A dry run (`propose`) lists the cases decided or aborted before the cut-off, by municipality
and year, without removing anything. A Beheerder confirms that report (`confirm`): exactly
its cases that are still due are removed — residents no other case needs, deliveries,
documents (also on disk), messages, memos, notices, timeline — and each leaves one anonymous
`CaseStatistic`. Both steps are idempotent and audited; the nightly job only proposes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update

from ...extensions import db
from ...formatting import AMSTERDAM, date_in_nl, today_nl
from ...models import (
    Case,
    CaseEvent,
    CaseStatistic,
    CaseStatus,
    Delivery,
    DeliveryAsset,
    DeliveryDebt,
    DeliveryIncome,
    DeliveryPerson,
    Document,
    InformationRequest,
    Invitation,
    Memo,
    Message,
    Municipality,
    Notice,
    Organisation,
    Resident,
    RetentionRun,
    ShortLink,
    Signal,
    ZgwEvent,
)
from ...models.case import case_child
from ...roles import current_user
from .. import files, tenancy
from ..errors import Conflict, Forbidden, ValidationError
from ..legitimacy.advice import add_months
from ..unit import transactional, unit_of_work
from . import audit

PROPOSED, DONE, SUPERSEDED = "voorstel", "uitgevoerd", "vervangen"


def cutoff_of(organisation: Organisation, today: dt.date) -> dt.date:
    """The last closing date that is past the organisation's retention period."""
    return add_months(today, -12 * organisation.retention_years)


def _closed_before(moment: dt.datetime) -> Any:
    return or_(
        and_(Case.status == CaseStatus.DECIDED, Case.decided_on < moment),
        # An aborted case changes no more (restoring it reopens it), so its last change
        # is the abort.
        and_(Case.status == CaseStatus.ABORTED, Case.changed_on < moment),
    )


def due_case_ids(
    organisation_id: int, cutoff: dt.date, among: list[int] | None = None
) -> list[int]:
    """The organisation's cases decided or aborted on or before `cutoff` (Dutch dates)."""
    moment = dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(), tzinfo=AMSTERDAM)
    stmt = (
        select(Case.id)
        .join(Municipality, Case.municipality_id == Municipality.id)
        .where(Municipality.organisation_id == organisation_id, _closed_before(moment))
        .order_by(Case.id)
    )
    if among is not None:
        stmt = stmt.where(Case.id.in_(among))
    return list(db.session.scalars(stmt))


def _summary(case_ids: list[int]) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Municipality.name, Case.status, Case.decided_on, Case.changed_on)
        .join(Case, Case.municipality_id == Municipality.id)
        .where(Case.id.in_(case_ids))
    )
    counts: Counter[tuple[str, int]] = Counter()
    for name, status, decided_on, changed_on in rows:
        closed = decided_on if status == CaseStatus.DECIDED else changed_on
        counts[(name, closed.astimezone(AMSTERDAM).year)] += 1
    return [
        {"gemeente": name, "jaar": year, "zaken": n} for (name, year), n in sorted(counts.items())
    ]


@transactional
def propose(organisation_id: int, today: dt.date | None = None, user: Any = None) -> RetentionRun:
    """Make the dry-run report of the cases past the period; nothing is removed.

    An open report with exactly the same cases is kept (running twice changes nothing);
    a different one replaces it.
    """
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise tenancy.NotFound()
    cutoff = cutoff_of(organisation, today or today_nl())
    ids = due_case_ids(organisation.id, cutoff)
    open_run = db.session.scalar(
        select(RetentionRun).where(
            RetentionRun.organisation_id == organisation.id, RetentionRun.status == PROPOSED
        )
    )
    if open_run is not None and open_run.case_ids == ids:
        return open_run
    if open_run is not None:
        open_run.status = SUPERSEDED
    run = RetentionRun(
        organisation_id=organisation.id, cutoff=cutoff, case_ids=ids, summary=_summary(ids)
    )
    db.session.add(run)
    db.session.flush()
    audit.retention_proposed(run.id, len(ids), cutoff, user)
    return run


def propose_for_user(user: Any = None) -> RetentionRun:
    """A Beheerder asks for a fresh report of their organisation."""
    user = user if user is not None else current_user()
    if user is None or not user.organisation_id:
        raise Forbidden("Alleen een beheerder van een organisatie maakt dit rapport.")
    return propose(user.organisation_id, user=user)


def propose_all(today: dt.date | None = None) -> int:
    """The nightly job: a report for every organisation (kept when nothing changed)."""
    ids = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
    return sum(len(propose(org_id, today).case_ids) for org_id in ids)


RETENTION_BOUNDS = (2, 20)


@transactional
def set_period(years: Any, user: Any = None) -> Organisation:
    """Change the own organisation's retention period (whole years)."""
    user = user if user is not None else current_user()
    if user is None or not user.organisation_id:
        raise Forbidden("Alleen een beheerder van een organisatie stelt de bewaartermijn in.")
    low, high = RETENTION_BOUNDS
    try:
        value = int(str(years).strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValidationError(
            [
                {
                    "veld": "bewaartermijn",
                    "melding": f"Kies een bewaartermijn van {low} tot en met {high} jaar.",
                }
            ]
        )
    organisation = db.session.get(Organisation, user.organisation_id)
    organisation.retention_years = value
    audit.object_changed("organisation", organisation.id, "retention")
    return organisation


def latest(organisation_id: int) -> RetentionRun | None:
    """The organisation's most recent report."""
    return db.session.scalar(
        select(RetentionRun)
        .where(RetentionRun.organisation_id == organisation_id)
        .order_by(RetentionRun.id.desc())
        .limit(1)
    )


def confirm(run_id: int, user: Any = None) -> int:
    """Remove the report's cases that are still due; return how many were removed."""
    with unit_of_work(user) as work:
        run = db.session.get(RetentionRun, run_id)
        if run is None or work.user is None or run.organisation_id != work.user.organisation_id:
            raise tenancy.NotFound()
        if run.status != PROPOSED:
            raise Conflict("Dit rapport is al uitgevoerd of vervangen door een nieuwer rapport.")
        # A case restored or changed since the report is no longer due and stays.
        ids = due_case_ids(run.organisation_id, run.cutoff, among=run.case_ids)
        _remove(ids)
        run.status, run.removed = DONE, len(ids)
        run.confirmed_by_id, run.confirmed_on = work.user.id, work.now
        audit.retention_removed(run.id, len(ids))
    return len(ids)


def _remove(ids: list[int]) -> None:
    """Delete the cases and everything personal hanging from them, their documents too."""
    if not ids:
        return
    cases = db.session.scalars(select(Case).where(Case.id.in_(ids))).all()
    db.session.add_all(
        CaseStatistic(
            municipality_id=c.municipality_id,
            kind=c.kind,
            status=c.status,
            advice=c.advice,
            decision=c.decision,
            year_created=c.created_on.astimezone(AMSTERDAM).year,
            closed_on=date_in_nl(c.decided_on or c.changed_on),
            adults=1 + (c.partner_id is not None),
            children=c.children_count,
        )
        for c in cases
    )
    residents = {c.applicant_id for c in cases} | {c.partner_id for c in cases if c.partner_id}
    residents |= set(
        db.session.scalars(select(case_child.c.resident_id).where(case_child.c.case_id.in_(ids)))
    )
    files.remove_listed(select(Document.stored_name).where(Document.case_id.in_(ids)))
    deliveries = select(Delivery.id).where(Delivery.case_id.in_(ids))
    people = select(DeliveryPerson.id).where(DeliveryPerson.delivery_id.in_(deliveries))
    # Children first: SQLite does not enforce the ON DELETE CASCADE of the schema.
    for model in (DeliveryIncome, DeliveryAsset, DeliveryDebt):
        db.session.execute(_quiet(delete(model).where(model.person_id.in_(people))))
    db.session.execute(
        _quiet(delete(DeliveryPerson).where(DeliveryPerson.delivery_id.in_(deliveries)))
    )
    db.session.execute(_quiet(delete(Delivery).where(Delivery.case_id.in_(ids))))
    for model in (Document, InformationRequest, Invitation, Notice, Memo, CaseEvent, Message,
                  ShortLink, Signal, ZgwEvent):  # fmt: skip
        db.session.execute(_quiet(delete(model).where(model.case_id.in_(ids))))
    db.session.execute(delete(case_child).where(case_child.c.case_id.in_(ids)))
    db.session.execute(
        _quiet(update(Case).where(Case.linked_case_id.in_(ids)).values(linked_case_id=None))
    )
    db.session.execute(_quiet(delete(Case).where(Case.id.in_(ids))))
    # A resident stays while another case or delivery still needs them.
    still_needed = or_(
        exists().where(or_(Case.applicant_id == Resident.id, Case.partner_id == Resident.id)),
        exists().where(case_child.c.resident_id == Resident.id),
        exists().where(DeliveryPerson.resident_id == Resident.id),
    )
    db.session.execute(_quiet(delete(Resident).where(Resident.id.in_(residents), ~still_needed)))
    db.session.expire_all()


def _quiet(statement: Any) -> Any:
    # Bulk statements: the session forgets the removed rows (expire_all) instead of
    # matching each one.
    return statement.execution_options(synchronize_session=False)
