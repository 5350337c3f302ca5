"""What an import finds per row, and the counts of a whole file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def problem(field: str | None, message: str) -> dict[str, str | None]:
    """One problem of a row (or a file), as previews and the API name it."""
    return {"veld": field, "melding": message}


@dataclass
class RowOutcome:
    """What will happen (preview) or happened (confirm) to one row."""

    line: int
    outcome: str  # "new", "updated", "unchanged", "refused"
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    key: Any = None
    # What an update changes: [{"veld", "oud", "nieuw"}], and the case's number.
    changes: list[dict[str, str]] = field(default_factory=list)
    case_number: str | None = None
    # Values the import put back that a spreadsheet changed: [{"veld", "melding"}].
    notes: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Summary:
    """Counts of an import, in the contract's words when answered over the API."""

    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    removed: int = 0
    corrected: int = 0
    refused_rows: list[dict[str, Any]] = field(default_factory=list)
    changed_rows: list[dict[str, Any]] = field(default_factory=list)
    corrected_rows: list[dict[str, Any]] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    # The first rows of each list kept for the preview; the counts cover them all.
    kept: int = 1000

    def add(self, row: RowOutcome) -> None:
        self.rows += 1
        setattr(self, row.outcome, getattr(self, row.outcome) + 1)
        if row.outcome == "refused":
            self.refused_rows.append({"regel": row.line, "fouten": row.errors})
        elif row.outcome == "updated" and len(self.changed_rows) < self.kept:
            self.changed_rows.append(
                {
                    "regel": row.line,
                    "zaak_id": row.key,
                    "zaaknummer": row.case_number,
                    "wijzigingen": row.changes,
                }
            )
        if row.notes and row.outcome != "refused":
            self.corrected += 1
            if len(self.corrected_rows) < self.kept:
                self.corrected_rows.append({"regel": row.line, "meldingen": row.notes})

    def as_contract(self, done: bool) -> dict[str, Any]:
        return {
            "rijen": self.rows,
            "nieuw": self.new,
            "bijgewerkt": self.updated,
            "ongewijzigd": self.unchanged,
            "geweigerd": self.refused_rows,
            "wijzigingen": self.changed_rows,
            "hersteld": self.corrected_rows,
            "uitgevoerd": done,
        }
