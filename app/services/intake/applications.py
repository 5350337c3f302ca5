"""Online applications (contracts/intake-application.md) and the municipality's policy (5.1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...models import (
    AllowlistEntry,
    Case,
    CaseKind,
    CaseStatus,
    CheckMode,
    ContactPreference,
    Decision,
    Municipality,
    Resident,
    TemplateEvent,
)
from ..cases import records, workflow
from ..inbound import webhook
from ..inbound.signing import RequestRefused
from ..inbound.validation import Checker
from ..messaging import outbox
from ..ockto import invitations
from ..unit import Work, unit_of_work
from ..zgw import events as zgw_events

ENDPOINT = "intake"
_CBS = re.compile(r"^\d{4}$")
_POSTCODE = re.compile(r"^([1-9]\d{3})\s?([A-Za-z]{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _person(check: Checker, data: dict, path: str, applicant: bool) -> dict[str, Any]:
    person = {
        "bsn": check.bsn(data, "bsn", f"{path}.bsn"),
        "initials": check.text(data, "voorletters", f"{path}.voorletters", size=40),
        "prefix": check.text(data, "tussenvoegsel", f"{path}.tussenvoegsel", size=40),
        "surname": check.text(data, "achternaam", f"{path}.achternaam", required=applicant),
        "birth_date": check.date(
            data, "geboortedatum", f"{path}.geboortedatum", required=applicant
        ),
    }
    if applicant:
        email = check.text(data, "email", f"{path}.email", required=True, size=320)
        if email and not _EMAIL.match(email):
            check.fail(f"{path}.email", "Geen geldig e-mailadres.")
        person["email"] = email
        person["phone"] = check.text(data, "telefoon", f"{path}.telefoon", size=40)
        address = check.object(data, "adres", f"{path}.adres")
        if address is not None:
            postcode = check.text(address, "postcode", f"{path}.adres.postcode", size=10)
            match = _POSTCODE.match(postcode) if postcode else None
            if postcode and not match:
                check.fail(f"{path}.adres.postcode", "Geen geldige postcode (1234 AB).")
            person.update(
                street=check.text(address, "straat", f"{path}.adres.straat"),
                house_number=check.text(address, "huisnummer", f"{path}.adres.huisnummer", size=20),
                house_number_suffix=check.text(
                    address, "huisnummer_toevoeging", f"{path}.adres.huisnummer_toevoeging", size=20
                ),
                postcode=f"{match.group(1)} {match.group(2).upper()}" if match else None,
                city=check.text(address, "woonplaats", f"{path}.adres.woonplaats"),
            )
    return person


def validate(payload: Any) -> tuple[dict[str, Any], list[dict[str, str | None]]]:
    """Every problem of an application payload, each with its dotted field path."""
    check = Checker()
    if not isinstance(payload, dict):
        check.fail(None, "De body moet een JSON-object zijn.")
        return {}, check.errors
    clean: dict[str, Any] = {
        "application_number": check.text(payload, "aanvraagnummer", "aanvraagnummer", True, 64),
        "submitted_on": check.moment(payload, "ingediend_op", "ingediend_op"),
    }
    code = check.text(payload, "gemeentecode", "gemeentecode", required=True, size=4)
    clean["municipality"] = None
    if code is not None:
        if not _CBS.match(code):
            check.fail("gemeentecode", "Een gemeentecode heeft vier cijfers.")
        else:
            clean["municipality"] = db.session.scalar(
                select(Municipality).where(Municipality.cbs_code == code)
            )
            if clean["municipality"] is None:
                check.fail("gemeentecode", "Onbekende gemeentecode.")
    applicant = check.object(payload, "aanvrager", "aanvrager", required=True)
    clean["applicant"] = (
        _person(check, applicant, "aanvrager", True) if applicant is not None else None
    )
    partner = check.object(payload, "partner", "partner")
    clean["partner"] = _person(check, partner, "partner", False) if partner is not None else None
    if (
        partner is not None
        and clean["partner"]["bsn"] is None
        and not any(e["veld"] == "partner.bsn" for e in check.errors)
    ):
        check.fail("partner.bsn", "Dit veld is verplicht.")
    children = payload.get("kinderen")
    clean["children"] = []
    if children is not None:
        if not isinstance(children, list):
            check.fail("kinderen", "Moet een lijst zijn.")
        else:
            for i, child in enumerate(children):
                path = f"kinderen[{i}]"
                if not isinstance(child, dict):
                    check.fail(path, "Moet een object zijn.")
                    continue
                clean["children"].append(_person(check, child, path, False))
    insurance = check.object(payload, "verzekering", "verzekering")
    clean["insurance"] = None
    if insurance is not None:
        clean["insurance"] = {
            "insurer": check.text(insurance, "verzekeraar", "verzekering.verzekeraar"),
            "package": check.text(insurance, "pakket", "verzekering.pakket"),
            "start": check.date(insurance, "ingangsdatum", "verzekering.ingangsdatum"),
        }
    numbers = [
        p["bsn"]
        for p in [clean["applicant"], clean["partner"], *clean["children"]]
        if p and p["bsn"]
    ]
    if len(numbers) != len(set(numbers)):
        check.fail(None, "Hetzelfde BSN staat meer dan eens in de aanvraag.")
    return clean, check.errors


def body_hash(payload: Any) -> str:
    """The same application gives the same hash, whatever the key order or spacing."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _resident(municipality: Municipality, person: dict[str, Any]) -> Resident:
    """Reuse the municipality's resident with this BSN (updating contact data) or add one."""
    resident = db.session.scalar(
        select(Resident).where(
            Resident.municipality_id == municipality.id, Resident.bsn == person["bsn"]
        )
    )
    if resident is None:
        resident = Resident(municipality=municipality, bsn=person["bsn"], surname="")
        db.session.add(resident)
    for field in ("initials", "prefix", "surname", "birth_date", "email", "phone", "street",
                  "house_number", "house_number_suffix", "postcode", "city"):  # fmt: skip
        value = person.get(field)
        if value is not None:
            setattr(resident, field, value)
    return resident


def apply_policy(case: Case, work: Work) -> None:
    """DESIGN.md 5.1: allowlist, check before or after; without the ockto module: stays NEW."""
    municipality = case.municipality
    outbox.queue(case, TemplateEvent.CONFIRMATION, now=work.now)
    records.add_event(case, "confirmation", "Bevestiging van de aanvraag verzonden",
                      actor="systeem", now=work.now)  # fmt: skip
    if not municipality.module_ockto:
        records.add_event(
            case, "manual", "Geen module Ockto: de aanvraag wacht op handmatige behandeling",
            actor="systeem", now=work.now,
        )  # fmt: skip
        return
    if municipality.check_mode == CheckMode.AFTER:
        _decide(case, Decision.GRANTED_UNCHECKED, work)
        return
    on_list = municipality.uses_allowlist and db.session.scalar(
        select(AllowlistEntry.id).where(
            AllowlistEntry.municipality_id == municipality.id,
            AllowlistEntry.bsn == case.applicant.bsn,
        )
    )
    if on_list:
        _decide(case, Decision.GRANTED_ALLOWLIST, work)
        return
    workflow.transition(case, "invite", work, "Uitnodiging Ockto verzonden", actor="systeem")
    invitations.issue(case, now=work.now)


def _decide(case: Case, decision: Decision, work: Work) -> None:
    workflow.transition(
        case, "auto_decide", work, f"Besluit: {decision.label}", actor="systeem", event="decide",
        values={"decision": decision, "decided_on": work.now},
    )  # fmt: skip


def _answer(case: Case) -> dict[str, Any]:
    return {
        "zaak_id": case.id,
        "status": case.status.name,
        "besluit": case.decision.name if case.decision else None,
    }


def _existing(application_number: str, digest: str) -> tuple[int, dict[str, Any]] | None:
    case = db.session.scalar(select(Case).where(Case.application_number == application_number))
    if case is None:
        return None
    if case.intake_hash != digest:
        raise RequestRefused(
            409,
            [
                {
                    "veld": "aanvraagnummer",
                    "melding": "Dit aanvraagnummer is al ontvangen met andere gegevens.",
                }
            ],
        )
    return 200, case.intake_answer


def _create(clean: dict[str, Any], digest: str, work: Work) -> tuple[int, dict[str, Any]]:
    municipality = clean["municipality"]
    applicant = _resident(municipality, clean["applicant"])
    partner = _resident(municipality, clean["partner"]) if clean["partner"] else None
    children = [_resident(municipality, child) for child in clean["children"]]
    insurance = clean["insurance"] or {}
    case = Case(
        municipality=municipality,
        kind=CaseKind.APPLICATION,
        status=CaseStatus.NEW,
        application_number=clean["application_number"],
        submitted_on=clean["submitted_on"],
        intake_hash=digest,
        applicant=applicant,
        partner=partner,
        children=children,
        children_count=len(children),
        contact_preference=ContactPreference.EMAIL,
        insurer=insurance.get("insurer"),
        insurance_package=insurance.get("package"),
        insurance_start=insurance.get("start"),
        created_on=work.now,
        changed_on=work.now,
    )
    db.session.add(case)
    db.session.flush()  # the unique application number decides here who was first
    records.add_event(
        case, "create", "Aanvraag ontvangen", None, CaseStatus.NEW, actor="aanvraagsite",
        now=work.now,
    )  # fmt: skip
    zgw_events.record(case, zgw_events.CREATED, work.now)
    apply_policy(case, work)
    case.intake_answer = _answer(case)
    return 201, case.intake_answer


def receive(
    raw_body: bytes, signature: str | None, now: dt.datetime | None = None
) -> tuple[int, dict[str, Any]]:
    """Handle one POST of the application site: (HTTP status, JSON body)."""

    def attempt(post: webhook.Post) -> tuple[int, dict[str, Any]]:
        clean, errors = validate(post.payload)
        if clean.get("municipality") is not None:
            post.municipality_id = clean["municipality"].id
        if errors:
            raise RequestRefused(422, errors)
        digest = body_hash(post.payload)
        found = _existing(clean["application_number"], digest)
        if found:
            return found
        with unit_of_work(now=now, system=True) as work:
            return _create(clean, digest, work)

    return webhook.receive(ENDPOINT, "INTAKE_HMAC_SECRET", "aanvraagnummer", raw_body,
                           signature, attempt)  # fmt: skip
