"""Error types shared by the services, the screens and the REST API."""

from __future__ import annotations


class ValidationError(ValueError):
    """Bad input, with one Dutch message per field."""

    def __init__(self, errors: list[dict[str, str | None]]) -> None:
        super().__init__("; ".join(e["melding"] or "" for e in errors))
        self.errors = errors


class Refused(Exception):  # noqa: N818 - reads as `except errors.Refused`
    """An action the service refuses: the HTTP status it maps to and a Dutch message."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class Conflict(Refused):
    """The action does not fit the case's status (HTTP 409), with a Dutch message."""

    status = 409


class Forbidden(Refused):
    """A missing module or role (HTTP 403), with a Dutch message."""

    status = 403
