"""The rows of a reassessment file: one household each, read, matched to its open case, compared.

An update changes only what the file says: a column absent from the file leaves its field
as it was (reassessment-import.md, behaviour 6). What a spreadsheet did to numbers is
undone and said (behaviour 7): the row's notes name every value put back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...formatting import date_nl
from ...models import OPEN_STATUSES, Case, CaseKind, ContactPreference, Resident
from .outcomes import problem
from .reader import cell_text
from .values import (
    FieldError,
    bsn_was_padded,
    contract_key,
    parse_bsn,
    parse_count,
    parse_date,
    parse_email,
    parse_phone,
    parse_postcode,
    parse_preference,
    quoted,
)

# Canonical column names of the reassessment file (reassessment-import.md).
COLUMNS = [
    "bsn",
    "voorletters",
    "tussenvoegsel",
    "achternaam",
    "geboortedatum",
    "straat",
    "huisnummer",
    "huisnummer_toevoeging",
    "postcode",
    "woonplaats",
    "email",
    "telefoon",
    "communicatievoorkeur",
    "contractnummer",
    "partner_bsn",
    "partner_voorletters",
    "partner_tussenvoegsel",
    "partner_achternaam",
    "partner_geboortedatum",
    "aantal_kinderen",
]
REQUIRED = ["bsn", "achternaam", "geboortedatum"]
# The columns an update compares with the open case, in the order _OLD_COLUMNS reads them
# (all but the two keys, BSN and contract number).
COMPARED = [name for name in COLUMNS if name not in ("bsn", "contractnummer")]
_DATES = {"geboortedatum", "partner_geboortedatum"}
# The field each text column fills: a longer value is refused, never cut.
_FIELDS = {
    "voorletters": Resident.initials,
    "tussenvoegsel": Resident.prefix,
    "achternaam": Resident.surname,
    "straat": Resident.street,
    "huisnummer": Resident.house_number,
    "huisnummer_toevoeging": Resident.house_number_suffix,
    "woonplaats": Resident.city,
    "email": Resident.email,
    "telefoon": Resident.phone,
    "contractnummer": Case.contract_number,
    "partner_voorletters": Resident.initials,
    "partner_tussenvoegsel": Resident.prefix,
    "partner_achternaam": Resident.surname,
}
_LONGEST = {name: field.type.length for name, field in _FIELDS.items()}
# Columns read as plain text (the others have a parser of their own).
_TEXT = [name for name in _FIELDS if name not in ("email", "telefoon")]
# What a new case gets for a column the file does not have.
_DEFAULTS: dict[str, Any] = {name: "" for name in COLUMNS}
_DEFAULTS.update(geboortedatum=None, partner_geboortedatum=None, aantal_kinderen=0)
_DEFAULTS["communicatievoorkeur"] = None
_LETTER_ADDRESS = ("straat", "huisnummer", "postcode", "woonplaats")


def read(
    raw: dict[str, Any],
) -> tuple[dict[str, Any], list[dict[str, str]], list[dict[str, str]]]:
    """A row's values for the columns the file has, its errors and its notes (values put back)."""
    errors: list[dict[str, str]] = []
    notes: list[dict[str, str]] = []
    values: dict[str, Any] = {}

    def take(name: str, parser: Callable[[Any], Any]) -> None:
        if name not in raw:
            return
        try:
            values[name] = parser(raw[name])
        except FieldError as exc:
            errors.append(problem(name, str(exc)))

    for name in _TEXT:
        take(name, cell_text)
    take("bsn", parse_bsn)
    take("geboortedatum", parse_date)
    take("postcode", parse_postcode)
    take("email", parse_email)
    take("telefoon", parse_phone)
    take("aantal_kinderen", parse_count)
    take("partner_geboortedatum", parse_date)
    take("communicatievoorkeur", parse_preference)
    take("partner_bsn", lambda v: parse_bsn(v) if cell_text(v) else "")
    for name in ("achternaam", "geboortedatum"):
        if name in values and values[name] in (None, ""):
            errors.append(problem(name, f"{name} is verplicht."))
    for name, longest in _LONGEST.items():
        if len(values.get(name) or "") > longest:
            errors.append(
                problem(
                    name, f"{quoted(values.pop(name))} is te lang: ten hoogste {longest} tekens."
                )
            )
    for name in ("bsn", "partner_bsn"):
        if values.get(name) and bsn_was_padded(raw[name], values[name]):
            notes.append(
                problem(
                    name,
                    f"'{cell_text(raw[name])}' aangevuld tot {values[name]}: het spreadsheet "
                    "liet de voorloopnul weg.",
                )
            )
    if values.get("telefoon") and values["telefoon"] != cell_text(raw["telefoon"]):
        notes.append(
            problem(
                "telefoon",
                f"'{cell_text(raw['telefoon'])}' aangevuld tot {values['telefoon']}: het "
                "spreadsheet maakte er een getal van en liet de 0 weg.",
            )
        )
    return values, errors, notes


def complete(values: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """Every column's value: the row's where the file has the column, else the case's (or empty)."""
    full = dict(old) if old is not None else dict(_DEFAULTS)
    full.update(values)
    if old is not None:
        # The contract number is the key: it stays as stored when it matched without its
        # zeros, and an empty cell does not remove it.
        if not values.get("contractnummer") or contract_key(values["contractnummer"]) == (
            contract_key(old["contractnummer"])
        ):
            full["contractnummer"] = old["contractnummer"]
        # An empty partner surname keeps the stored one (the partner is known by BSN).
        if not values.get("partner_achternaam") and full["partner_bsn"] == old["partner_bsn"]:
            full["partner_achternaam"] = old["partner_achternaam"]
    if full["communicatievoorkeur"] is None:
        full["communicatievoorkeur"] = "EMAIL" if full["email"] else "LETTER"
    return full


def check(full: dict[str, Any]) -> list[dict[str, str]]:
    """What the household as a whole needs: an address for its contact preference, two BSNs."""
    errors = []
    if full["communicatievoorkeur"] == "EMAIL" and not full["email"]:
        errors.append(problem("email", "E-mailadres is verplicht bij voorkeur EMAIL."))
    if full["communicatievoorkeur"] == "LETTER":
        for name in _LETTER_ADDRESS:
            if not full[name]:
                errors.append(problem(name, f"{name} is verplicht bij voorkeur BRIEF."))
    if full["partner_bsn"] and full["partner_bsn"] == full["bsn"]:
        errors.append(problem("partner_bsn", "Partner-BSN is gelijk aan het BSN."))
    return errors


def _shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if name in _DATES:
        return date_nl(value)
    if name == "communicatievoorkeur":
        return ContactPreference[value].label
    return str(value)


def changes(old: dict[str, Any], full: dict[str, Any]) -> list[dict[str, str]]:
    """Each field an update changes, as shown to people: [{"veld", "oud", "nieuw"}]."""
    found = []
    for name in ["contractnummer", *COMPARED]:
        before, after = _shown(name, old[name]), _shown(name, full[name])
        if before != after:
            found.append({"veld": name, "oud": before, "nieuw": after})
    return found


@dataclass(frozen=True)
class OpenCase:
    """An open reassessment as the import needs it to match a row."""

    id: int
    number: str
    contract: str
    # A hash of the compared columns the file has: an equal row leaves the case unchanged.
    fingerprint: int


def _fingerprint(values: dict[str, Any], names: Iterable[str]) -> int:
    return hash(tuple(values[name] for name in names))


_A, _P = aliased(Resident), aliased(Resident)
# The stored value of every compared column, in COMPARED's order.
_OLD_COLUMNS = [
    _A.initials, _A.prefix, _A.surname, _A.birth_date, _A.street, _A.house_number,
    _A.house_number_suffix, _A.postcode, _A.city, _A.email, _A.phone, Case.contact_preference,
    _P.bsn, _P.initials, _P.prefix, _P.surname, _P.birth_date, Case.children_count,
]  # fmt: skip


def _old(row: Any) -> dict[str, Any]:
    values = dict(zip(COMPARED, row[5:], strict=True))
    for name, value in values.items():
        if value is None and name not in _DATES:
            values[name] = ""
    values["communicatievoorkeur"] = row[5 + COMPARED.index("communicatievoorkeur")].name
    values["contractnummer"] = row[1] or ""
    values["bsn"] = row[2]
    return values


class OpenReassessments:
    """The municipality's open reassessments, by contract number (without leading zeros) and BSN.

    Read as plain columns with a hash of what the file compares, so 100,000 open cases cost
    a few MB; the stored values of a case are read only for a row that differs from it.
    """

    def __init__(self, municipality_id: int, present: set[str]) -> None:
        self.compared = [name for name in COMPARED if name in present]
        # With its column but not the email address's, an empty preference cannot be
        # compared without the stored address: such a row is always read in full.
        self.preference_unknown = "communicatievoorkeur" in present and "email" not in present
        base = (
            select(Case.id, Case.contract_number, _A.bsn, Case.application_number, Case.status)
            .add_columns(*_OLD_COLUMNS)
            .join(_A, Case.applicant_id == _A.id)
            .outerjoin(_P, Case.partner_id == _P.id)
        )
        self._base = base
        stmt = base.where(
            Case.municipality_id == municipality_id,
            Case.kind == CaseKind.REASSESSMENT,
            Case.status.in_(OPEN_STATUSES),
        )
        self.by_contract: dict[str, OpenCase] = {}
        self.by_bsn: dict[str, OpenCase] = {}
        for row in db.session.execute(stmt.execution_options(yield_per=2000)):
            old = _old(row)
            found = OpenCase(
                row[0],
                Case.number_of(row[3], row[1], row[0]),
                row[1] or "",
                _fingerprint(old, self.compared),
            )
            if row[1]:
                self.by_contract[contract_key(row[1])] = found
            self.by_bsn.setdefault(row[2], found)

    def match(
        self, values: dict[str, Any]
    ) -> tuple[OpenCase | None, list[dict[str, str]], list[dict[str, str]]]:
        """The open case a row updates, or None for a new one; with errors and notes."""
        contract = values.get("contractnummer", "")
        by_bsn = self.by_bsn.get(values["bsn"])
        if not contract:
            return by_bsn, [], []
        found = self.by_contract.get(contract_key(contract))
        if found is not None:
            notes = []
            if found.contract != contract:
                notes.append(
                    problem(
                        "contractnummer",
                        f"'{contract}' hoort bij zaak {found.number} met contractnummer "
                        f"{found.contract}: het spreadsheet liet de voorloopnullen weg. Het "
                        "nummer blijft zoals het was.",
                    )
                )
            if by_bsn is not None and by_bsn.id != found.id:
                return None, [_second_case(by_bsn, f"contractnummer {contract} hoort bij zaak "
                                           f"{found.number}")], notes  # fmt: skip
            return found, [], notes
        if by_bsn is None:
            return None, [], []
        if not by_bsn.contract:
            return by_bsn, [], []  # the open case gets its contract number
        return None, [_second_case(by_bsn, f"met contractnummer {by_bsn.contract}")], []

    def unchanged(self, case: OpenCase, values: dict[str, Any]) -> bool:
        """Whether a row says of every compared column what the case holds (without reading it)."""
        if self.preference_unknown and values.get("communicatievoorkeur") is None:
            return False
        contract = values.get("contractnummer")
        if contract and contract_key(contract) != contract_key(case.contract):
            return False  # the case gets its contract number
        full = dict(values)
        if full.get("communicatievoorkeur", "") is None:
            full["communicatievoorkeur"] = "EMAIL" if full.get("email") else "LETTER"
        return _fingerprint(full, self.compared) == case.fingerprint

    def stored(self, case_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The stored values of these cases, by id (one query)."""
        if not case_ids:
            return {}
        rows = db.session.execute(self._base.where(Case.id.in_(case_ids)))
        return {row[0]: _old(row) for row in rows}


def _second_case(case: OpenCase, why: str) -> dict[str, str]:
    return problem(
        "bsn",
        f"Dit BSN heeft al een open heronderzoek: zaak {case.number}; een tweede wordt niet "
        f"aangemaakt ({why}). Controleer het contractnummer.",
    )
