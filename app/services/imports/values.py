"""Field rules shared by the imports: dates, BSN, postcode, contact preference, numbers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .. import bsn as bsn_rules
from .reader import cell_text

_DATE_NL = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_POSTCODE = re.compile(r"^([1-9]\d{3})\s*([A-Za-z]{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A number a spreadsheet wrote in scientific notation: 1,23457E+08 or 1.23457e8.
_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?[eE][+-]?\d+$")


# The most characters of a cell a message quotes: a message never repeats a whole cell.
QUOTED = 40


class FieldError(ValueError):
    """A bad value in one field, with a Dutch message."""


def quoted(text: str) -> str:
    """A cell's value as a message quotes it: in quotes, cut after QUOTED characters."""
    return f"'{text[:QUOTED]}…'" if len(text) > QUOTED else f"'{text}'"


def parse_date(value: Any) -> dt.date | None:
    """dd-mm-jjjj, d-m-jjjj, jjjj-mm-dd or an Excel date cell; empty gives None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    text = text.split("T")[0].split(" ")[0]
    match = _DATE_NL.match(text)
    try:
        if match:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        match = _DATE_ISO.match(text)
        if match:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise FieldError(f"{quoted(text)} is geen bestaande datum.") from exc
    raise FieldError(f"{quoted(text)} is geen datum; gebruik dd-mm-jjjj.")


def parse_bsn(value: Any) -> str:
    """A BSN, padded to nine digits when Excel dropped the leading zero, elfproef checked."""
    original = cell_text(value)
    if _SCIENTIFIC.match(original):
        raise FieldError(
            f"{quoted(original)} is geen BSN meer: het spreadsheet heeft er een getal in "
            "wetenschappelijke notatie van gemaakt. Maak de kolom van het type Tekst, vul het "
            "BSN opnieuw in en sla het bestand opnieuw op."
        )
    text = bsn_rules.normalise(original)
    if not text:
        raise FieldError("BSN ontbreekt.")
    if not bsn_rules.is_valid(text):
        if text != original.replace(" ", "").replace(".", ""):
            raise FieldError(
                f"{quoted(original)} is geen geldig BSN (elfproef), ook niet aangevuld met een "
                f"voorloopnul tot {text}."
            )
        raise FieldError(f"{quoted(original)} is geen geldig BSN (elfproef).")
    return text


def bsn_was_padded(value: Any, parsed: str) -> bool:
    """Whether a BSN got back the leading zero a spreadsheet dropped."""
    return cell_text(value).replace(" ", "").replace(".", "") != parsed


def parse_phone(value: Any) -> str:
    """A phone number; nine digits (a number cell dropped the 0 of 06… or 0xx…) get it back."""
    text = cell_text(value)
    if text.isdigit() and len(text) == 9 and text[0] != "0":
        return "0" + text
    return text


def contract_key(value: str | None) -> str:
    """A contract number as compared: without the leading zeros a spreadsheet may drop."""
    text = (value or "").strip()
    return text.lstrip("0") if text.isdigit() else text


def parse_postcode(value: Any) -> str:
    """A Dutch postcode as '1234 AB'; empty stays empty."""
    text = cell_text(value)
    if not text:
        return ""
    match = _POSTCODE.match(text)
    if not match:
        raise FieldError(f"{quoted(text)} is geen geldige postcode (1234 AB).")
    return f"{match.group(1)} {match.group(2).upper()}"


def parse_email(value: Any) -> str:
    """An email address, or empty."""
    text = cell_text(value)
    if text and not _EMAIL.match(text):
        raise FieldError(f"{quoted(text)} is geen geldig e-mailadres.")
    return text


def parse_count(value: Any) -> int:
    """A whole number ≥ 0; empty is 0."""
    text = cell_text(value)
    if not text:
        return 0
    if not text.isdigit():
        raise FieldError(f"{quoted(text)} is geen heel getal van 0 of meer.")
    return int(text)


def parse_preference(value: Any) -> str | None:
    """EMAIL/E-MAIL/email or BRIEF/post; empty gives None (decided by the email address)."""
    text = cell_text(value).lower().replace("-", "")
    if not text:
        return None
    if text in {"email", "mail"}:
        return "EMAIL"
    if text in {"brief", "post", "letter"}:
        return "LETTER"
    raise FieldError(f"{quoted(cell_text(value))} is geen communicatievoorkeur (EMAIL of BRIEF).")
