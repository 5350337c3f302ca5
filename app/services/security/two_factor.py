"""Two-factor login: TOTP codes (RFC 6238, HMAC-SHA1, 30 s, 6 digits) and recovery codes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import struct
from typing import Any
from urllib.parse import quote, urlencode

import segno
from flask import current_app
from sqlalchemy import delete, func, select

from ...extensions import db
from ...models import RecoveryCode, User
from ...models.types import utcnow
from ..unit import transactional
from . import sessions

STEP_SECONDS = 30
DIGITS = 6
ISSUER = "Gemeentepolis"
RECOVERY_CODES = 10
# A phone's clock may be off by one step either way.
DRIFT_STEPS = 1


def now() -> dt.datetime:
    """The clock of the code check (tests replace it)."""
    return utcnow()


def new_secret() -> str:
    """A fresh random secret, base32 without padding (160 bits, as RFC 4226 recommends)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 HOTP value of `counter`."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_of(at: dt.datetime) -> int:
    """The 30-second time step of a moment (RFC 6238 T)."""
    return int(at.timestamp()) // STEP_SECONDS


def code_at(secret: str, at: dt.datetime) -> str:
    """The code an authenticator app shows at `at`."""
    return hotp(_key(secret), step_of(at))


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address the QR code holds (Google Authenticator key-uri format)."""
    label = quote(f"{ISSUER}:{user.username}")
    query = urlencode(
        {"secret": secret, "issuer": ISSUER, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as inline SVG, made here: the secret never leaves the server."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")


def is_enrolled(user: User) -> bool:
    """Whether the user logs in with a second factor."""
    return user.totp_enabled_on is not None and bool(user.totp_secret)


def is_required(user: User) -> bool:
    """Whether the user must use a second factor (outside development, per role/organisation)."""
    if not current_app.config["TWO_FACTOR_REQUIRED"]:
        return False
    roles = {role.name for role in user.roles}
    if roles & {"Admin", "Beheerder"}:
        return True
    return bool(user.organisation and user.organisation.two_factor_for_caseworkers)


def _accept_totp(user: User, code: str) -> bool:
    if not user.totp_secret or not (code.isdigit() and len(code) == DIGITS):
        return False
    current = step_of(now())
    key = _key(user.totp_secret)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(key, step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # replay of a code already used
            user.totp_last_step = step
            return True
    return False


def _recovery_hash(code: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    normal = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(secret, normal.encode(), hashlib.sha256).hexdigest()


def _accept_recovery(user: User, code: str) -> bool:
    if len(code.replace("-", "").replace(" ", "")) != 10:
        return False
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_on.is_(None),
        )
    )
    if row is None:
        return False
    row.used_on = now()
    return True


@transactional
def verify(user: User, code: str) -> bool:
    """Accept a current TOTP code or an unused recovery code, each only once."""
    code = (code or "").strip()
    accepted = _accept_totp(user, code) or _accept_recovery(user, code)
    return accepted


@transactional
def begin_enrolment(user: User) -> str:
    """Give the user a new secret, not yet active; return it for the QR code."""
    user.totp_secret = new_secret()
    user.totp_enabled_on = None
    user.totp_last_step = None
    return user.totp_secret


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    return codes


@transactional
def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Activate the second factor when `code` matches; return the recovery codes (shown once)."""
    if user.totp_secret is None or not _accept_totp(user, (code or "").strip()):
        db.session.rollback()
        return None
    user.totp_enabled_on = now()
    codes = _new_recovery_codes(user)
    return codes


def remaining_recovery_codes(user: User) -> int:
    """How many recovery codes the user still has."""
    return db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_on.is_(None))
    )


@transactional
def reset(user: User, end_sessions: bool = True) -> None:
    """Remove a user's second factor (lost phone); they enrol again at their next login."""
    user.totp_secret = None
    user.totp_enabled_on = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if end_sessions:
        sessions.end_all(user.id, "reset")


@transactional
def reset_for(users: list[User], by: Any) -> int:
    """A Beheerder removes the second factor of several users at once (one unit of work)."""
    from . import audit

    for user in users:
        reset(user)
        audit.second_factor_removed(by, user)
    return len(users)
