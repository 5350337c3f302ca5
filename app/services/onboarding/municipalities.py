"""Municipality set-up: creating one with its default templates."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ...extensions import db
from ...models import Municipality, Organisation, Template
from ..messaging.template_defaults import DEFAULT_TEMPLATES
from ..unit import transactional

# The fields a Beheerder sets on "Beheer > Algemeen" and the house style, shared by the
# settings screen and the REST API so both offer exactly the same.
SETTING_FIELDS = [
    "check_mode",
    "uses_allowlist",
    "reminders_enabled",
    "reminder_days",
    "module_ockto",
    "module_legitimacy",
    "module_decisions",
    "four_eyes",
    "income_percentage",
    "income_includes_holiday_allowance",
    "advice_margin_percentage",
    "check_assets",
    "deduct_debts",
    "max_data_age_days",
    "info_request_days",
]
# What each setting means, shown beside it on the settings screen and the set-up checklist.
SETTING_HELP = {
    "check_mode": "Toetsen vooraf: een aanvrager wordt uitgenodigd om gegevens door te geven en "
    "krijgt pas een besluit na de toets. Toetsen achteraf: een aanvraag wordt meteen toegekend "
    "(zonder onderzoek) en later getoetst.",
    "uses_allowlist": "Aan: een aanvrager die in de bestandscheck staat (bijvoorbeeld omdat hij "
    "al bijstand krijgt) wordt meteen toegekend, zonder gegevens op te vragen.",
    "reminders_enabled": "Aan: inwoners met voorkeur e-mail die nog geen gegevens doorgaven, "
    "krijgen automatisch een herinnering.",
    "reminder_days": "Dagen na de uitnodiging waarop een herinnering gaat; standaard 5, 10 en 14.",
    "module_ockto": "Uitnodigen en gegevens ophalen via de Ockto-app (ook voor heronderzoeken).",
    "module_legitimacy": "Het automatische advies Toekennen / Onderzoeken / Afwijzen.",
    "module_decisions": "Besluiten nemen en de beschikking maken en versturen.",
    "four_eyes": "Vier-ogenprincipe: een besluit wacht op de goedkeuring van een tweede "
    "medewerker of beheerder voordat de beschikking wordt verstuurd (uit, alleen afwijzingen, "
    "of alle besluiten). Wie het besluit nam, keurt het niet zelf goed.",
    "income_percentage": "De inkomensgrens als percentage van de bijstandsnorm, bijvoorbeeld 130.",
    "income_includes_holiday_allowance": "Uit: het inkomen wordt vergeleken met de norm zonder "
    "vakantiegeld (norm × 0,95), zoals de meeste gemeenten doen.",
    "advice_margin_percentage": "Ligt inkomen of vermogen hoogstens zoveel procent boven de "
    "grens, dan is het advies Onderzoeken in plaats van Afwijzen.",
    "check_assets": "Aan: het vermogen wordt getoetst aan de vermogensgrens.",
    "deduct_debts": "Aan: schulden (behalve studieschuld) worden van het vermogen afgetrokken.",
    "max_data_age_days": "Zijn de inkomensgegevens ouder dan dit aantal dagen, dan is het advies "
    "Onderzoeken.",
    "info_request_days": "De standaardtermijn om aanvullende informatie aan te leveren.",
}
# New municipalities start with every module, reminders and the asset test on.
NEW_MUNICIPALITY_DEFAULTS: dict[str, Any] = {
    "module_ockto": True,
    "module_legitimacy": True,
    "module_decisions": True,
    "reminders_enabled": True,
    "check_assets": True,
    "deduct_debts": True,
    "uses_allowlist": False,
    "income_includes_holiday_allowance": False,
}
# The beschikking's parts the law asks for; sending is refused while one is empty.
BESCHIKKING_FIELDS = [
    "legal_basis_regulation",
    "legal_basis_article",
    "mandate_text",
    "official_function",
    "granted_text",
    "duty_to_report_text",
]


def beschikking_defaults(name: str) -> dict[str, str]:
    """Sound defaults for a small municipality's beschikking, which a Beheerder can change."""
    return {
        "legal_basis_regulation": (
            f"Beleidsregels collectieve zorgverzekering minima gemeente {name}"
        ),
        "legal_basis_article": "artikel 35 van de Participatiewet",
        "mandate_text": (
            f"namens het college van burgemeester en wethouders van de gemeente {name}"
        ),
        "official_function": "medewerker minimaregelingen",
        "granted_text": (
            "U krijgt een bijdrage van de gemeente in de premie van uw zorgverzekering bij de "
            "Gemeentepolis. De gemeente betaalt de bijdrage rechtstreeks aan uw zorgverzekeraar. "
            "U betaalt zelf dus een lagere premie; u hoeft daarvoor niets te doen."
        ),
        "duty_to_report_text": (
            "Verandert er iets in uw inkomen, uw vermogen, uw gezin (bijvoorbeeld een partner "
            "die bij u komt wonen) of uw adres? Geef dat dan binnen twee weken door aan de "
            f"gemeente {name}, per brief of e-mail, met uw zaaknummer. Dat moet volgens de wet "
            "(artikel 17 van de Participatiewet). Geeft u een wijziging niet door, dan kan de "
            "gemeente de bijdrage terugvragen."
        ),
    }


HOUSE_STYLE_FIELDS = ["sender_name", "sender_address", "signature", "footer", "primary_color"]
MAX_REMINDERS = 3
# Bounds of the numeric settings, shared by the settings screen and the REST API.
SETTING_BOUNDS: dict[str, tuple[Any, Any]] = {
    "income_percentage": (Decimal("50"), Decimal("300")),
    "advice_margin_percentage": (Decimal("0"), Decimal("50")),
    "max_data_age_days": (1, 730),
    "info_request_days": (1, 90),
}
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
COLOUR_MESSAGE = "Geef een kleur als #rrggbb, bijvoorbeeld #1f4e79."


def bound_message(name: str) -> str:
    """The Dutch message for a setting outside its bounds."""
    low, high = SETTING_BOUNDS[name]
    return f"Kies een waarde van {low} tot en met {high}."


def reminder_days_error(days: Any) -> str | None:
    """The Dutch reason why `days` is no valid reminder schedule, or None when it is."""
    if not isinstance(days, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) for d in days
    ):
        return "Geef hele dagen na de uitnodiging, bijvoorbeeld 5, 10, 14."
    if any(d < 1 or d > 365 for d in days):
        return "Elke herinneringsdag ligt tussen 1 en 365."
    if len(set(days)) != len(days) or len(days) > MAX_REMINDERS:
        return f"Maximaal {MAX_REMINDERS} verschillende herinneringsdagen."
    return None


def add_default_templates(municipality: Municipality) -> None:
    """Copy the product's Dutch default texts to a municipality that lacks them."""
    existing = {t.event for t in db.session.query(Template).filter_by(municipality=municipality)}
    for event, texts in DEFAULT_TEMPLATES.items():
        if event not in existing:
            db.session.add(Template(municipality=municipality, event=event, **texts))


@transactional
def create_municipality(
    organisation: Organisation, cbs_code: str, name: str, **settings: Any
) -> Municipality:
    """Create a municipality with its settings and the default templates."""
    municipality = Municipality(
        organisation=organisation,
        cbs_code=cbs_code,
        name=name,
        **{**beschikking_defaults(name), **settings},
    )
    municipality.sender_name = municipality.sender_name or f"Gemeente {name}"
    db.session.add(municipality)
    add_default_templates(municipality)
    return municipality


@transactional
def set_logo(municipality: Municipality, data: bytes) -> None:
    """Store an uploaded logo for the municipality's letters and audit the change."""
    from ..messaging import documents
    from ..security import audit

    if not data:
        raise ValueError("Kies een bestand (PNG of JPEG).")
    municipality.logo_file = documents.store_logo(municipality, data)
    audit.object_changed("municipality", municipality.id, "logo")


@transactional
def created(municipality: Municipality) -> None:
    """After a municipality was added (screen or API): default templates, audit, commit."""
    from ..security import audit

    for field, value in beschikking_defaults(municipality.name).items():
        if not getattr(municipality, field):
            setattr(municipality, field, value)
    add_default_templates(municipality)
    audit.object_changed("municipality", municipality.id, "create")


def house_style_sample(municipality: Municipality, unsaved: dict[str, Any] | None = None) -> bytes:
    """A sample letter (PDF) in the house style; `unsaved` holds form values not yet saved."""
    from types import SimpleNamespace

    from ...formatting import today_nl
    from ..messaging import documents

    style = {
        name: getattr(municipality, name)
        for name in (*HOUSE_STYLE_FIELDS, "name", "logo_file", "cbs_code")
    }
    for name in HOUSE_STYLE_FIELDS:
        if unsaved is not None and name in unsaved:
            style[name] = unsaved[name] or None
    if not COLOUR.match(style.get("primary_color") or ""):
        style["primary_color"] = municipality.primary_color  # a half-typed colour
    body = (
        "Geachte heer Van Dijk,\n\n"
        "Dit is een voorbeeldbrief in de huisstijl van de gemeente: zo zien uitnodigingen, "
        "herinneringen en beschikkingen eruit. De tekst van elke brief stelt u in bij "
        "Beheer > Sjablonen.\n\n"
        f"Met vriendelijke groet,\n\n{style.get('signature') or ''}"
    )
    return documents.letter_pdf(
        SimpleNamespace(**style),
        ["J. van Dijk", "Kerkstraat 12 A", f"1234 AB  {municipality.name.upper()}"],
        "Voorbeeldbrief huisstijl",
        body,
        "VOORBEELD",
        today_nl(),
    )
