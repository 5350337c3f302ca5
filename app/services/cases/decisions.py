"""Decide a case and send its beschikking (module `decisions`; DESIGN.md 4.3, seed 003).

The municipality's template gives the letter its own words; the parts the Algemene
wet bestuursrecht requires are always added by the product, so an edited template
can never drop them: the decision for whom, the grounds with the figures that carried
it, the period it covers, and the objection clause (bezwaar within six weeks, to whom,
how; Awb 6:5, 6:7, 3:45).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from ...extensions import db
from ...formatting import amount_nl, date_nl, percentage_nl, person_name, today_nl
from ...labels import FIELD_LABELS
from ...models import (
    Case,
    CaseStatus,
    Channel,
    Decision,
    FourEyes,
    RejectionReason,
    SignalKind,
    TemplateEvent,
)
from ...roles import current_user
from .. import tenancy
from ..errors import Conflict, Forbidden, ValidationError
from ..messaging import outbox, templating
from ..onboarding import municipalities
from ..security import audit
from ..unit import Work, acting, unit_of_work
from . import workflow

DECIDABLE = {"GRANTED": Decision.GRANTED, "REJECTED": Decision.REJECTED}
MODULE_OFF = "Deze gemeente heeft de module besluiten niet."

# Shown for a user that is not there (no handler, a removed account).
UNKNOWN = "onbekend"


def period(case: Case, decided: dt.date) -> tuple[dt.date, dt.date]:
    """From the insurance start (else the next month's first day) to 31 December."""
    next_month = (decided.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    start = case.insurance_start or next_month
    return start, dt.date(start.year, 12, 31)


def persons(case: Case) -> str:
    """Whom the decision covers: the applicant, and the partner of a couple."""
    names = [case.applicant.full_name]
    if case.partner is not None:
        # A partner found in the sources who never delivered is known by BSN only.
        names.append(case.partner.full_name or "uw partner")
    return " en ".join(names)


def _money(value: Any) -> str:
    """An amount that never breaks between the euro sign and its figure."""
    return amount_nl(value).replace(" ", "\u00a0")


def _income_steps(calc: dict[str, Any], case: Case) -> list[str]:
    """How the income and its limit were found, step by step, in plain Dutch (B1)."""
    couple = (calc.get("huishouden") or "").startswith("COUPLE")
    together = " en die van uw partner samen" if couple else ""
    on = date_nl(dt.date.fromisoformat(calc["peildatum"]))
    lines = [
        f"Uw inkomen. Wij tellen uw netto inkomsten per maand{together} op: "
        f"{_money(calc['inkomen'])} per maand (op {on}). Toeslagen zoals zorgtoeslag, "
        "huurtoeslag, kindgebonden budget en kinderbijslag tellen niet mee."
    ]
    if any("1,08" in (line.get("toelichting") or "") for line in calc.get("inkomsten") or []):
        lines.append(
            "In een deel van uw inkomen zat vakantiegeld. Dat hebben wij eruit gehaald: het "
            "bedrag met vakantiegeld is 108 procent, dus wij delen het door 1,08."
        )
    factor = str(calc.get("vakantiegeldfactor"))
    norm = (
        f"De inkomensgrens. De bijstandsnorm voor uw huishouden is {_money(calc['norm'])} per "
        "maand. Daarin zit vakantiegeld."
    )
    if factor == "0.95":
        norm += (
            " Omdat wij uw inkomen zonder vakantiegeld bekijken, halen wij het vakantiegeld ook "
            "uit de norm: wij rekenen met 95 procent ervan."
        )
    norm += (
        f" De gemeente {case.municipality.name} geeft een bijdrage tot "
        f"{percentage_nl(calc['percentage'])} van die norm. Zo komt de grens op "
        f"{_money(calc['inkomensgrens'])} per maand."
    )
    lines.append(norm)
    return lines


def _positive(value: Any) -> bool:
    """Whether a stored figure ("0.00", "125.50", a bool, None) is more than zero."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    try:
        return Decimal(str(value)) > 0
    except ArithmeticError:
        return False


def _asset_steps(calc: dict[str, Any]) -> list[str]:
    """How the assets were counted, in plain Dutch (B1)."""
    text = "Uw vermogen. Wij tellen uw spaargeld, uw rekeningen en uw andere bezittingen op"
    if _positive(calc.get("overwaarde_meegeteld")):
        text += ", ook de overwaarde van uw huis voor zover die boven de grens daarvoor ligt"
    text += "."
    if calc.get("schulden_aftrekken") and _positive(calc.get("schulden_afgetrokken")):
        text += (
            f" Uw schulden ({_money(calc['schulden_afgetrokken'])}) halen wij daar vanaf, "
            "behalve een studieschuld: die telt niet mee."
        )
    text += (
        f" Uw vermogen is dan {_money(calc['vermogen'])}. De vermogensgrens voor uw huishouden "
        f"is {_money(calc['vermogensgrens'])}."
    )
    return [text]


def grounds(case: Case) -> list[str]:
    """The grounds with the figures of the advice that carried the decision, explained (B1)."""
    calc = case.advice_calculation or {}
    lines = []
    if calc.get("inkomensgrens"):
        lines += _income_steps(calc, case)
    if calc.get("vermogen_toetsen") and calc.get("vermogensgrens"):
        lines += _asset_steps(calc)
    reasons = case.decision_reasons or []
    if case.decision == Decision.REJECTED:
        if "INCOME_TOO_HIGH" in reasons:
            lines.append("Uw inkomen is hoger dan de inkomensgrens.")
        if "ASSETS_TOO_HIGH" in reasons:
            lines.append("Uw vermogen is hoger dan de vermogensgrens.")
    elif case.decision == Decision.GRANTED and calc:
        lines.append("Uw inkomen en vermogen zijn niet hoger dan de grenzen.")
    if case.decision_explanation:
        lines.append(case.decision_explanation)
    if not calc:
        lines.append("Het besluit is genomen op grond van de gegevens en stukken in uw dossier.")
    return lines


def missing_parts(municipality: Any) -> list[str]:
    """The Dutch names of the beschikking's parts the municipality has left empty."""
    return [
        FIELD_LABELS.get(name, name)
        for name in municipalities.BESCHIKKING_FIELDS
        if not (getattr(municipality, name, None) or "").strip()
    ]


def official(user: Any, municipality: Any) -> str:
    """The deciding official: name and function (their own, else the municipality's default)."""
    name = " ".join(
        part for part in (getattr(user, "first_name", ""), getattr(user, "last_name", "")) if part
    )
    function = (getattr(user, "job_title", None) or "").strip() or (
        municipality.official_function or ""
    )
    return ", ".join(part for part in (name, function) if part)


def objection_clause(case: Case) -> str:
    """Bezwaar: within six weeks, to the college of the municipality, in writing, signed."""
    m = case.municipality
    address = ", ".join(line.strip() for line in (m.sender_address or "").splitlines() if line)
    to = f"het college van burgemeester en wethouders van de gemeente {m.name}"
    return (
        "Bent u het niet eens met dit besluit? Dan kunt u binnen zes weken na de datum van "
        f"deze brief bezwaar maken bij {to}" + (f", {address}" if address else "") + ". "
        "Uw bezwaarschrift moet ondertekend zijn en bevat ten minste: uw naam en adres, de "
        "datum, het zaaknummer of een kopie van dit besluit, en waarom u het niet eens bent "
        "met het besluit."
    )


def beschikking_block(case: Case, decided: dt.date, user: Any = None) -> str:
    """The mandatory part of the beschikking, added after the template's own text."""
    m = case.municipality
    start, end = period(case, decided)
    granted = case.decision == Decision.GRANTED
    outcome = "toegekend" if granted else "afgewezen"
    lines = [
        "Het besluit",
        f"Op {date_nl(decided)} is uw aanvraag of heronderzoek met zaaknummer {case.number} "
        f"{outcome}. Dit besluit geldt voor {persons(case)}.",
        "",
    ]
    if granted:
        what = (m.granted_text or "").strip()
        if case.insurer:
            package = f", pakket {case.insurance_package}" if case.insurance_package else ""
            what += f" Uw zorgverzekeraar: {case.insurer}{package}."
        lines += ["Wat u krijgt", what, ""]
    lines += ["Waarom", *grounds(case), ""]
    if granted:
        lines += ["Periode", f"Dit besluit geldt van {date_nl(start)} tot en met {date_nl(end)}.",
                  ""]  # fmt: skip
    lines += [
        "Waarop dit besluit rust",
        f"Wij nemen dit besluit op grond van {m.legal_basis_article} en de "
        f"{m.legal_basis_regulation}.",
        "",
    ]
    if granted:
        lines += ["Wijzigingen doorgeven", (m.duty_to_report_text or "").strip(), ""]
    lines += [
        "Bezwaar maken",
        objection_clause(case),
        "",
        f"Dit besluit is genomen {m.mandate_text} door {official(user, m)}.",
    ]
    return "\n".join(lines)


def _parse(decision: Any, reasons: Any, explanation: Any) -> tuple[Decision, list[str], str]:
    problems = []
    chosen = DECIDABLE.get(str(decision)) if decision is not None else None
    if chosen is None:
        problems.append({"veld": "besluit", "melding": "Kies GRANTED of REJECTED."})
    codes = reasons if isinstance(reasons, list) else []
    if reasons is not None and not isinstance(reasons, list):
        problems.append({"veld": "redenen", "melding": "Geef een lijst met redenen."})
    if any(not isinstance(code, str) for code in codes):
        # Every item of the list is type-checked: [{}] or [1] is bad input, not a fault.
        problems.append({"veld": "redenen", "melding": "Elke reden is een code als tekst, "
                         "bijvoorbeeld INCOME_TOO_HIGH."})  # fmt: skip
        codes = [code for code in codes if isinstance(code, str)]
    unknown = [c for c in codes if c not in RejectionReason.__members__]
    if unknown:
        problems.append({"veld": "redenen", "melding": f"Onbekende reden: {unknown[0]}."})
    text = explanation.strip() if isinstance(explanation, str) else ""
    if chosen == Decision.REJECTED and not codes:
        problems.append({"veld": "redenen", "melding": "Geef bij een afwijzing de reden(en)."})
    if chosen == Decision.GRANTED and codes:
        problems.append({"veld": "redenen", "melding": "Een toekenning heeft geen redenen."})
    if "CUSTOM" in codes and not text:
        problems.append({"veld": "toelichting", "melding": "Licht de aangepaste reden toe."})
    if len(text) > 5000:
        problems.append({"veld": "toelichting", "melding": "Maximaal 5000 tekens."})
    if problems:
        raise ValidationError(problems)
    return chosen, list(dict.fromkeys(codes)), text


def _event(decision: Decision) -> TemplateEvent:
    return (
        TemplateEvent.DECISION_GRANTED
        if decision == Decision.GRANTED
        else TemplateEvent.DECISION_REJECTED
    )


NO_DATA = (
    "Deze zaak heeft geen gegevens van Ockto, dus de beschikking kan geen bedragen noemen. "
    "Geef in de toelichting de grond van het besluit (bijvoorbeeld de stukken die u beoordeelde)."
)


def has_data(case: Case) -> bool:
    """Whether the case has delivered data (an Ockto delivery) the grounds can rest on."""
    return bool(case.advice_calculation) or bool(case.deliveries)


def _decidable(case_id: int, decision: Any, reasons: Any, explanation: Any,
               user: Any) -> tuple[Case, Decision, list[str], str]:  # fmt: skip
    """The case (organisation, module, status checked) and the parsed decision."""
    case = tenancy.get_case(case_id, user)
    if not case.municipality.module_decisions:
        raise Forbidden(MODULE_OFF)
    chosen, codes, text = _parse(decision, reasons, explanation)
    workflow.check(case, "decide", user)
    missing = missing_parts(case.municipality)
    if missing:
        raise Conflict(
            "De beschikking kan niet worden verstuurd: vul eerst in bij Beheer > Gemeenten "
            f"(Beschikking): {', '.join(missing)}."
        )
    if not text and not has_data(case):
        # Without data a beschikking would grant or reject on grounds with no figures.
        raise ValidationError([{"veld": "toelichting", "melding": NO_DATA}])
    return case, chosen, codes, text


def confirmation(case_id: int, decision: Any, reasons: Any = None, explanation: Any = None,
                 user: Any = None) -> dict[str, Any]:  # fmt: skip
    """What "Akkoord en verzenden" will do, checked but not done: for whom, which, how."""
    user = user if user is not None else current_user()
    case, chosen, codes, text = _decidable(case_id, decision, reasons, explanation, user)
    channel = outbox.channel_for(case)
    recipient = case.applicant.email if channel == Channel.EMAIL else ", ".join(
        outbox.letter_address(case)
    )  # fmt: skip
    return {
        "case": case,
        "decision": chosen,
        "reasons": [RejectionReason[c] for c in codes],
        "explanation": text,
        "persons": persons(case),
        "channel": channel,
        "recipient": recipient,
    }


def preview_mandatory_text(case: Case, event: TemplateEvent) -> str:
    """The mandatory part of a beschikking for a made-up case (template Voorbeeld)."""
    today = today_nl()
    granted = event == TemplateEvent.DECISION_GRANTED
    case.decision = Decision.GRANTED if granted else Decision.REJECTED
    case.decision_reasons = [] if granted else ["INCOME_TOO_HIGH"]
    case.advice_calculation = {
        "inkomen": "1542.10" if granted else "1811.45",
        "inkomensgrens": "1690.79",
        "norm": "1369.06",
        "vakantiegeldfactor": "0.95",
        "percentage": "130",
        "peildatum": today.isoformat(),
    }
    return beschikking_block(case, today, SimpleNamespace(first_name="Jan", last_name="Jansen"))


def preview(case_id: int, decision: Any, reasons: Any = None, explanation: Any = None,
            user: Any = None, now: dt.datetime | None = None) -> bytes:  # fmt: skip
    """The beschikking as it would be sent (PDF), without storing anything."""
    work = acting(user, now)
    case, chosen, codes, text = _decidable(case_id, decision, reasons, explanation, work.user)
    with db.session.no_autoflush:
        case.decision, case.decision_reasons, case.decision_explanation = chosen, codes, text
        try:
            return _letter_pdf(case, chosen, work.now, work.user)
        finally:
            db.session.expire(case)


def needs_approval(case: Case, decision: Decision) -> bool:
    """Whether the municipality's four-eyes setting makes this decision wait for approval."""
    four_eyes = case.municipality.four_eyes
    return four_eyes == FourEyes.ALL or (
        four_eyes == FourEyes.REJECTIONS and decision == Decision.REJECTED
    )


def _send(case: Case, work: Work, decider: Any) -> str:
    """Queue the decided case's beschikking, in the decider's name; answers how it goes."""
    extra = beschikking_block(case, workflow.today(work.now), decider)
    message = outbox.queue(case, _event(case.decision), now=work.now, extra=extra)
    email = message is not None and message.channel == Channel.EMAIL
    return "per e-mail met de beschikking als bijlage" if email else "als brief in de printbatch"


def decide(case_id: int, decision: Any, reasons: Any = None, explanation: Any = None,
           user: Any = None, now: dt.datetime | None = None) -> Case:  # fmt: skip
    """Decide and send the beschikking (DECIDED), or, with four eyes, submit it for approval.

    A decision that needs a second person waits in AWAITING_APPROVAL with everything the
    beschikking needs; nothing is sent until another official approves it.
    """
    with unit_of_work(user, now) as work:
        case, chosen, codes, text = _decidable(case_id, decision, reasons, explanation, work.user)
        values = {
            "decision": chosen, "decision_reasons": codes or None,
            "decision_explanation": text or None, "decided_on": work.now,
            "decided_by_id": getattr(work.user, "id", None), "approved_by_id": None,
            "approved_on": None, "previous_status": None,
        }  # fmt: skip
        if needs_approval(case, chosen):
            workflow.transition(case, "submit", work, f"Besluit ter goedkeuring voorgelegd: "
                                f"{chosen.label}", values=values)  # fmt: skip
            audit.object_changed("case", case.id, f"submit:{chosen.name}")
            return case
        line = workflow.transition(case, "decide", work, f"Besluit: {chosen.label}", values=values)
        line.description += f"; beschikking {_send(case, work, work.user)}"
        audit.object_changed("case", case.id, f"decide:{chosen.name}")
    return case


def _awaiting(case_id: int, work: Work) -> Case:
    """A case of the user's organisation whose decision waits for approval."""
    case = tenancy.get_case(case_id, work.user)
    if not case.municipality.module_decisions:
        raise Forbidden(MODULE_OFF)
    if case.status != CaseStatus.AWAITING_APPROVAL:
        raise Conflict("Deze zaak heeft geen besluit dat op goedkeuring wacht.")
    return case


def approve(case_id: int, user: Any = None, now: dt.datetime | None = None) -> Case:
    """A second official approves the waiting decision: DECIDED, the beschikking is sent."""
    with unit_of_work(user, now) as work:
        case = _awaiting(case_id, work)
        if case.decided_by_id is not None and case.decided_by_id == getattr(work.user, "id", None):
            raise Conflict("U kunt uw eigen besluit niet goedkeuren: een collega keurt het goed.")
        decider = case.decided_by
        line = workflow.transition(
            case, "approve", work, f"Besluit: {case.decision.label}, genomen door "
            f"{person_name(decider, UNKNOWN)} en goedgekeurd door "
            f"{person_name(work.user, UNKNOWN)}", event="approve",
            values={"approved_by_id": getattr(work.user, "id", None), "approved_on": work.now,
                    "decided_on": work.now},
        )  # fmt: skip
        line.description += f"; beschikking {_send(case, work, decider)}"
        audit.object_changed("case", case.id, f"approve:{case.decision.name}")
    return case


def send_back(case_id: int, reason: Any, user: Any = None,
              now: dt.datetime | None = None) -> Case:  # fmt: skip
    """Send a waiting decision back to its decider with a reason (back to DATA_RECEIVED)."""
    from ..messaging import signals

    with unit_of_work(user, now) as work:
        case = _awaiting(case_id, work)
        text = workflow.reason_of(reason, "reden", "het terugsturen")
        decider_id = case.decided_by_id
        workflow.transition(case, "send_back", work, f"Besluit teruggestuurd: {text}", values={
            "decision": None, "decision_reasons": None, "decision_explanation": None,
            "decided_on": None, "decided_by_id": None})  # fmt: skip
        if decider_id is not None:
            signals.raise_signal(case, SignalKind.SENT_BACK, f"sent-back:{work.now.isoformat()}",
                                 work.now, user_id=decider_id)  # fmt: skip
        audit.object_changed("case", case.id, "send_back")
    return case


def pending_preview(case_id: int, user: Any = None, now: dt.datetime | None = None) -> bytes:
    """The waiting decision's beschikking as it will be sent (PDF), stored nothing."""
    work = acting(user, now)
    case = _awaiting(case_id, work)
    return _letter_pdf(case, case.decision, work.now, case.decided_by)


def _letter_pdf(case: Case, decision: Decision, now: dt.datetime, official: Any) -> bytes:
    """The beschikking's letter as it would be sent at `now`, dated with the Dutch date."""
    today = workflow.today(now)
    rendered = outbox.render_message(
        case, _event(decision), Channel.LETTER, templating.context_for(case, today=today),
        today, extra=beschikking_block(case, today, official),
    )  # fmt: skip
    return rendered.pdf or b""
