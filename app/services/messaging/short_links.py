"""Short codes for links in letters: residents on paper scan a QR code or type a short code."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...models import Case, ShortLink

# Crockford's base32: no I, L, O or U, so a code read aloud or typed is not misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 11  # 55 bits
READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def short_address() -> str:
    """The address residents type the code on, e.g. https://polis.example.nl/code."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/code"


def display(code: str) -> str:
    """A code in groups of four, as printed: ABCD-EFGH-JKM."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(typed: str) -> str:
    """What a person typed, as stored: capitals, no dashes or spaces, O read as 0, I/L as 1."""
    kept = "".join(ch for ch in (typed or "").upper() if ch.isalnum())
    return kept.translate(READ_AS)


def new(case: Case, link: str) -> ShortLink:
    """A new short code for a link of our own site; the caller adds it with its message."""
    path = urlsplit(link).path
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if db.session.scalar(select(ShortLink.id).where(ShortLink.code == code)) is None:
            break
    return ShortLink(code=code, case_id=case.id, target=path)


def target(typed: str) -> str | None:
    """The path behind a typed or scanned code, or None (unknown codes tell nothing more)."""
    code = normalise(typed)
    if len(code) != LENGTH:
        return None
    return db.session.scalar(select(ShortLink.target).where(ShortLink.code == code))
