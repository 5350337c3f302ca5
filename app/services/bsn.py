"""BSN rules (DESIGN.md 7.1): nine digits, elfproef, not all zeros."""

from __future__ import annotations

import random
import re

_DIGITS = re.compile(r"^\d{9}$")


def is_valid(bsn: str | None) -> bool:
    """Whether `bsn` is nine digits, not all zeros, and passes the elfproef."""
    if not bsn or not _DIGITS.match(bsn) or bsn == "000000000":
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(int(d) * w for d, w in zip(bsn, weights, strict=True)) % 11 == 0


def normalise(raw: str | int | None) -> str:
    """Strip spaces and dots and pad an 8-digit number (Excel dropped the leading zero)."""
    text = re.sub(r"[\s.]", "", str(raw if raw is not None else ""))
    if text.isdigit() and len(text) == 8:
        text = "0" + text
    return text


def generate(rng: random.Random, taken: set[str]) -> str:
    """A random BSN that passes the elfproef and is not in `taken` (demo and sandbox data)."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check == 10:
            continue
        number = "".join(map(str, digits)) + str(check)
        if number not in taken:
            taken.add(number)
            return number
