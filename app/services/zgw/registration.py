"""Delivering the stored events to the zaaksysteem: per case in order, retried, idempotent.

The `zgw` job calls `deliver_pending`. Each case's events go in the order they were
stored; a failure stops that case (its later events wait) and is retried with back-off.
Every call that creates something records what it made on the event (or the case)
before the next call, so a retry continues where it stopped and the zaak is found again
by its identificatie: nothing is created twice.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from sqlalchemy import func, select

from ...extensions import db
from ...formatting import date_in_nl
from ...models import (
    Case,
    Decision,
    Document,
    Message,
    Notice,
    NoticeKind,
    TemplateEvent,
    ZgwEvent,
)
from .. import tenancy
from ..security import audit
from ..unit import unit_of_work
from . import events
from .client import PRODUCT, Credentials, ZgwClient, ZgwError

GIVE_UP_NOTICE_AFTER = dt.timedelta(days=1)
MAX_BACKOFF = dt.timedelta(hours=1)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, ... minutes, at most an hour."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def registrable_from(decided: dt.datetime) -> dt.datetime:
    """When the zaaksysteem takes the besluit of a decision: the start, in UTC, of its Dutch date.

    A besluit's `datum` is the Dutch date of the decision, the date on the beschikking. Open
    Zaak refuses a `datum` after its own today, which is UTC's ("mag niet in de toekomst
    liggen"), so a decision in the hour after midnight (two in summer) waits for UTC's
    midnight rather than failing and showing an error until then.
    """
    day = date_in_nl(decided)
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def deliver_pending(now: dt.datetime | None = None) -> dict[str, int]:
    """The `zgw` job: deliver every case's due events in order; safe to run twice."""
    with unit_of_work(now=now, system=True) as work:
        due = db.session.execute(
            select(ZgwEvent.case_id, func.min(ZgwEvent.id))
            .where(ZgwEvent.delivered_on.is_(None), ZgwEvent.next_attempt_on <= work.now)
            .group_by(ZgwEvent.case_id)
            .order_by(func.min(ZgwEvent.id))
        ).all()
    counts = {"delivered": 0, "failed": 0}
    for case_id, _first in due:
        delivered, failed = deliver_case(case_id, work.now)
        counts["delivered"] += delivered
        counts["failed"] += failed
    return counts


def deliver_case(case_id: int, now: dt.datetime) -> tuple[int, int]:
    """Deliver one case's pending events in order; stop at the first failure."""
    with unit_of_work(now=now, system=True):
        pending = db.session.scalars(
            select(ZgwEvent.id)
            .where(ZgwEvent.case_id == case_id, ZgwEvent.delivered_on.is_(None))
            .order_by(ZgwEvent.id)
        ).all()
    delivered = 0
    for event_id in pending:
        event = db.session.get(ZgwEvent, event_id)
        if event.next_attempt_on and event.next_attempt_on > now:
            return delivered, 0  # an earlier failure waits: later events wait behind it
        if event.kind == events.DECIDED and not (event.data or {}).get("besluit"):
            ready = registrable_from(event.case.decided_on or event.created_on)
            if ready > now:
                _wait(event_id, ready, now)
                return delivered, 0
        try:
            _deliver(event)
        except ZgwError as exc:
            _failed(event_id, exc.message, now)
            return delivered, 1
        with unit_of_work(now=now, system=True):
            event = db.session.get(ZgwEvent, event_id)
            event.delivered_on, event.last_error = now, None
            audit.zgw_delivered(event.case_id, event.kind, event.case.zgw_zaak_url)
        delivered += 1
    return delivered, 0


def _wait(event_id: int, until: dt.datetime, now: dt.datetime) -> None:
    """Put an event off until `until`: not a failure, so no attempt and no error."""
    db.session.rollback()
    with unit_of_work(now=now, system=True):
        db.session.get(ZgwEvent, event_id).next_attempt_on = until


def _failed(event_id: int, reason: str, now: dt.datetime) -> None:
    db.session.rollback()
    with unit_of_work(now=now, system=True):
        event = db.session.get(ZgwEvent, event_id)
        event.attempts += 1
        event.last_error = reason[:500]
        event.next_attempt_on = now + backoff(event.attempts)
        late = now - event.created_on >= GIVE_UP_NOTICE_AFTER
        if late and not db.session.scalar(
            select(Notice.id).where(
                Notice.case_id == event.case_id,
                Notice.resolved_on.is_(None),
                Notice.message.like("Registratie in het zaaksysteem mislukt%"),
            )
        ):
            message = f"Registratie in het zaaksysteem mislukt: {reason}"
            notice = Notice(case_id=event.case_id, kind=NoticeKind.OTHER, message=message)
            notice.created_on = now
            db.session.add(notice)


def retry(case_id: int, user: Any = None, now: dt.datetime | None = None) -> int:
    """A Beheerder's "Opnieuw proberen": the case's waiting events are due now."""
    with unit_of_work(user, now) as work:
        case = tenancy.get_case(case_id, work.user)
        waiting = db.session.scalars(
            select(ZgwEvent).where(ZgwEvent.case_id == case.id, ZgwEvent.delivered_on.is_(None))
        ).all()
        for event in waiting:
            event.next_attempt_on = work.now
        audit.object_changed("case", case.id, "zgw_retry")
    return len(waiting)


def state_of(case: Case) -> tuple[str, str | None]:
    """("Geregistreerd" | "Wacht op registratie" | "Registratie mislukt", reason) for the page."""
    waiting = db.session.scalars(
        select(ZgwEvent)
        .where(ZgwEvent.case_id == case.id, ZgwEvent.delivered_on.is_(None))
        .order_by(ZgwEvent.id)
        .limit(1)
    ).first()
    if waiting is None:
        return ("Geregistreerd", None) if case.zgw_zaak_url else ("", None)
    if waiting.last_error:
        return "Registratie mislukt", waiting.last_error
    return "Wacht op registratie", None


# --- the calls -----------------------------------------------------------------------------


class _Zaaksysteem:
    """The municipality's settings and a client, for one delivery."""

    def __init__(self, case: Case) -> None:
        m = case.municipality
        self.m = m
        self.client = ZgwClient(Credentials(m.zgw_client_id or "", m.zgw_secret or ""))
        self.zaken = (m.zgw_zaken_url or "").rstrip("/") + "/"
        self.documenten = (m.zgw_documenten_url or "").rstrip("/") + "/"
        self.besluiten = (m.zgw_besluiten_url or "").rstrip("/") + "/"

    def statustype(self, status: str) -> str | None:
        return (self.m.zgw_status_mapping or {}).get(status)


def _moment(value: dt.datetime) -> str:
    # Microseconds: a zaak takes one status per moment, and a change can follow its
    # creation within the same second.
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _date(value: dt.datetime) -> str:
    return date_in_nl(value).isoformat()


def _deliver(event: ZgwEvent) -> None:
    case = event.case
    zs = _Zaaksysteem(case)
    if not case.municipality.zgw_enabled:
        raise ZgwError("De registratie staat voor deze gemeente uit.")
    if event.kind != events.CREATED and not case.zgw_zaak_url:
        _ensure_zaak(case, zs, event)
    if event.kind == events.CREATED:
        _ensure_zaak(case, zs, event)
    elif event.kind == events.STATUS:
        _status(case, zs, zs.statustype(event.data.get("status", "")), event)
    elif event.kind == events.CURRENT:
        _status(case, zs, zs.statustype(case.status.name), event)
    elif event.kind == events.DOCUMENT:
        _document(case, zs, event)
    elif event.kind == events.DECIDED:
        _decided(case, zs, event)
    elif event.kind == events.ABORTED:
        _close(case, zs, "ABORTED", event)


def _keep(event: ZgwEvent, **made: str) -> None:
    """Record what a call made, at once (its own unit), before the next call."""
    with unit_of_work(system=True):
        fresh = db.session.get(ZgwEvent, event.id)
        fresh.data = {**(fresh.data or {}), **made}
        event.data = fresh.data


def _ensure_zaak(case: Case, zs: _Zaaksysteem, event: ZgwEvent) -> None:
    """Find the zaak by its identificatie, or create it with the applicant's rol."""
    if case.zgw_zaak_url:
        return
    identificatie = case.number[:40]
    found = zs.client.get(zs.zaken + "zaken", params={
        "identificatie": identificatie, "bronorganisatie": zs.m.zgw_rsin})  # fmt: skip
    results = found.get("results", []) if isinstance(found, dict) else []
    if results:
        zaak = results[0]
    else:
        zaak = zs.client.post(zs.zaken + "zaken", {
            "zaaktype": zs.m.zgw_zaaktype,
            "bronorganisatie": zs.m.zgw_rsin,
            "verantwoordelijkeOrganisatie": zs.m.zgw_rsin,
            "identificatie": identificatie,
            "startdatum": _date(case.created_on),
            "omschrijving": f"{case.kind.label} collectieve zorgverzekering {case.number}"[:80],
            "kenmerken": [{"kenmerk": case.number, "bron": PRODUCT}],
        })  # fmt: skip
    with unit_of_work(system=True):
        fresh = db.session.get(Case, case.id)
        fresh.zgw_zaak_url, fresh.zgw_zaak_identificatie = zaak["url"], zaak.get("identificatie")
    db.session.refresh(case)
    _rollen(case, zs, event)
    # The first status just before the change that created the event (an invitation
    # made in the same moment follows it).
    _status(case, zs, zs.statustype("NEW"), event, event.created_on - dt.timedelta(milliseconds=1))


def _rollen(case: Case, zs: _Zaaksysteem, event: ZgwEvent) -> None:
    roltype = _initiator(zs)
    for key, person, note in (("rol_applicant", case.applicant, "Aanvrager"),
                              ("rol_partner", case.partner, "Partner")):  # fmt: skip
        if person is None or (event.data or {}).get(key):
            continue
        rol = zs.client.post(zs.zaken + "rollen", {
            "zaak": case.zgw_zaak_url, "betrokkeneType": "natuurlijk_persoon",
            "roltype": roltype, "roltoelichting": note,
            "betrokkeneIdentificatie": {
                "inpBsn": person.bsn, "geslachtsnaam": (person.surname or "")[:200],
                "voorvoegselGeslachtsnaam": (person.prefix or "")[:10],
                "voorletters": (person.initials or "")[:20],
            },
        })  # fmt: skip
        _keep(event, **{key: rol["url"]})


def _initiator(zs: _Zaaksysteem) -> str:
    catalogi = (zs.m.zgw_catalogi_url or "").rstrip("/") + "/"
    found = zs.client.get(catalogi + "roltypen", params={"zaaktype": zs.m.zgw_zaaktype})
    for roltype in found.get("results", []) if isinstance(found, dict) else []:
        if roltype.get("omschrijvingGeneriek") == "initiator":
            return roltype["url"]
    raise ZgwError("Het zaaktype heeft geen roltype 'initiator' voor de aanvrager.")


def _status(case: Case, zs: _Zaaksysteem, statustype: str | None, event: ZgwEvent,
            moment: dt.datetime | None = None) -> None:  # fmt: skip
    """A status of the mapped statustype (nothing when the zaak already has that one)."""
    if not statustype or statustype == case.zgw_statustype:
        return
    zs.client.post(zs.zaken + "statussen", {
        "zaak": case.zgw_zaak_url, "statustype": statustype,
        "datumStatusGezet": _moment(moment or event.created_on),
    })  # fmt: skip
    with unit_of_work(system=True):
        db.session.get(Case, case.id).zgw_statustype = statustype
    db.session.refresh(case)


def _document(case: Case, zs: _Zaaksysteem, event: ZgwEvent) -> None:
    """A document of the resident or the caseworker: an informatieobject on the zaak."""
    from ..cases import uploads

    document = db.session.get(Document, (event.data or {}).get("document"))
    if document is None:
        return  # removed meanwhile (retention): nothing left to register
    if not (event.data or {}).get("informatieobject"):
        try:
            content = uploads.read(document.stored_name)
        except FileNotFoundError:
            return
        made = zs.client.post(zs.documenten + "enkelvoudiginformatieobjecten", {
            "bronorganisatie": zs.m.zgw_rsin, "creatiedatum": _date(document.created_on),
            "titel": document.original_name[:200], "auteur": "inwoner"
            if document.uploaded_by_resident else (zs.m.sender_name or PRODUCT),
            "taal": "nld", "formaat": document.content_type,
            "bestandsnaam": document.original_name[:255],
            "inhoud": base64.b64encode(content).decode(),
            "informatieobjecttype": zs.m.zgw_informatieobjecttype_inkomend
            or zs.m.zgw_informatieobjecttype,
            "vertrouwelijkheidaanduiding": "zaakvertrouwelijk", "indicatieGebruiksrecht": False,
        })  # fmt: skip
        _keep(event, informatieobject=made["url"])
    if not (event.data or {}).get("zaakinformatieobject"):
        body = {"zaak": case.zgw_zaak_url, "informatieobject": event.data["informatieobject"]}
        link = zs.client.post(zs.zaken + "zaakinformatieobjecten", body)
        _keep(event, zaakinformatieobject=link["url"])


def _beschikking(case: Case) -> Message | None:
    return db.session.scalars(
        select(Message)
        .where(
            Message.case_id == case.id,
            Message.event.in_([TemplateEvent.DECISION_GRANTED, TemplateEvent.DECISION_REJECTED]),
        )
        .order_by(Message.id.desc())
        .limit(1)
    ).first()


def _decided(case: Case, zs: _Zaaksysteem, event: ZgwEvent) -> None:
    """The besluit with the beschikking, the resultaat and the final status: closed."""
    from ..cases.decisions import period

    decided = case.decided_on or event.created_on
    data = event.data or {}
    if not data.get("besluit"):
        day = date_in_nl(decided)
        start, end = period(case, day)
        besluit = zs.client.post(zs.besluiten + "besluiten", {
            "verantwoordelijkeOrganisatie": zs.m.zgw_rsin, "besluittype": zs.m.zgw_besluittype,
            "zaak": case.zgw_zaak_url, "datum": _date(decided),
            "ingangsdatum": start.isoformat(), "vervaldatum": end.isoformat(),
            "uiterlijkeReactiedatum": (day + dt.timedelta(weeks=6)).isoformat(),
            "toelichting": case.decision.label if case.decision else "",
        })  # fmt: skip
        _keep(event, besluit=besluit["url"])
    message = _beschikking(case)
    if message is not None and message.pdf and not data.get("document"):
        document = zs.client.post(zs.documenten + "enkelvoudiginformatieobjecten", {
            "bronorganisatie": zs.m.zgw_rsin, "creatiedatum": _date(decided),
            "titel": f"Beschikking {case.number}", "auteur": zs.m.sender_name or PRODUCT,
            "taal": "nld", "formaat": "application/pdf",
            "bestandsnaam": f"beschikking-{case.number}.pdf",
            "inhoud": base64.b64encode(message.pdf).decode(),
            "informatieobjecttype": zs.m.zgw_informatieobjecttype,
            "vertrouwelijkheidaanduiding": "zaakvertrouwelijk", "indicatieGebruiksrecht": False,
        })  # fmt: skip
        _keep(event, document=document["url"])
    data = event.data or {}
    if data.get("document") and not data.get("zaakdocument"):
        body = {"zaak": case.zgw_zaak_url, "informatieobject": data["document"],
                "titel": "Beschikking"}  # fmt: skip
        link = zs.client.post(zs.zaken + "zaakinformatieobjecten", body)
        _keep(event, zaakdocument=link["url"])
        data = event.data or {}
    if data.get("document") and not data.get("besluitdocument"):
        body = {"besluit": data["besluit"], "informatieobject": data["document"]}
        link = zs.client.post(zs.besluiten + "besluitinformatieobjecten", body)
        _keep(event, besluitdocument=link["url"])
    outcome = "GRANTED" if case.decision != Decision.REJECTED else "REJECTED"
    _close(case, zs, outcome, event)


def _close(case: Case, zs: _Zaaksysteem, outcome: str, event: ZgwEvent) -> None:
    """The resultaat of the outcome, then the final status (the zaak closes)."""
    if not (event.data or {}).get("resultaat"):
        resultaattype = (zs.m.zgw_result_mapping or {}).get(outcome)
        if not resultaattype:
            raise ZgwError(f"Geen resultaattype gekoppeld voor {outcome}.")
        body = {"zaak": case.zgw_zaak_url, "resultaattype": resultaattype}
        result = zs.client.post(zs.zaken + "resultaten", body)
        _keep(event, resultaat=result["url"])
    _status(case, zs, zs.statustype("DECIDED" if outcome != "ABORTED" else "ABORTED"), event)
