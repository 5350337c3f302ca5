"""A municipality's zaaksysteem settings, checked against its Catalogi before they are kept.

Turned on, the settings must point at a zaaktype that answers with these credentials,
is published, and owns the besluittype and informatieobjecttypen given; every problem
is refused in Dutch naming its field. The mapping of our statuses and outcomes to the
zaaktype's statustypen and resultaattypen is proposed from their order and descriptions
and can be changed; a mapping given is checked to use the zaaktype's own types.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from ...extensions import db
from ...models import Case, CaseStatus, Municipality, ZgwEvent
from .. import bsn, tenancy
from ..errors import ValidationError
from ..unit import unit_of_work
from . import events
from .client import Credentials, ZgwClient, ZgwError

URL_FIELDS = [
    "zgw_catalogi_url",
    "zgw_zaken_url",
    "zgw_documenten_url",
    "zgw_besluiten_url",
]
TYPE_FIELDS = [
    "zgw_zaaktype",
    "zgw_informatieobjecttype",
    "zgw_informatieobjecttype_inkomend",
    "zgw_besluittype",
]
# The settings a Beheerder edits (the secret is write-only: it is never shown back).
FIELDS = [
    "zgw_enabled",
    *URL_FIELDS,
    "zgw_client_id",
    "zgw_secret",
    "zgw_rsin",
    *TYPE_FIELDS,
    "zgw_status_mapping",
    "zgw_result_mapping",
]
READABLE_FIELDS = [name for name in FIELDS if name != "zgw_secret"]
REQUIRED = [*URL_FIELDS, "zgw_client_id", "zgw_secret", "zgw_rsin", "zgw_zaaktype",
            "zgw_informatieobjecttype", "zgw_besluittype"]  # fmt: skip
OUTCOMES = {"GRANTED": ("toegek",), "REJECTED": ("afgew",),
            "ABORTED": ("buiten behandeling", "afgebroken", "ingetrokken")}  # fmt: skip
_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")


def _problem(field: str, message: str) -> dict[str, str]:
    return {"veld": field, "melding": message}


def _formats(values: dict[str, Any]) -> list[dict[str, str]]:
    problems = []
    for name in [*URL_FIELDS, *TYPE_FIELDS]:
        value = values.get(name)
        if value and not _URL.match(str(value)):
            problems.append(_problem(name, "Geef een volledig adres (https://...)."))
    for name in ("zgw_status_mapping", "zgw_result_mapping"):
        value = values.get(name)
        if value is not None and not (
            isinstance(value, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        ):
            problems.append(_problem(name, "Geef een object met per code het adres van het type."))
    rsin = values.get("zgw_rsin")
    if rsin and not bsn.is_valid(str(rsin)):
        problems.append(_problem("zgw_rsin", "Een RSIN heeft negen cijfers en klopt met de "
                                 "elfproef."))  # fmt: skip
    return problems


def _read(client: ZgwClient, url: str, field: str, what: str) -> dict[str, Any]:
    try:
        found = client.get(url)
    except ZgwError as exc:
        if exc.status == 404:
            raise ValidationError([_problem(field, f"Dit {what} bestaat niet in het "
                                            "zaaksysteem.")]) from None  # fmt: skip
        if exc.status in (401, 403):
            raise ValidationError([_problem("zgw_client_id", exc.message)]) from None
        raise ValidationError([_problem(field, exc.message)]) from None
    if not isinstance(found, dict):
        raise ValidationError([_problem(field, f"Dit adres geeft geen {what}.")])
    return found


def _results(client: ZgwClient, catalogi: str, zaaktype: str, kind: str) -> list[dict]:
    found = client.get(f"{catalogi.rstrip('/')}/{kind}", params={"zaaktype": zaaktype})
    return list(found.get("results", [])) if isinstance(found, dict) else []


def propose_status_mapping(statustypen: list[dict[str, Any]]) -> dict[str, str]:
    """Our statuses to the zaaktype's statustypen, by order and description."""
    ordered = sorted(statustypen, key=lambda s: s.get("volgnummer", 0))
    first, last = ordered[0]["url"], ordered[-1]["url"]
    working = ordered[1]["url"] if len(ordered) > 2 else first
    asking = next(
        (s["url"] for s in ordered[1:-1]
         if re.search(r"aanvull|opgevraagd|informatie", s.get("omschrijving", ""), re.I)),
        working,
    )  # fmt: skip
    mapping = {status.name: working for status in CaseStatus}
    mapping.update(NEW=first, INFO_REQUESTED=asking, DECIDED=last, ABORTED=last)
    return mapping


def propose_result_mapping(resultaattypen: list[dict[str, Any]]) -> dict[str, str]:
    """Our outcomes (granted, rejected, aborted) to the zaaktype's resultaattypen."""
    mapping = {}
    for outcome, words in OUTCOMES.items():
        for item in resultaattypen:
            text = f"{item.get('omschrijving', '')} {item.get('omschrijvingGeneriek', '')}"
            if any(word in text.lower() for word in words):
                mapping[outcome] = item["url"]
                break
    return mapping


def check(values: dict[str, Any]) -> dict[str, Any]:
    """Check the settings; answers the (proposed or checked) mappings to keep with them.

    `values` holds every setting as it will be saved (the stored secret when none is
    given). Off: only the formats are checked.
    """
    problems = _formats(values)
    if not values.get("zgw_enabled"):
        if problems:
            raise ValidationError(problems)
        return {}
    problems += [_problem(name, "Vul dit in om de registratie aan te zetten.")
                 for name in REQUIRED if not values.get(name)]  # fmt: skip
    if problems:
        raise ValidationError(problems)
    client = ZgwClient(Credentials(values["zgw_client_id"], values["zgw_secret"]))
    zaaktype = _read(client, values["zgw_zaaktype"], "zgw_zaaktype", "zaaktype")
    if zaaktype.get("concept"):
        raise ValidationError([_problem("zgw_zaaktype", "Dit zaaktype is nog niet gepubliceerd "
                                        "(concept).")])  # fmt: skip
    besluittype = _read(client, values["zgw_besluittype"], "zgw_besluittype", "besluittype")
    if values["zgw_besluittype"] not in zaaktype.get("besluittypen", []):
        problems.append(_problem("zgw_besluittype", "Dit besluittype hoort niet bij het zaaktype."))
    elif besluittype.get("concept"):
        problems.append(_problem("zgw_besluittype", "Dit besluittype is nog niet gepubliceerd."))
    for name in ("zgw_informatieobjecttype", "zgw_informatieobjecttype_inkomend"):
        url = values.get(name)
        if url and url not in zaaktype.get("informatieobjecttypen", []):
            problems.append(_problem(name, "Dit informatieobjecttype hoort niet bij het zaaktype."))
    if problems:
        raise ValidationError(problems)
    catalogi = values["zgw_catalogi_url"]
    try:
        statustypen = _results(client, catalogi, values["zgw_zaaktype"], "statustypen")
        resultaattypen = _results(client, catalogi, values["zgw_zaaktype"], "resultaattypen")
    except ZgwError as exc:
        raise ValidationError([_problem("zgw_catalogi_url", exc.message)]) from None
    if len(statustypen) < 2:
        too_few = "Het zaaktype heeft te weinig statustypen (minstens een begin en een eind)."
        raise ValidationError([_problem("zgw_zaaktype", too_few)])
    return {
        "zgw_status_mapping": _mapping(
            values.get("zgw_status_mapping"), propose_status_mapping(statustypen),
            {s["url"] for s in statustypen}, "zgw_status_mapping", "statustype",
        ),
        "zgw_result_mapping": _mapping(
            values.get("zgw_result_mapping"), propose_result_mapping(resultaattypen),
            {r["url"] for r in resultaattypen}, "zgw_result_mapping", "resultaattype",
        ),
    }  # fmt: skip


def _mapping(given: Any, proposed: dict[str, str], allowed: set[str], field: str,
             what: str) -> dict[str, str]:  # fmt: skip
    """The Beheerder's mapping over the proposal, every type one of the zaaktype's own."""
    chosen = dict(proposed)
    if given:
        if not isinstance(given, dict):
            raise ValidationError([_problem(field, "Geef per code een adres.")])
        chosen.update({str(k): v for k, v in given.items() if v})
    wrong = sorted(k for k, v in chosen.items() if v not in allowed)
    if wrong:
        raise ValidationError([_problem(field, f"Geen {what} van het zaaktype bij: "
                                        f"{', '.join(wrong)}.")])  # fmt: skip
    if field == "zgw_result_mapping":
        missing = [k for k in OUTCOMES if k not in chosen]
        if missing:
            raise ValidationError([_problem(field, f"Kies een resultaattype voor: "
                                            f"{', '.join(missing)}.")])  # fmt: skip
    return chosen


def values_of(municipality: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """The settings as they will be: the stored ones with the changes (an empty secret
    keeps the stored one)."""
    values = {name: getattr(municipality, name) for name in FIELDS}
    values.update({k: v for k, v in changes.items() if k in FIELDS})
    if not changes.get("zgw_secret"):
        values["zgw_secret"] = municipality.zgw_secret
    return values


def for_screen(municipality_id: int, user: Any = None) -> Any:
    """The municipality whose zaaksysteem settings the user may see (their organisation)."""
    municipality = db.session.get(Municipality, municipality_id)
    if municipality is None or not tenancy.in_scope(Municipality, municipality_id, user):
        raise tenancy.NotFound()
    return municipality


def save(municipality_id: int, changes: dict[str, Any], user: Any = None) -> Any:
    """Check and keep a municipality's zaaksysteem settings (one unit; audited, no secret)."""
    from ..security import audit

    with unit_of_work(user) as work:
        municipality = for_screen(municipality_id, work.user)
        values = values_of(municipality, changes)
        mappings = check(values)
        turned_on = values.get("zgw_enabled") and not municipality.zgw_enabled
        for name in FIELDS:
            setattr(municipality, name, values.get(name))
        for name, value in mappings.items():
            setattr(municipality, name, value)
        if turned_on:
            events.register_open_cases(municipality.id, work.now)
        audit.object_changed("municipality", municipality.id, "zaaksysteem")
    return municipality


def backlog(municipality_id: int) -> int:
    """How many events of the municipality's cases still wait (the progress on the screen)."""
    return db.session.scalar(
        select(func.count(ZgwEvent.id))
        .join(Case, Case.id == ZgwEvent.case_id)
        .where(Case.municipality_id == municipality_id, ZgwEvent.delivered_on.is_(None))
    ) or 0  # fmt: skip


def connection_check(municipality_id: int, user: Any = None) -> dict[str, Any]:
    """ "Verbinding testen": read the zaaktype and its types with the stored settings."""
    municipality = for_screen(municipality_id, user)
    values = values_of(municipality, {"zgw_enabled": True})
    check(values)  # refuses in Dutch, naming the field, like saving does
    client = ZgwClient(Credentials(values["zgw_client_id"], values["zgw_secret"]))
    zaaktype = client.get(values["zgw_zaaktype"])
    catalogi = values["zgw_catalogi_url"]
    return {
        "zaaktype": zaaktype.get("omschrijving") or zaaktype.get("identificatie"),
        "statustypen": _results(client, catalogi, values["zgw_zaaktype"], "statustypen"),
        "resultaattypen": _results(client, catalogi, values["zgw_zaaktype"], "resultaattypen"),
    }
