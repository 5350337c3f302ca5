"""The Ockto sandbox: plays the Ockto service in development and tests.

It builds a realistic delivery (contracts/ockto-delivery.md) for the case's own persons,
signs it with OCKTO_HMAC_SECRET and hands it to the app's own WSGI stack at
POST /api/v1/ockto/levering, so it passes exactly the signature check, validation and
storage that production data passes.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select
from werkzeug.test import Client

from ...extensions import db
from ...formatting import local
from ...models import Case, Invitation, Resident
from ...models.types import utcnow
from .. import bsn as bsn_rules
from ..inbound.signing import sign

DELIVERY_PATH = "/api/v1/ockto/levering"


@dataclass(frozen=True)
class Scenario:
    """One sandbox situation the resident can choose."""

    code: str
    label: str
    explanation: str


SCENARIOS: dict[str, Scenario] = {
    s.code: s
    for s in [
        Scenario("SINGLE", "Alleenstaand", "U woont alleen en werkt in loondienst."),
        Scenario("COUPLE", "Samen met partner", "U en uw partner leveren samen gegevens aan."),
        Scenario(
            "PARTNER_NOT_DELIVERED",
            "Partner gevonden, niet aangeleverd",
            "Er is een partner gevonden, maar die heeft geen gegevens aangeleverd.",
        ),
        Scenario(
            "OTHER_PARTNER",
            "Andere partner",
            "Er is een andere partner gevonden dan die bij de gemeente bekend is.",
        ),
        Scenario("HIGH_INCOME", "Hoog inkomen", "Uw inkomen is hoger dan gemiddeld."),
        Scenario("HIGH_ASSETS", "Hoog vermogen", "U heeft veel spaargeld en beleggingen."),
        Scenario("PENSION_AGE", "AOW-leeftijd", "U heeft de AOW-leeftijd en krijgt AOW."),
        Scenario(
            "SINGLE_PARENT",
            "Alleenstaande ouder",
            "U woont alleen met uw kinderen en krijgt kinderbijslag.",
        ),
        Scenario(
            "STALE_INCOME",
            "Oude inkomensgegevens",
            "De laatste inkomensgegevens zijn een half jaar oud.",
        ),
        Scenario("GROSS_ONLY", "Alleen bruto", "Van uw loon is alleen het brutobedrag bekend."),
    ]
}

EMPLOYERS = [
    "Bakkerij De Korenschoof B.V.",
    "Albert Heijn B.V.",
    "Jumbo Supermarkten B.V.",
    "PostNL Pakketten Benelux B.V.",
    "Hago Nederland B.V.",
    "Stichting Thuiszorg Het Groene Kruis",
    "Isala Klinieken",
    "Coolblue B.V.",
    "Randstad Uitzendbureau B.V.",
    "Kinderopvang Humankind",
    "Gemeentelijke Schoonmaakdienst",
    "Action Nederland B.V.",
]
BENEFITS = [
    ("uwv", "WW-uitkering"),
    ("uwv", "Ziektewet-uitkering"),
    ("uwv", "WIA-uitkering"),
    ("gemeente", "Participatiewet-uitkering"),
]
PENSION_FUNDS = [
    "Pensioenfonds ABP",
    "Pensioenfonds Zorg en Welzijn",
    "Pensioenfonds Metaal en Techniek",
]
BANKS = ["ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ"]
FIRST_NAMES = {
    "A": "Anna", "B": "Bram", "C": "Cornelia", "D": "Daan", "E": "Emma", "F": "Fatima",
    "G": "Gerrit", "H": "Hendrik", "I": "Inge", "J": "Johannes", "K": "Kees", "L": "Lotte",
    "M": "Maria", "N": "Noor", "P": "Pieter", "R": "Ruud", "S": "Sanne", "T": "Thijs",
    "W": "Willem",
}  # fmt: skip
PARTNER_NAMES = [
    ("Maria", None, "Jansen"),
    ("Ahmet", None, "Yılmaz"),
    ("Peter", "de", "Vries"),
    ("Sanne", "van", "Dijk"),
    ("Mohamed", "El", "Amrani"),
    ("Inge", None, "Bakker"),
]
PENSION_AGE_YEARS = 67


class SandboxError(RuntimeError):
    """The sandbox could not make or hand over a delivery, with a Dutch reason."""


def iban(rng: random.Random) -> str:
    """A Dutch IBAN with valid check digits, grouped by four as banks print it."""
    bank = rng.choice(BANKS)
    account = f"{rng.randint(0, 9_999_999_999):010d}"
    digits = "".join(str(int(c, 36)) for c in f"{bank}{account}NL00")
    check = 98 - int(digits) % 97
    raw = f"NL{check:02d}{bank}{account}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{Decimal(rng.randint(low * 100, high * 100)) / 100:.2f}"


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class _Builder:
    """Builds one delivery for a case: persons from the case, figures from the scenario."""

    def __init__(self, case: Case, scenario: str, now: dt.datetime, rng: random.Random) -> None:
        self.case = case
        self.scenario = scenario
        self.rng = rng
        self.now = now
        self.today = local(now).date()
        # Stale data ends half a year before the delivery.
        self.shift = 6 if scenario == "STALE_INCOME" else 0

    # --- periods -------------------------------------------------------------------------
    def _last_month(self) -> tuple[dt.date, dt.date]:
        first_this = self.today.replace(day=1)
        end = first_this - dt.timedelta(days=1)
        for _ in range(self.shift):
            end = end.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end

    def _last_four_weeks(self) -> tuple[dt.date, dt.date]:
        end = self.today - dt.timedelta(days=self.today.weekday() + 1 + 7 * 4 * self.shift)
        return end - dt.timedelta(days=27), end

    def income(self, source: str, kind: str, description: str, amount: str, period: str = "maand",
               gross: bool = False, holiday: bool = False) -> dict[str, Any]:  # fmt: skip
        if period == "4weken":
            start, end = self._last_four_weeks()
        elif period == "jaar":
            start, end = dt.date(self.today.year, 1, 1), dt.date(self.today.year, 12, 31)
        else:
            start, end = self._last_month()
        return {
            "bron": source,
            "soort": kind,
            "omschrijving": description,
            "bedrag": amount,
            "bruto_netto": "bruto" if gross else "netto",
            "periode": period,
            "inclusief_vakantiegeld": holiday,
            "van": start.isoformat(),
            "tot": end.isoformat(),
        }

    # --- persons -------------------------------------------------------------------------
    def _brp(self, resident: Resident | None, names: tuple, born: dt.date, partner: str | None,
             children: list[dict[str, str]]) -> dict[str, Any]:  # fmt: skip
        first, prefix, surname = names
        address = None
        if resident is not None and resident.street and resident.postcode and resident.city:
            address = {
                "straat": resident.street,
                "huisnummer": resident.house_number or "1",
                "huisnummer_toevoeging": resident.house_number_suffix,
                "postcode": resident.postcode,
                "woonplaats": resident.city,
            }
        return {
            "voornamen": first,
            "tussenvoegsel": prefix,
            "achternaam": surname,
            "geboortedatum": born.isoformat(),
            "burgerlijke_staat": "gehuwd"
            if partner
            else self.rng.choice(["ongehuwd", "gescheiden"]),
            "partner_bsn": partner,
            "partner_bron": self.rng.choice(["mijnoverheid", "belastingdienst"])
            if partner
            else None,
            "kinderen": children,
            "adres": address,
        }

    def _names(self, resident: Resident) -> tuple[str, str | None, str]:
        first = resident.first_names
        if not first:
            initial = (resident.initials or "J")[0].upper()
            first = FIRST_NAMES.get(initial, "Johannes")
        return first, resident.prefix, resident.surname or "Onbekend"

    def _birth_date(self, resident: Resident | None) -> dt.date:
        born = resident.birth_date if resident and resident.birth_date else None
        if born is None:
            born = self.today.replace(year=self.today.year - self.rng.randint(25, 60))
        if self.scenario == "PENSION_AGE" and _age(born, self.today) < PENSION_AGE_YEARS:
            # The sandbox plays the BRP: for this scenario the person has reached AOW age.
            born = self.today.replace(year=self.today.year - self.rng.randint(68, 78), day=1)
        return born

    def _new_bsn(self, avoid: set[str]) -> str:
        taken = set(avoid)
        while True:
            number = bsn_rules.generate(self.rng, taken)
            exists = db.session.scalar(
                select(Resident.id).where(
                    Resident.municipality_id == self.case.municipality_id, Resident.bsn == number
                )
            )
            if not exists:
                return number

    def _children(self) -> list[dict[str, str]]:
        known = [
            {"bsn": c.bsn, "geboortedatum": c.birth_date.isoformat()}
            for c in self.case.children
            if c.birth_date
        ]
        if known or self.scenario != "SINGLE_PARENT":
            return known
        avoid = {self.case.applicant.bsn}
        return [
            {
                "bsn": self._new_bsn(avoid),
                "geboortedatum": self.today.replace(
                    year=self.today.year - self.rng.randint(2, 16), day=1
                ).isoformat(),
            }
            for _ in range(self.rng.randint(1, 2))
        ]

    # --- figures -------------------------------------------------------------------------
    def _assets(self, rich: bool = False) -> list[dict[str, Any]]:
        rng, day = self.rng, self.today.isoformat()
        assets = [
            {"soort": "betaalrekening", "omschrijving": iban(rng),
             "waarde": _money(rng, -150, 1900), "peildatum": day},
        ]  # fmt: skip
        if rich:
            assets += [
                {"soort": "spaarrekening", "omschrijving": "Spaarrekening " + iban(rng),
                 "waarde": _money(rng, 24000, 41000), "peildatum": day},
                {"soort": "beleggingen", "omschrijving": "Beleggingsrekening",
                 "waarde": _money(rng, 6000, 15000), "peildatum": day},
            ]  # fmt: skip
        elif rng.random() < 0.6:
            assets.append(
                {"soort": "spaarrekening", "omschrijving": "Spaarrekening",
                 "waarde": _money(rng, 50, 3500), "peildatum": day}
            )  # fmt: skip
        return assets

    def _debts(self) -> list[dict[str, Any]]:
        rng, day = self.rng, self.today.isoformat()
        debts = []
        if rng.random() < 0.3:
            debts.append({"soort": "studieschuld", "omschrijving": "DUO",
                          "bedrag": _money(rng, 2000, 18000), "peildatum": day})  # fmt: skip
        if rng.random() < 0.2:
            debts.append({"soort": "overig", "omschrijving": "Creditcard",
                          "bedrag": _money(rng, 200, 1800), "peildatum": day})  # fmt: skip
        return debts

    def _applicant_incomes(self, pension: bool, couple: bool) -> list[dict[str, Any]]:
        rng, s = self.rng, self.scenario
        if pension:
            items = [
                self.income("svb", "aow", "AOW-uitkering",
                            _money(rng, 1020, 1080) if couple else _money(rng, 1450, 1520)),
                self.income("uwv", "pensioen", rng.choice(PENSION_FUNDS), _money(rng, 80, 240)),
            ]  # fmt: skip
        elif s == "HIGH_INCOME":
            items = [self.income("uwv", "loon", rng.choice(EMPLOYERS), _money(rng, 2650, 3300))]
        elif s == "GROSS_ONLY":
            items = [
                self.income(
                    "uwv", "loon", rng.choice(EMPLOYERS), _money(rng, 2050, 2300), gross=True
                )
            ]
        elif couple:
            items = [self.income("uwv", "loon", rng.choice(EMPLOYERS), _money(rng, 1050, 1400),
                                 holiday=rng.random() < 0.2)]  # fmt: skip
        elif rng.random() < 0.3 and s == "SINGLE":
            source, what = rng.choice(BENEFITS)
            items = [self.income(source, "uitkering", what, _money(rng, 1150, 1350), "4weken")]
        else:
            items = [self.income("uwv", "loon", rng.choice(EMPLOYERS), _money(rng, 1280, 1560),
                                 rng.choice(["maand", "maand", "4weken"]),
                                 holiday=rng.random() < 0.2)]  # fmt: skip
        if s != "HIGH_INCOME":
            allowance = _money(rng, 230, 250) if couple else _money(rng, 120, 131)
            items.append(self.income("belastingdienst", "zorgtoeslag", "Zorgtoeslag", allowance))
            if rng.random() < 0.6:
                items.append(self.income("belastingdienst", "huurtoeslag", "Huurtoeslag",
                                         _money(rng, 180, 320)))  # fmt: skip
        if s == "SINGLE_PARENT":
            items += [
                self.income("belastingdienst", "kindgebonden_budget", "Kindgebonden budget",
                            _money(rng, 280, 420)),
                self.income("svb", "kinderbijslag", "Kinderbijslag",
                            _money(rng, 1150, 1400), "jaar"),
                self.income("overig", "alimentatie", "Partneralimentatie", _money(rng, 180, 350)),
            ]  # fmt: skip
        return items

    def _partner_incomes(self, pension: bool) -> list[dict[str, Any]]:
        rng = self.rng
        if pension:
            return [self.income("svb", "aow", "AOW-uitkering", _money(rng, 1020, 1080))]
        source, what = rng.choice(BENEFITS)
        return [self.income(source, "uitkering", what, _money(rng, 380, 650), "4weken")]

    def build(self) -> dict[str, Any]:
        case, s, rng = self.case, self.scenario, self.rng
        applicant = case.applicant
        born = self._birth_date(applicant)
        pension = _age(born, self.today) >= PENSION_AGE_YEARS
        partner_names: tuple | None = None
        partner_born: dt.date | None = None
        partner_bsn: str | None = None
        if s in ("COUPLE", "PARTNER_NOT_DELIVERED") and case.partner is not None:
            partner_bsn = case.partner.bsn
            partner_names = self._names(case.partner)
            partner_born = self._birth_date(case.partner)
        elif s in ("COUPLE", "PARTNER_NOT_DELIVERED", "OTHER_PARTNER"):
            avoid = {applicant.bsn} | ({case.partner.bsn} if case.partner else set())
            partner_bsn = self._new_bsn(avoid)
            partner_names = rng.choice(PARTNER_NAMES)
            partner_born = born + dt.timedelta(days=rng.randint(-2500, 2500))
        delivered = s in ("COUPLE", "OTHER_PARTNER")
        persons = [
            {
                "rol": "aanvrager",
                "bsn": applicant.bsn,
                "brp": self._brp(applicant, self._names(applicant), born, partner_bsn,
                                 self._children()),
                "inkomsten": self._applicant_incomes(pension, partner_bsn is not None),
                "vermogen": self._assets(rich=s == "HIGH_ASSETS"),
                "schulden": self._debts(),
            }
        ]  # fmt: skip
        if delivered and partner_bsn and partner_names and partner_born:
            persons.append(
                {
                    "rol": "partner",
                    "bsn": partner_bsn,
                    "brp": {**self._brp(None, partner_names, partner_born, applicant.bsn, []),
                            "partner_bron": persons[0]["brp"]["partner_bron"]},
                    "inkomsten": self._partner_incomes(_age(partner_born, self.today) >= 67),
                    "vermogen": self._assets()[:1],
                    "schulden": [],
                }
            )  # fmt: skip
        return {
            "levering_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "uitnodiging": None,
            "afgerond_op": local(self.now).isoformat(timespec="seconds"),
            "personen": persons,
        }


def build(
    invitation: Invitation,
    scenario: str,
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """A realistic delivery per the contract for the invitation's case and a scenario."""
    if scenario not in SCENARIOS:
        raise SandboxError("Kies een van de voorbeeldsituaties.")
    payload = _Builder(invitation.case, scenario, now or utcnow(), rng or random.Random()).build()  # noqa: S311 - made-up data
    payload["uitnodiging"] = invitation.token
    return payload


def submit(payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Sign a delivery as Ockto does and post it to the delivery endpoint; its answer."""
    secret = current_app.config.get("OCKTO_HMAC_SECRET") or ""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-Signature": sign(secret, body)}
    app = current_app._get_current_object()
    # A context of its own, as a request from outside would have: its own g and session.
    with app.app_context():
        response = Client(app).post(DELIVERY_PATH, data=body, headers=headers)
        answer = response.status_code, response.get_json(silent=True) or {}
    db.session.expire_all()  # the caller reads what the delivery changed
    return answer
