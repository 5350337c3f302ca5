"""The audit log in words: every stored action code and result as a Dutch description.

The log stores short English codes (stable, searchable, exported as they are); screens
show what happened in Dutch: "case.decide:GRANTED" reads "Besluit genomen: Toegekend".
"""

from __future__ import annotations

from .models import Decision

OBJECTS = {
    "case": "zaak",
    "municipality": "gemeente",
    "organisation": "organisatie",
    "user": "gebruiker",
    "resident": "inwoner",
    "memo": "memo",
    "message": "bericht",
    "document": "document",
    "import": "import",
    "allowlist": "bestandscheck",
    "asset_limit": "vermogensgrens",
    "national_norm": "normperiode",
    "template": "sjabloon",
    "invitation": "uitnodiging",
    "refused_request": "geweigerd verzoek",
    "audit": "auditlog",
    "retention_run": "bewaartermijnrapport",
    "delivery": "Ockto-levering",
    "advice": "advies",
    "object": "gegeven",
}
EXACT = {
    "login": "Inloggen",
    "logout": "Uitloggen",
    "session.end": "Sessie beëindigd",
    "case.view": "Zaak bekeken",
    "case.list": "Zakenlijst bekeken",
    "case.search_bsn": "Gezocht op BSN",
    "delivery.view": "Ockto-gegevens bekeken",
    "advice.view": "Advies bekeken",
    "advice.what_if": "Wat-als berekend",
    "resident.view": "Inwoner bekeken",
    "resident.list": "Inwonerslijst bekeken",
    "access.refused": "Toegang geweigerd (andere organisatie)",
    "retention.proposed": "Bewaartermijnrapport gemaakt",
    "retention.removed": "Zaken verwijderd na de bewaartermijn",
    "municipality.setup": "Inrichtingsstap gedaan",
    "user.password_chosen": "Wachtwoord gekozen via eenmalige link",
    "user.link_sent": "Eenmalige link verstuurd",
    "user.link_printed": "Eenmalige link gemaakt op de server",
    "login.2fa": "Inloggen: tweede stap",
    "user.2fa_enrolled": "Tweestapsverificatie ingericht",
    "user.2fa_reset": "Tweestapsverificatie gereset",
    "export": "Export gemaakt",
    "http.get": "Pagina of gegevens opgevraagd",
    "http.post": "Formulier of verzoek verstuurd",
    "http.put": "Gegevens gewijzigd via de API",
    "http.delete": "Verwijderen via de API",
}
CHANGES = {
    "create": "aangemaakt",
    "update": "gewijzigd",
    "delete": "verwijderd",
    "hold": "in afwachting gezet",
    "release": "uit afwachting gehaald",
    "abort": "afgebroken",
    "restore": "hersteld",
    "request_info": "aanvullende informatie opgevraagd",
    "documents_added": "documenten toegevoegd",
    "notice_resolved": "melding afgehandeld",
    "start_reassessment": "heronderzoek gestart",
    "pdf_view": "PDF bekeken",
    "logo": "logo gewijzigd",
    "policy": "beleid gewijzigd",
    "check": "gecontroleerd",
    "download": "gedownload",
    "add_period": "periode toegevoegd",
    "retention": "bewaartermijn gewijzigd",
    "printed": "geprint",
    "upload": "geüpload",
    "export": "geëxporteerd",
}
RESULTS = {"ok": "Gelukt", "refused": "Geweigerd", "error": "Fout", "throttled": "Te vaak"}


def action_nl(action: str | None) -> str:
    """A stored action code as a Dutch description (unknown codes in readable words)."""
    if not action:
        return ""
    if action in EXACT:
        return EXACT[action]
    head, _, argument = action.partition(":")
    kind, _, change = head.partition(".")
    if kind == "case" and change == "decide":
        decision = Decision.parse(argument)
        return f"Besluit genomen: {decision.label}" if decision else "Besluit genomen"
    if kind == "import" and change.endswith(".upload"):
        return "Importbestand geüpload"
    subject = OBJECTS.get(kind, kind.replace("_", " "))
    verb = CHANGES.get(change.rsplit(".", 1)[-1], change.replace("_", " "))
    text = f"{subject.capitalize()} {verb}".strip()
    if argument and kind == "case" and change == "start_reassessment":
        text += f" ({argument} uitgenodigd)"
    return text


def result_nl(result: str | None) -> str:
    """ok / refused / error as Gelukt / Geweigerd / Fout."""
    return RESULTS.get(result or "", result or "")
