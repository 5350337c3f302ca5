"""The screens' twin of `api/common.answer`: a service call's refusals as flash messages.

Every screen action runs its service call through `perform()`: a case or object that
is not the user's answers 404; a refusal (403, 409) and each field error (422) become
a Dutch flash message naming the field, the same words the REST API answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash

from ..labels import FIELD_LABELS
from ..web import refusals

# The form fields' names as the screens label them.
FIELD_NAMES = {
    "bsn": "BSN",
    "reden": "Reden",
    "tot": "Tot en met",
    "omschrijving": "Wat hebt u nodig",
    "termijn": "Uiterlijk",
    "besluit": "Besluit",
    "redenen": "Redenen",
    "toelichting": "Toelichting",
    "bestanden": "Bestanden",
    "tekst": "Tekst",
}


class Failed:
    """What `perform` answers when the service refused (the refusal is flashed)."""

    def __bool__(self) -> bool:
        return False


FAILED = Failed()


def message_of(item: dict[str, Any]) -> str:
    """One refusal item as the screens show it: the field's name, then the message."""
    field = item.get("veld")
    if not field:
        return str(item["melding"])
    name = FIELD_NAMES.get(field) or FIELD_LABELS.get(field) or field.replace("_", " ").capitalize()
    return f"{name}: {item['melding']}"


def flash_refusal(refusal: refusals.Refusal, category: str = "danger") -> None:
    """Flash a refusal, one message per field."""
    for item in refusal.items:
        flash(message_of(item), category)


def perform(action: Callable[[], Any], success: str | Callable[[Any], str] | None = None,
            category: str = "danger") -> Any:  # fmt: skip
    """Run a service call for a screen: its result, or FAILED after flashing why (404: abort)."""
    result, refusal = refusals.run(action)
    if refusal is not None:
        if refusal.status == 404:
            abort(404)
        flash_refusal(refusal, category)
        return FAILED
    if success is not None:
        flash(success(result) if callable(success) else success, "success")
    return result
