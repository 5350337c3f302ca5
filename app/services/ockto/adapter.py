"""Where the journey starts: the real Ockto service, or the built-in sandbox (OCKTO_MODE)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, url_for

from ...models import Invitation

SANDBOX = "sandbox"
PRODUCTION = "production"
MODES = (SANDBOX, PRODUCTION)


class OcktoUnavailable(RuntimeError):  # noqa: N818 - reads as `except OcktoUnavailable`
    """The journey cannot start: the link with Ockto is not configured."""


def mode() -> str:
    """The configured mode; anything unknown is treated as production (never the sandbox)."""
    value = current_app.config.get("OCKTO_MODE", PRODUCTION)
    return value if value in MODES else PRODUCTION


def is_sandbox() -> bool:
    """Whether the built-in sandbox plays Ockto (development and tests)."""
    return mode() == SANDBOX


def journey_url(invitation: Invitation) -> str:
    """The address the start button sends the resident to."""
    if is_sandbox():
        return url_for("sandbox.choose", token=invitation.token)
    base = current_app.config.get("OCKTO_JOURNEY_URL") or ""
    if not base:
        raise OcktoUnavailable("OCKTO_JOURNEY_URL is not configured")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode({'uitnodiging': invitation.token})}"
