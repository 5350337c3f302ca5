"""Receiving Ockto deliveries (contracts/ockto-delivery.md) and the partner rules (seed 002)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from ...extensions import db
from ...models import (
    OPEN_STATUSES,
    Case,
    Channel,
    Delivery,
    DeliveryAsset,
    DeliveryDebt,
    DeliveryIncome,
    DeliveryPerson,
    DeliveryRole,
    Invitation,
    Notice,
    NoticeKind,
    Resident,
    SignalKind,
    TemplateEvent,
)
from ..cases import records, workflow
from ..errors import Conflict
from ..inbound import webhook
from ..inbound.signing import RequestRefused
from ..inbound.validation import Checker
from ..legitimacy import assessment
from ..messaging import outbox, signals
from ..unit import Work, unit_of_work
from . import invitations, wire

ENDPOINT = "ockto"
ACTOR = "Ockto"
# A complete delivery moves these to DATA_RECEIVED (DESIGN.md 4.2).
UNKNOWN_INVITATION = "Onbekende of verlopen uitnodiging."


def find_invitation(token: str, now: dt.datetime) -> Invitation | None:
    """The unexpired invitation with this token whose case is still open, else None."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == token))
    if invitation is None or invitation.expires_on <= now:
        return None
    if invitation.case.status not in OPEN_STATUSES:
        return None
    return invitation


def _person(check: Checker, data: dict, path: str) -> dict[str, Any]:
    person: dict[str, Any] = {
        "role": check.choice(data, "rol", f"{path}.rol", wire.ROLES),
        "bsn": check.bsn(data, "bsn", f"{path}.bsn"),
    }
    brp = check.object(data, "brp", f"{path}.brp", required=True) or {}
    bp = f"{path}.brp"
    person.update(
        first_names=check.text(brp, "voornamen", f"{bp}.voornamen"),
        prefix=check.text(brp, "tussenvoegsel", f"{bp}.tussenvoegsel", size=40),
        surname=check.text(brp, "achternaam", f"{bp}.achternaam", required=True),
        birth_date=check.date(brp, "geboortedatum", f"{bp}.geboortedatum", required=True),
        marital_status=check.text(brp, "burgerlijke_staat", f"{bp}.burgerlijke_staat", size=40),
        partner_bsn=check.bsn(brp, "partner_bsn", f"{bp}.partner_bsn", required=False),
        partner_source=None,
        children=[],
        address=None,
    )
    if brp.get("partner_bron") is not None:
        person["partner_source"] = check.choice(
            brp, "partner_bron", f"{bp}.partner_bron", wire.PARTNER_SOURCES
        )
    elif person["partner_bsn"]:
        check.fail(f"{bp}.partner_bron", "Dit veld is verplicht als er een partner is gevonden.")
    for i, child in enumerate(check.array(brp, "kinderen", f"{bp}.kinderen") or []):
        cp = f"{bp}.kinderen[{i}]"
        if not isinstance(child, dict):
            check.fail(cp, "Moet een object zijn.")
            continue
        born = check.date(child, "geboortedatum", f"{cp}.geboortedatum", required=True)
        person["children"].append(
            {
                "bsn": check.bsn(child, "bsn", f"{cp}.bsn"),
                "geboortedatum": born.isoformat() if born else None,
            }
        )
    address = check.object(brp, "adres", f"{bp}.adres")
    if address is not None:
        ap = f"{bp}.adres"
        person["address"] = {
            key: check.text(address, key, f"{ap}.{key}", required=key != "huisnummer_toevoeging")
            for key in ("straat", "huisnummer", "huisnummer_toevoeging", "postcode", "woonplaats")
        }
    person["incomes"] = []
    for i, item in enumerate(check.array(data, "inkomsten", f"{path}.inkomsten", True) or []):
        ip = f"{path}.inkomsten[{i}]"
        if not isinstance(item, dict):
            check.fail(ip, "Moet een object zijn.")
            continue
        income = {
            "source": check.text(item, "bron", f"{ip}.bron", required=True, size=60),
            "kind": check.choice(item, "soort", f"{ip}.soort", wire.INCOME_KINDS),
            "description": check.text(item, "omschrijving", f"{ip}.omschrijving"),
            "amount": check.amount(item, "bedrag", f"{ip}.bedrag"),
            "gross_net": check.choice(item, "bruto_netto", f"{ip}.bruto_netto", wire.GROSS_NET),
            "period": check.choice(item, "periode", f"{ip}.periode", wire.PERIODS),
            "includes_holiday_allowance": check.boolean(
                item, "inclusief_vakantiegeld", f"{ip}.inclusief_vakantiegeld"
            ),
            "start": check.date(item, "van", f"{ip}.van", required=True),
            "end": check.date(item, "tot", f"{ip}.tot"),
        }
        if income["start"] and income["end"] and income["end"] < income["start"]:
            check.fail(f"{ip}.tot", "De einddatum ligt voor de begindatum.")
        person["incomes"].append(income)
    person["assets"] = []
    for i, item in enumerate(check.array(data, "vermogen", f"{path}.vermogen", True) or []):
        vp = f"{path}.vermogen[{i}]"
        if not isinstance(item, dict):
            check.fail(vp, "Moet een object zijn.")
            continue
        person["assets"].append(
            {
                "kind": check.choice(item, "soort", f"{vp}.soort", wire.ASSET_KINDS),
                "description": check.text(item, "omschrijving", f"{vp}.omschrijving"),
                # An overdrawn current account has a negative balance.
                "value": check.amount(item, "waarde", f"{vp}.waarde", allow_negative=True),
                "reference_date": check.date(item, "peildatum", f"{vp}.peildatum", required=True),
            }
        )
    person["debts"] = []
    for i, item in enumerate(check.array(data, "schulden", f"{path}.schulden", True) or []):
        sp = f"{path}.schulden[{i}]"
        if not isinstance(item, dict):
            check.fail(sp, "Moet een object zijn.")
            continue
        person["debts"].append(
            {
                "kind": check.choice(item, "soort", f"{sp}.soort", wire.DEBT_KINDS),
                "description": check.text(item, "omschrijving", f"{sp}.omschrijving"),
                "amount": check.amount(item, "bedrag", f"{sp}.bedrag"),
                "reference_date": check.date(item, "peildatum", f"{sp}.peildatum", required=True),
            }
        )
    return person


def validate(payload: Any, now: dt.datetime) -> tuple[dict[str, Any], list[dict[str, str | None]]]:
    """Every problem of a delivery, each with its dotted field path (personen[0].bsn)."""
    check = Checker()
    if not isinstance(payload, dict):
        check.fail(None, "De body moet een JSON-object zijn.")
        return {}, check.errors
    clean: dict[str, Any] = {
        "delivery_key": check.text(payload, "levering_id", "levering_id", True, 64),
        "completed_on": check.moment(payload, "afgerond_op", "afgerond_op"),
        "invitation": None,
        "persons": [],
    }
    token = check.text(payload, "uitnodiging", "uitnodiging", required=True, size=100)
    if token is not None:
        clean["invitation"] = find_invitation(token, now)
        if clean["invitation"] is None:
            check.fail("uitnodiging", UNKNOWN_INVITATION)
    persons = check.array(payload, "personen", "personen", required=True)
    if persons is not None and not persons:
        check.fail("personen", "Er moet ten minste één persoon (de aanvrager) in staan.")
    for i, data in enumerate(persons or []):
        if not isinstance(data, dict):
            check.fail(f"personen[{i}]", "Moet een object zijn.")
            continue
        clean["persons"].append(_person(check, data, f"personen[{i}]"))
    roles = [p["role"] for p in clean["persons"]]
    if persons and roles.count(DeliveryRole.APPLICANT) != 1 and not check.errors:
        check.fail("personen", "Er moet precies één persoon met rol 'aanvrager' in staan.")
    if roles.count(DeliveryRole.PARTNER) > 1:
        check.fail("personen", "Er mag hoogstens één persoon met rol 'partner' in staan.")
    numbers = [p["bsn"] for p in clean["persons"] if p["bsn"]]
    if len(numbers) != len(set(numbers)):
        check.fail("personen", "Hetzelfde BSN staat meer dan eens in de levering.")
    applicant = _with_role(clean["persons"], DeliveryRole.APPLICANT)
    partner = _with_role(clean["persons"], DeliveryRole.PARTNER)
    partner_differs = (
        applicant and partner and applicant["partner_bsn"] and partner["bsn"]
        and applicant["partner_bsn"] != partner["bsn"]
    )  # fmt: skip
    if partner_differs:
        check.fail(
            f"personen[{clean['persons'].index(partner)}].bsn",
            "Het BSN van de partner verschilt van brp.partner_bsn van de aanvrager.",
        )
    invitation = clean["invitation"]
    if (
        invitation is not None
        and applicant
        and applicant["bsn"]
        and applicant["bsn"] != invitation.case.applicant.bsn
    ):
        check.fail(
            f"personen[{clean['persons'].index(applicant)}].bsn",
            "De aanvrager in de levering is niet de aanvrager van deze uitnodiging.",
        )
    return clean, check.errors


def _with_role(persons: list[dict[str, Any]], role: DeliveryRole) -> dict[str, Any] | None:
    return next((p for p in persons if p["role"] == role), None)


def _store_person(delivery: Delivery, data: dict[str, Any], resident: Resident | None) -> None:
    person = DeliveryPerson(
        delivery=delivery,
        role=data["role"],
        bsn=data["bsn"],
        resident=resident,
        first_names=data["first_names"],
        prefix=data["prefix"],
        surname=data["surname"],
        birth_date=data["birth_date"],
        marital_status=data["marital_status"],
        partner_bsn=data["partner_bsn"],
        partner_source=data["partner_source"],
        children=data["children"],
        address=data["address"],
    )
    person.incomes = [DeliveryIncome(**item) for item in data["incomes"]]
    person.assets = [DeliveryAsset(**item) for item in data["assets"]]
    person.debts = [DeliveryDebt(**item) for item in data["debts"]]
    db.session.add(person)


def _resident_by_bsn(case: Case, bsn: str) -> Resident:
    """The municipality's resident with this BSN; a new one (BSN only) when there is none."""
    resident = db.session.scalar(
        select(Resident).where(
            Resident.municipality_id == case.municipality_id, Resident.bsn == bsn
        )
    )
    if resident is None:
        resident = Resident(municipality_id=case.municipality_id, bsn=bsn, surname="")
        db.session.add(resident)
    return resident


def _partner_resident(case: Case, data: dict[str, Any]) -> Resident:
    """The municipality's resident with the partner's BSN, its names updated from the BRP."""
    resident = _resident_by_bsn(case, data["bsn"])
    resident.first_names = data["first_names"] or resident.first_names
    if data["first_names"] and not resident.initials:
        resident.initials = "".join(f"{name[0]}." for name in data["first_names"].split())
    resident.prefix = data["prefix"]
    resident.surname = data["surname"]
    resident.birth_date = data["birth_date"]
    return resident


def _link_partner_case(case: Case, partner: Resident, now: dt.datetime) -> None:
    """Link a separate open case of the partner in the same municipality, both ways."""
    other = db.session.scalar(
        select(Case)
        .where(
            Case.municipality_id == case.municipality_id,
            Case.applicant_id == partner.id,
            Case.id != case.id,
            Case.status.in_(OPEN_STATUSES),
        )
        .order_by(Case.id.desc())
        .limit(1)
    )
    if other is None or case.linked_case_id == other.id:
        return
    case.linked_case = other
    other.linked_case = case
    records.add_event(case, "link", f"Gekoppeld aan de zaak van de partner ({other.number})",
                    actor=ACTOR, now=now)  # fmt: skip
    records.add_event(other, "link", f"Gekoppeld aan de zaak van de partner ({case.number})",
                    actor=ACTOR, now=now)  # fmt: skip


def _notice(case: Case, kind: NoticeKind, message: str, now: dt.datetime) -> None:
    db.session.add(Notice(case=case, kind=kind, message=message, created_on=now))


def _apply_partner_rules(
    case: Case, delivery: Delivery, persons: list[dict[str, Any]], now: dt.datetime
) -> None:
    """Seed 002: add the partner found, link its case, flag a different or missing partner."""
    applicant = _with_role(persons, DeliveryRole.APPLICANT)
    partner = _with_role(persons, DeliveryRole.PARTNER)
    found = partner["bsn"] if partner else applicant["partner_bsn"]
    given = case.partner.bsn if case.partner else None
    delivery.found_partner_bsn = found
    delivery.partner_source = applicant["partner_source"]
    delivery.given_partner_bsn = given
    delivery.complete = not (applicant["partner_bsn"] and partner is None)
    _store_person(delivery, applicant, case.applicant)
    if found and given and found != given:
        delivery.partner_mismatch = True
        _notice(
            case,
            NoticeKind.PARTNER_MISMATCH,
            f"De partner in de Ockto-gegevens (BSN {found}) is niet de opgegeven partner "
            f"(BSN {given}). Controleer de gezinssamenstelling.",
            now,
        )
        records.add_event(case, "partner_mismatch", "Melding: partner wijkt af van de opgegeven "
                        "partner", actor=ACTOR, now=now)  # fmt: skip
    if partner is not None:
        resident = _partner_resident(case, partner)
        _store_person(delivery, partner, resident)
    elif found:
        # Seed 002: a partner found in the sources joins the case at once, also when the
        # partner did not deliver: by BSN, with the name once the partner delivers.
        resident = _resident_by_bsn(case, found)
    if found:
        if case.partner is not resident:
            case.partner = resident
            source = applicant["partner_source"]
            where = f" ({source.label})" if source else ""
            records.add_event(case, "partner", f"Partner uit de Ockto-gegevens{where} toegevoegd "
                            "aan de zaak", actor=ACTOR, now=now)  # fmt: skip
        case.partner_source = applicant["partner_source"]
        db.session.flush()
        _link_partner_case(case, resident, now)
    if not delivery.complete:
        _partner_missing(case, delivery, now)


def _partner_missing(case: Case, delivery: Delivery, now: dt.datetime) -> None:
    """First time: remind by email (letter preference: a notice); again: notice, INVESTIGATE."""
    earlier = db.session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.case_id == case.id, Delivery.id != delivery.id, Delivery.complete.is_(False)
        )
    )
    if earlier:
        delivery.partner_missing_again = True
        _notice(
            case,
            NoticeKind.PARTNER_DATA_INCOMPLETE,
            "Opnieuw een levering zonder de gegevens van de partner: onderzoek de zaak.",
            now,
        )
        return
    if outbox.channel_for(case) == Channel.EMAIL:
        invitation = delivery.invitation
        message = outbox.queue(
            case,
            TemplateEvent.PARTNER_REMINDER,
            link=invitations.start_link(invitation) if invitation else "",
            deadline=invitation.expires_on.date() if invitation else None,
            dedupe_key="partner-reminder",
            now=now,
        )
        if message is not None:
            records.add_event(case, "partner_reminder", "Herinnering partnergegevens verzonden",
                            actor="systeem", now=now)  # fmt: skip
        return
    _notice(
        case,
        NoticeKind.PARTNER_DATA_INCOMPLETE,
        "De gegevens van de partner ontbreken. De inwoner wil post: er gaat geen automatische "
        "herinnering uit. Neem contact op met de inwoner.",
        now,
    )


def _move_status(case: Case, delivery: Delivery, work: Work) -> None:
    """A complete delivery (or a second incomplete one) ends the wait for data."""
    settled = delivery.complete or delivery.partner_missing_again
    what = "Ockto-levering ontvangen" + (
        "" if delivery.complete else " zonder de gegevens van de partner"
    )
    if settled and workflow.applies(case, "data_received"):
        try:
            workflow.transition(case, "data_received", work, what, actor=ACTOR, event="delivery")
            return
        except Conflict:
            pass  # changed meanwhile by a caseworker: the delivery is kept, the status is theirs
    records.add_event(case, "delivery", what, actor=ACTOR, now=work.now)


def accept(clean: dict[str, Any], payload: dict[str, Any], work: Work) -> Delivery:
    """Store a validated delivery and apply its consequences, in the caller's unit of work."""
    now = work.now
    invitation: Invitation = clean["invitation"]
    case = invitation.case
    delivery = Delivery(
        case=case,
        invitation=invitation,
        delivery_key=clean["delivery_key"],
        completed_on=clean["completed_on"],
        complete=True,
        payload=payload,
        created_on=now,
    )
    db.session.add(delivery)
    db.session.flush()  # the unique levering_id decides here who was first
    _apply_partner_rules(case, delivery, clean["persons"], now)
    _move_status(case, delivery, work)
    signals.raise_signal(case, SignalKind.DELIVERY_RECEIVED, f"delivery:{delivery.id}", now)
    assessment.apply_to_delivery(case, delivery, now)
    case.changed_on = now
    delivery.answer = {
        "zaak_id": case.id,
        "status": case.status.name,
        "compleet": delivery.complete,
    }
    db.session.flush()
    return delivery


def _existing(delivery_key: Any) -> tuple[int, dict[str, Any]] | None:
    if not isinstance(delivery_key, str):
        return None
    answer = db.session.scalar(select(Delivery.answer).where(Delivery.delivery_key == delivery_key))
    return (200, answer) if answer is not None else None


def receive(
    raw_body: bytes, signature: str | None, now: dt.datetime | None = None
) -> tuple[int, dict[str, Any]]:
    """Handle one POST of Ockto: (HTTP status, JSON body) per the delivery contract."""

    def attempt(post: webhook.Post) -> tuple[int, dict[str, Any]]:
        payload = post.payload
        # The full id, not the log's shortened reference: a longer id is refused below.
        found = _existing(payload.get("levering_id") if isinstance(payload, dict) else None)
        if found:
            return found
        with unit_of_work(now=now, system=True) as work:
            clean, errors = validate(payload, work.now)
            if clean.get("invitation") is not None:
                post.municipality_id = clean["invitation"].case.municipality_id
            if errors:
                raise RequestRefused(422, errors)
            return 201, accept(clean, payload, work).answer

    return webhook.receive(ENDPOINT, "OCKTO_HMAC_SECRET", "levering_id", raw_body, signature,
                           attempt)  # fmt: skip
