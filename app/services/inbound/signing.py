"""Signed partner requests (contracts/signing.md) and the log of refused ones."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from typing import Any

from flask import current_app

from ...extensions import db
from ...models import RefusedRequest
from ..unit import transactional

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW = 300
_HEADER = re.compile(r"^t=(\d{1,12}),v1=([0-9a-f]{64})$")


class RequestRefused(Exception):  # noqa: N818 - reads as `except RequestRefused`
    """A partner request answered with an error: status code and the contract's `fouten`."""

    def __init__(self, status: int, errors: list[dict[str, str | None]]) -> None:
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Signature header value for `body` (what partners and our sandbox send)."""
    t = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(secret_setting: str, header: str | None, body: bytes, now: float | None = None) -> None:
    """Refuse (401) a missing, malformed, wrong or stale signature; 503 without a secret."""
    secret = current_app.config.get(secret_setting) or ""
    if not secret:
        log.error("%s is not configured: refusing every partner request", secret_setting)
        raise RequestRefused(
            503,
            [{"veld": None, "melding": "De koppeling is niet ingericht (geen geheime sleutel)."}],
        )
    match = _HEADER.match((header or "").strip())
    if not match:
        raise RequestRefused(
            401, [{"veld": "X-Signature", "melding": "Handtekening ontbreekt of is ongeldig."}]
        )
    timestamp, given = match.groups()
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        raise RequestRefused(
            401,
            [
                {
                    "veld": "X-Signature",
                    "melding": "Handtekening is verlopen (tijdstip buiten 5 minuten).",
                }
            ],
        )
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise RequestRefused(401, [{"veld": "X-Signature", "melding": "Handtekening klopt niet."}])


def parse_json(raw_body: bytes) -> Any:
    """The JSON body of a partner request; 400 in the contract's shape when it is not JSON."""
    try:
        return json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestRefused(
            400, [{"veld": None, "melding": "De body is geen geldige JSON."}]
        ) from exc


def reference_of(payload: Any, key: str) -> str | None:
    """The partner's own reference (application number, levering_id) for the refusal log."""
    value = payload.get(key) if isinstance(payload, dict) else None
    return value[:64] if isinstance(value, str) else None


@transactional
def log_refusal(
    endpoint: str,
    refused: RequestRefused,
    reference: str | None = None,
    municipality_id: int | None = None,
) -> None:
    """Record a refused request for the beheerder: fields and messages, never the values.

    A request refused for its signature (401/503) is only written to the application log:
    unsigned data is not trusted enough to store anything about it.
    """
    reason = "; ".join(f"{e['veld'] or '-'}: {e['melding']}" for e in refused.errors)[:2000]
    if refused.status in (401, 503):
        log.warning("%s refused with %s: %s", endpoint, refused.status, reason)
        return
    db.session.add(
        RefusedRequest(
            endpoint=endpoint,
            status_code=refused.status,
            reason=reason,
            reference=(reference or None) and str(reference)[:64],
            municipality_id=municipality_id,
        )
    )
