"""Checking partner payloads field by field: every problem with its dotted path, in Dutch."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from .. import bsn as bsn_rules

MAX_TEXT = 200
# Amounts travel as strings with a dot and at most two decimals, never as JSON numbers.
_AMOUNT = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")


class Checker:
    """Collects every problem of a payload with the dotted path of its field.

    Messages never contain the submitted values: they end up in the refused-request log.
    """

    def __init__(self) -> None:
        self.errors: list[dict[str, str | None]] = []

    def fail(self, path: str | None, message: str) -> None:
        self.errors.append({"veld": path, "melding": message})

    def has_error(self, path: str) -> bool:
        return any(e["veld"] == path for e in self.errors)

    def text(
        self, obj: dict, key: str, path: str, required: bool = False, size: int = MAX_TEXT
    ) -> str | None:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(path, "Dit veld is verplicht.")
            return None
        if not isinstance(value, str):
            self.fail(path, "Moet tekst zijn.")
            return None
        if len(value) > size:
            self.fail(path, f"Mag hoogstens {size} tekens lang zijn.")
            return None
        return value.strip()

    def bsn(self, obj: dict, key: str, path: str, required: bool = True) -> str | None:
        value = self.text(obj, key, path, required)
        if value is None:
            return None
        if not bsn_rules.is_valid(value):
            self.fail(path, "Geen geldig BSN (negen cijfers en de elfproef).")
            return None
        return value

    def date(self, obj: dict, key: str, path: str, required: bool = False) -> dt.date | None:
        value = self.text(obj, key, path, required)
        if value is None:
            return None
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or len(value) != 10:
            self.fail(path, "Geen geldige datum (JJJJ-MM-DD).")
            return None
        return parsed

    def moment(self, obj: dict, key: str, path: str) -> dt.datetime | None:
        value = self.text(obj, key, path, required=True)
        if value is None:
            return None
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            self.fail(path, "Geen geldig tijdstip (ISO 8601 met tijdzone).")
            return None
        if parsed.tzinfo is None:
            self.fail(path, "Het tijdstip mist de tijdzone.")
            return None
        return parsed

    def object(self, obj: dict, key: str, path: str, required: bool = False) -> dict | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(path, "Dit veld is verplicht.")
            return None
        if not isinstance(value, dict):
            self.fail(path, "Moet een object zijn.")
            return None
        return value

    def array(self, obj: dict, key: str, path: str, required: bool = False) -> list | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(path, "Dit veld is verplicht.")
            return None
        if not isinstance(value, list):
            self.fail(path, "Moet een lijst zijn.")
            return None
        return value

    def boolean(self, obj: dict, key: str, path: str) -> bool | None:
        value = obj.get(key)
        if value is None:
            self.fail(path, "Dit veld is verplicht.")
            return None
        if not isinstance(value, bool):
            self.fail(path, "Moet true of false zijn.")
            return None
        return value

    def choice(self, obj: dict, key: str, path: str, options: dict[str, Any]) -> Any:
        """One of the keys of `options` (the contract's codes); answers the mapped value."""
        value = self.text(obj, key, path, required=True, size=40)
        if value is None:
            return None
        if value not in options:
            self.fail(path, "Onbekende waarde; toegestaan: " + ", ".join(sorted(options)) + ".")
            return None
        return options[value]

    def amount(
        self, obj: dict, key: str, path: str, allow_negative: bool = False
    ) -> Decimal | None:
        value = obj.get(key)
        if value is None:
            self.fail(path, "Dit veld is verplicht.")
            return None
        if not isinstance(value, str):
            self.fail(path, 'Een bedrag is tekst met een punt, zoals "1234.56" (geen getal).')
            return None
        if not _AMOUNT.match(value):
            self.fail(path, "Geen geldig bedrag: cijfers met een punt en hoogstens twee decimalen.")
            return None
        amount = Decimal(value)
        if amount < 0 and not allow_negative:
            self.fail(path, "Het bedrag mag niet negatief zijn.")
            return None
        return amount
