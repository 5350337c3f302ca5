"""The skeleton of a signed webhook (the application site, Ockto): written once.

Verify the signature, parse the JSON, run the endpoint's own handling, and store the
first of concurrent identical posts exactly once: an IntegrityError (a unique key
taken by a concurrent post) rolls the attempt back and the next attempt finds what the
other stored. A refusal is answered with the contract's errors and logged for the
Beheerder, never with the values sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from ...extensions import db
from .signing import RequestRefused, log_refusal, parse_json, reference_of, verify

Answer = tuple[int, dict[str, Any]]
ATTEMPTS = 3


@dataclass
class Post:
    """One signed post: its payload, and what the refusal log may name."""

    payload: Any
    reference: str | None = None
    municipality_id: int | None = None


def receive(endpoint: str, secret_setting: str, reference_key: str, raw_body: bytes,
            signature: str | None, attempt: Callable[[Post], Answer]) -> Answer:  # fmt: skip
    """Handle one signed post: `attempt` stores it (or finds it stored) and answers."""
    post = Post(payload=None)
    try:
        verify(secret_setting, signature, raw_body)
        post.payload = parse_json(raw_body)
        post.reference = reference_of(post.payload, reference_key)
        for _attempt in range(ATTEMPTS):
            try:
                return attempt(post)
            except IntegrityError:
                # A concurrent post of the same data stored it first: the next attempt finds it.
                db.session.rollback()
        raise RuntimeError(f"{endpoint}: not stored after {ATTEMPTS} attempts")
    except RequestRefused as refused:
        db.session.rollback()
        log_refusal(endpoint, refused, post.reference, post.municipality_id)
        return refused.status, {"fouten": refused.errors}
