"""The one mapping of service refusals to HTTP statuses and Dutch messages.

The REST API answers them as the contract's `{"fouten": [...]}` (`api/common.answer`),
the screens flash them per field (`views/outcome.perform`); both run the service call
through `run()`, so a refusal means the same on every path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..services import tenancy
from ..services.errors import Refused, ValidationError

NOT_FOUND = "Niet gevonden (of u heeft er geen toegang toe)."


@dataclass(frozen=True)
class Refusal:
    """A refused service call: the HTTP status and one Dutch message per field."""

    status: int
    items: list[dict[str, Any]]


def classify(exc: Exception, not_found: str = NOT_FOUND,
             refused_field: str | None = None) -> Refusal | None:  # fmt: skip
    """The refusal a service exception stands for; None for a fault (not a refusal)."""
    if isinstance(exc, tenancy.NotFound):
        return Refusal(404, [{"veld": None, "melding": not_found}])
    if isinstance(exc, Refused):
        return Refusal(exc.status, [{"veld": refused_field, "melding": exc.message}])
    if isinstance(exc, ValidationError):
        return Refusal(422, exc.errors)
    return None


def run(action: Callable[[], Any], not_found: str = NOT_FOUND,
        refused_field: str | None = None) -> tuple[Any, Refusal | None]:  # fmt: skip
    """Call a service: (its result, None), or (None, the refusal). Faults propagate."""
    try:
        return action(), None
    except (tenancy.NotFound, Refused, ValidationError) as exc:
        return None, classify(exc, not_found, refused_field)
