"""Dutch presentation: dates as dd-mm-jjjj, times in Europe/Amsterdam, amounts as € 1.234,56."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup, escape

from .models.enums import RejectionReason

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(value: dt.datetime) -> dt.datetime:
    """A timezone-aware time shown in Amsterdam time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(AMSTERDAM)


def date_in_nl(value: dt.datetime) -> dt.date:
    """The date in the Netherlands at a moment (a UTC moment's own date is a day behind
    in the hour or two after Dutch midnight)."""
    return local(value).date()


def date_nl(value: dt.date | dt.datetime | None) -> str:
    """dd-mm-jjjj, or empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value)
    return value.strftime("%d-%m-%Y")


def datetime_nl(value: dt.datetime | None) -> str:
    """dd-mm-jjjj uu:mm in Amsterdam time, or empty."""
    if value is None:
        return ""
    return local(value).strftime("%d-%m-%Y %H:%M")


def amount_nl(value: Decimal | int | str | None) -> str:
    """€ 1.234,56 (negative: € -1.234,56), or empty."""
    if value is None or value == "":
        return ""
    quantised = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if quantised < 0 else ""
    whole, cents = f"{abs(quantised):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"€ {sign}{'.'.join(groups)},{cents}"


def percentage_nl(value: Decimal | int | str | None) -> str:
    """130 %, 5,5 % (Dutch decimal comma, no trailing zeros), or empty."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(value).normalize():f}".replace(".", ",")
    return f"{text} %"


def figure_nl(key: str, value: Any) -> str:
    """One figure of an advice's reasons: percentages as %, dates, factors, else euros."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return yes_no(value)
    if "percentage" in key:
        return percentage_nl(value)
    if "factor" in key:
        return str(value).replace(".", ",")
    if "dagen" in key:
        return f"{value} dagen"
    if "datum" in key or "vanaf" in key:
        try:
            return date_nl(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    try:
        return amount_nl(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return str(value)


FIGURE_LABELS = {
    "inkomen": "inkomen",
    "norm": "norm",
    "vakantiegeldfactor": "vakantiegeldfactor",
    "percentage": "percentage",
    "inkomensgrens": "inkomensgrens",
    "inkomensgrens_met_marge": "grens met marge",
    "vermogen": "vermogen",
    "vermogensgrens": "vermogensgrens",
    "vermogensgrens_met_marge": "grens met marge",
    "bedrag_per_maand": "per maand",
    "peildatum": "peildatum",
    "maximale_ouderdom_dagen": "maximaal",
    "overwaarde_woning": "overwaarde woning",
}


def figure_label(key: str) -> str:
    """The Dutch name of a figure in an advice reason."""
    return FIGURE_LABELS.get(key, key.replace("_", " "))


def date_iso_nl(value: str | None) -> str:
    """An ISO date string (as stored in JSON) as dd-mm-jjjj."""
    if not value:
        return ""
    return date_nl(dt.date.fromisoformat(str(value)))


def label(value: Any) -> str:
    """The Dutch label of a code-list member, or empty."""
    if value is None:
        return ""
    return str(value)


def label_of(enum_cls: Any) -> Any:
    """A formatter turning a code (FAB hands over the enum's value) into its Dutch label."""

    def format_code(value: Any) -> str:
        if value is None or value == "":
            return ""
        member = enum_cls(value)
        return member.label

    return format_code


def reasons_nl(codes: list[str] | None) -> str:
    """Rejection reasons (stored as codes) in Dutch, comma-separated."""
    from_codes = RejectionReason.__members__
    return ", ".join(from_codes[c].label if c in from_codes else c for c in codes or [])


def yes_no(value: bool | None) -> str:
    """Ja / Nee."""
    return "Ja" if value else "Nee"


def nl2br(value: str | None) -> Markup:
    """Escaped text with line breaks kept."""
    # Each line is escaped before joining, so the Markup holds no user HTML.
    return Markup("<br>".join(escape(line) for line in (value or "").splitlines()))  # noqa: S704


def readable_on(colour: str | None) -> str:
    """Black or white text, whichever contrasts most with a #rrggbb background (WCAG)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    text = (colour or "#1f4e79").lstrip("#")
    if len(text) != 6:
        return "#ffffff"
    r, g, b = (channel(text[i : i + 2]) for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # Contrast with white is 1.05/(L+0.05), with black (L+0.05)/0.05; take the larger.
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#111111"


def field_label(name: str) -> str:
    """The Dutch label of a field name (app/labels.py), or the name itself."""
    from .labels import FIELD_LABELS

    return FIELD_LABELS.get(name, name)


def setting_nl(value: Any) -> str:
    """A municipality setting as a person reads it: Ja/Nee, a label, a list of days, a number."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return percentage_nl(value)
    if value is None:
        return ""
    return str(value)


SOURCES = {
    "uwv": "UWV",
    "belastingdienst": "Belastingdienst",
    "mijnoverheid": "MijnOverheid",
    "svb": "SVB",
    "duo": "DUO",
    "mijnpensioenoverzicht": "Mijnpensioenoverzicht",
    "pensioenfonds": "Pensioenfonds",
    "bank": "Bank",
    "gemeente": "Gemeente",
}
FILE_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG-foto",
    "image/png": "PNG-afbeelding",
    "image/heic": "HEIC-foto",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/msword": "Word",
    "text/csv": "CSV",
}


def source_nl(code: str | None) -> str:
    """An Ockto source as people name it: uwv -> UWV, mijnoverheid -> MijnOverheid."""
    if not code:
        return ""
    return SOURCES.get(code.lower(), code[:1].upper() + code[1:])


def file_type_nl(content_type: str | None) -> str:
    """A file's type as people name it: application/pdf -> PDF."""
    if not content_type:
        return ""
    return FILE_TYPES.get(content_type.lower(), content_type.rsplit("/", 1)[-1].upper())


def size_nl(size: int | None) -> str:
    """A file size as people read it: 812 bytes, 14 kB, 2,3 MB (never '0 kB')."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} kB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _role_permissions_nl(value: Any) -> str:
    from .permission_labels import role_permissions_nl

    return role_permissions_nl(value)


def register_template_filters(app: Flask) -> None:
    """Make the Dutch formatters available in every template."""
    app.jinja_env.globals.update(cijfer=figure_nl, cijfernaam=figure_label)
    app.jinja_env.filters.update(
        datum=date_nl,
        datum_iso=date_iso_nl,
        datumtijd=datetime_nl,
        bedrag=amount_nl,
        procent=percentage_nl,
        label=label,
        redenen=reasons_nl,
        janee=yes_no,
        nl2br=nl2br,
        leesbaar_op=readable_on,
        veldnaam=field_label,
        bron=source_nl,
        bestandstype=file_type_nl,
        grootte=size_nl,
        rechten=_role_permissions_nl,
        instelling=setting_nl,
    )


def today_nl() -> dt.date:
    """Today's date in the Netherlands (the server's UTC date differs around midnight)."""
    return dt.datetime.now(AMSTERDAM).date()


def person_name(user: Any, missing: str = "—") -> str:
    """A user's name as screens, timelines and letters show it: first and last, else login."""
    if user is None:
        return missing
    parts = (getattr(user, "first_name", ""), getattr(user, "last_name", ""))
    return " ".join(p for p in parts if p) or getattr(user, "username", "") or missing
