"""Reading CSV and XLSX as Excel makes them: delimiter, encoding and header detected, streamed."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

XLSX_MAGIC = b"PK\x03\x04"
_HEADER_KEY = re.compile(r"[\s\-_]+")


class FileRefusedError(ValueError):
    """The whole file is refused before any row is looked at, with a Dutch message."""

    def __init__(self, message: str, field: str | None = "bestand") -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def header_key(name: Any) -> str:
    """Column names match case-insensitively, ignoring spaces, '-' and '_'."""
    return _HEADER_KEY.sub("", str(name or "")).strip().lower()


@dataclass
class Table:
    """A file's header and a way to stream its rows as (line number, cells)."""

    path: Path
    kind: str  # "csv" or "xlsx"
    header: list[str]
    encoding: str = "utf-8"
    delimiter: str = ";"
    estimated_rows: int = 0
    _keys: list[str] = field(default_factory=list)
    # Whatever must live as long as the table (the temporary copy of a stored file).
    keep: Any = field(default=None, repr=False)

    def keys(self) -> list[str]:
        if not self._keys:
            self._keys = [header_key(h) for h in self.header]
        return self._keys

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows with their line number (the header is line 1); empty rows are skipped."""
        source = self._xlsx_rows() if self.kind == "xlsx" else self._csv_rows()
        for line, cells in source:
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue  # empty (trailing) rows
            yield line, cells

    def _csv_rows(self) -> Iterator[tuple[int, list[Any]]]:
        with open(self.path, encoding=self.encoding, newline="") as f:
            reader = csv.reader(f, delimiter=self.delimiter)
            next(reader, None)
            for cells in reader:
                yield reader.line_num, cells

    def _xlsx_rows(self) -> Iterator[tuple[int, list[Any]]]:
        with _workbook(self.path) as workbook:
            sheet = workbook.worksheets[0]
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if line == 1:
                    continue
                yield line, list(cells)


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as UTF-8, else Windows-1252."""
    with open(path, "rb") as f:
        start = f.read(3)
        if start == codecs.BOM_UTF8:
            return "utf-8-sig"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            count += chunk.count(b"\n")
    return count


def open_table(path: Path, filename: str, max_bytes: int, max_rows: int) -> Table:
    """Open an uploaded file as a Table, or refuse it (size, row count, format, header)."""
    size = path.stat().st_size
    if size == 0:
        raise FileRefusedError("Het bestand is leeg.")
    if size > max_bytes:
        raise FileRefusedError(
            f"Het bestand is groter dan {max_bytes // (1024 * 1024)} MB; splits het bestand."
        )
    with open(path, "rb") as f:
        start = f.read(8192)
    suffix = Path(filename or "").suffix.lower()
    if start.startswith(XLSX_MAGIC):
        return _open_xlsx(path, max_rows)
    if suffix in {".xls", ".xlsm", ".ods", ".pdf", ".doc", ".docx", ".zip"}:
        raise FileRefusedError(
            "Onbekend bestandsformaat: lever een .xlsx-, .csv- of .txt-bestand aan."
        )
    if b"\x00" in start:
        raise FileRefusedError("Dit is geen CSV- of Excelbestand (binaire inhoud).")
    lines = _count_lines(path)
    if lines - 1 > max_rows:
        raise FileRefusedError(f"Het bestand heeft meer dan {max_rows} rijen; splits het bestand.")
    encoding = _detect_encoding(path)
    with open(path, encoding=encoding, newline="") as f:
        first = f.readline()
    if not first.strip():
        raise FileRefusedError("De eerste regel (de kop met kolomnamen) is leeg.")
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    return Table(path, "csv", header, encoding, delimiter, estimated_rows=max(lines - 1, 0))


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    # A file object, because openpyxl judges a path by its extension and uploads have none.
    with open(path, "rb") as f:
        try:
            workbook = load_workbook(f, read_only=True, data_only=True)
        except Exception as exc:
            raise FileRefusedError("Het Excelbestand kan niet worden gelezen.") from exc
        try:
            yield workbook
        finally:
            workbook.close()


def _open_xlsx(path: Path, max_rows: int) -> Table:
    with _workbook(path) as workbook:
        if not workbook.worksheets:
            raise FileRefusedError("Het Excelbestand heeft geen werkblad.")
        sheet = workbook.worksheets[0]
        if sheet.max_row and sheet.max_row - 1 > max_rows:
            raise FileRefusedError(
                f"Het bestand heeft meer dan {max_rows} rijen; splits het bestand."
            )
        first = next(sheet.iter_rows(max_row=1, values_only=True), None)
        header = [("" if c is None else str(c)) for c in (first or [])]
        while header and not header[-1].strip():
            header.pop()
        if not header:
            raise FileRefusedError("De eerste regel (de kop met kolomnamen) is leeg.")
        return Table(path, "xlsx", header, estimated_rows=max((sheet.max_row or 1) - 1, 0))


def cell_text(value: Any) -> str:
    """A cell as trimmed text (numbers without '.0', dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()
