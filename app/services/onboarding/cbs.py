"""The CBS list of Dutch municipalities (gemeentecode and name) the product ships."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

# CBS, "Gemeentelijke indeling op 1 januari 2026" (see app/data/README.md).
CBS_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "cbs-gemeenten-2026.csv"
CBS_YEAR = 2026
CODE = re.compile(r"^\d{4}$")


@cache
def municipalities() -> dict[str, str]:
    """Every municipality of the current year: CBS code -> name, in code order."""
    with CBS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter=";")
        return {row["gemeentecode"]: row["gemeentenaam"] for row in rows}


def name_of(code: str) -> str | None:
    """The CBS name of a municipality code, or None when the code is not on the list."""
    return municipalities().get(code)


def code_problem(code: object) -> str | None:
    """The Dutch reason why `code` is no CBS municipality code of this year, or None."""
    if not isinstance(code, str) or not CODE.match(code):
        return "Geef de CBS-gemeentecode van vier cijfers, bijvoorbeeld 0193."
    if code not in municipalities():
        return f"{code} staat niet op de CBS-lijst van gemeenten van {CBS_YEAR}."
    return None


def choices() -> list[tuple[str, str]]:
    """(code, "Name (code)") for a select, ordered by name as people look them up."""
    items = sorted(municipalities().items(), key=lambda item: item[1].lstrip("'").lower())
    return [(code, f"{name} ({code})") for code, name in items]
