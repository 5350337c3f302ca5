"""Error types shared by the services, the screens and the REST API."""

from __future__ import annotations


class ValidationError(ValueError):
    """Bad input, with one Dutch message per field."""

    def __init__(self, errors: list[dict[str, str | None]]) -> None:
        super().__init__("; ".join(e["melding"] or "" for e in errors))
        self.errors = errors
