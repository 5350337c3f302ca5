"""Reading CSV and XLSX as Excel makes them: delimiter, encoding and header detected, streamed."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from . import ods

XLSX_MAGIC = b"PK\x03\x04"
# Delimiters a spreadsheet writes: Dutch Excel ';', others ',', "Text (tab-separated)" a tab.
DELIMITERS = (";", ",", "\t")
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
    kind: str  # "csv", "xlsx" or "ods"
    header: list[str]
    encoding: str = "utf-8"
    delimiter: str = ";"
    estimated_rows: int = 0
    # The sheet holding the header: the first one that has one (a workbook may start empty).
    sheet: int = 0
    # Most data rows; the count is kept while reading, as a sheet's own size can lie.
    max_rows: int | None = None
    _keys: list[str] = field(default_factory=list)
    # Whatever must live as long as the table (the temporary copy of a stored file).
    keep: Any = field(default=None, repr=False)

    def keys(self) -> list[str]:
        if not self._keys:
            self._keys = [header_key(h) for h in self.header]
        return self._keys

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows with the spreadsheet's row number (the header is row 1), empty ones skipped.

        A file with more non-empty rows than the limit is refused when the row past it is read.
        """
        sources = {"xlsx": self._xlsx_rows, "ods": self._ods_rows, "csv": self._csv_rows}
        count = 0
        for line, cells in sources[self.kind]():
            if is_empty(cells):
                continue  # empty (trailing) rows count for nothing
            count += 1
            if self.max_rows is not None and count > self.max_rows:
                raise too_many_rows(self.max_rows)
            yield line, cells

    def _csv_rows(self) -> Iterator[tuple[int, list[Any]]]:
        # A row per record, as a spreadsheet numbers them: a quoted cell spanning several
        # lines is one row (the reader's line_num would count its lines).
        with open(self.path, encoding=self.encoding, newline="") as f:
            reader = csv.reader(f, delimiter=self.delimiter)
            next(reader, None)
            yield from enumerate(reader, start=2)

    def _xlsx_rows(self) -> Iterator[tuple[int, list[Any]]]:
        with _workbook(self.path) as workbook:
            sheet = workbook.worksheets[self.sheet]
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if line == 1:
                    continue
                yield line, list(cells)

    def _ods_rows(self) -> Iterator[tuple[int, list[Any]]]:
        try:
            for line, cells in ods.rows(self.path, self.sheet):
                if line > 1:
                    yield line, cells
        except ods.OdsError as exc:
            raise FileRefusedError(_UNREADABLE_ODS) from exc


def is_empty(cells: list[Any]) -> bool:
    """Whether a row holds nothing (a trailing or formatted empty row)."""
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def too_many_rows(max_rows: int) -> FileRefusedError:
    """The refusal of a file with more data rows than the limit."""
    return FileRefusedError(f"Het bestand heeft meer dan {max_rows} rijen; splits het bestand.")


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


def _within_limit(table: Table) -> None:
    """Refuse a table with more non-empty data rows than its limit (stops at the first past it)."""
    for _ in table.rows():
        pass


def _zip_kind(path: Path) -> str:
    """'ods' for an OpenDocument spreadsheet (its first entry says so), else 'xlsx'."""
    try:
        with zipfile.ZipFile(path) as archive:
            if "mimetype" in archive.namelist():
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace")
                if mimetype.strip() == ods.MIMETYPE:
                    return "ods"
                return "other"
    except zipfile.BadZipFile:
        pass
    return "xlsx"


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
        kind = _zip_kind(path)
        if kind == "ods":
            return _open_ods(path, max_rows)
        if kind == "other":
            raise FileRefusedError(_UNKNOWN_FORMAT)
        return _open_xlsx(path, max_rows)
    if suffix in {".xls", ".xlsm", ".ods", ".pdf", ".doc", ".docx", ".zip"}:
        raise FileRefusedError(_UNKNOWN_FORMAT)
    if b"\x00" in start:
        raise FileRefusedError("Dit is geen CSV- of Excelbestand (binaire inhoud).")
    encoding = _detect_encoding(path)
    with open(path, encoding=encoding, newline="") as f:
        first = f.readline()
    if not first.strip():
        raise FileRefusedError("De eerste regel (de kop met kolomnamen) is leeg.")
    # The delimiter the header uses most; ';' first, as Dutch Excel writes it.
    delimiter = max(DELIMITERS, key=first.count)
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    lines = _count_lines(path)
    table = Table(path, "csv", header, encoding, delimiter, estimated_rows=max(lines - 1, 0))
    table.max_rows = max_rows
    if lines - 1 > max_rows:
        _within_limit(table)  # the line count holds empty rows and lines within cells
    return table


_UNKNOWN_FORMAT = "Onbekend bestandsformaat: lever een .xlsx-, .ods-, .csv- of .txt-bestand aan."


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


def _header(first: Any) -> list[str]:
    header = [("" if c is None else str(c)) for c in (first or [])]
    while header and not header[-1].strip():
        header.pop()
    return header


_UNREADABLE_ODS = (
    "Het OpenDocument-rekenblad (.ods) kan niet worden gelezen. Sla het in LibreOffice op als "
    "Excel 2007-365 (.xlsx) of CSV en upload het opnieuw."
)
_EMPTY_SHEETS = (
    "Het bestand heeft geen kop met kolomnamen: de eerste rij van elk werkblad is leeg. "
    "Zet de kolomnamen in de eerste rij."
)


def _open_xlsx(path: Path, max_rows: int) -> Table:
    with _workbook(path) as workbook:
        if not workbook.worksheets:
            raise FileRefusedError("Het Excelbestand heeft geen werkblad.")
        for index, sheet in enumerate(workbook.worksheets):  # noqa: B007 (used after)
            header = _header(next(sheet.iter_rows(max_row=1, values_only=True), None))
            if header:
                break
        else:
            raise FileRefusedError(_EMPTY_SHEETS)
        stated = sheet.max_row
    table = Table(path, "xlsx", header, estimated_rows=max((stated or 1) - 1, 0), sheet=index)
    table.max_rows = max_rows
    if not stated or stated - 1 > max_rows:
        # The sheet's own size counts formatted empty rows, or is missing: count what is there.
        _within_limit(table)
    return table


def _open_ods(path: Path, max_rows: int) -> Table:
    try:
        for index, first in ods.first_rows(path):  # noqa: B007 (used after)
            header = _header(first)
            if header:
                break
        else:
            raise FileRefusedError(_EMPTY_SHEETS)
    except ods.OdsError as exc:
        raise FileRefusedError(_UNREADABLE_ODS) from exc
    table = Table(path, "ods", header, sheet=index)
    table.max_rows = max_rows
    count = 0
    for _ in table.rows():
        count += 1  # the limit, and an estimate for the progress bar
    table.estimated_rows = count
    return table


def cell_text(value: Any) -> str:
    """A cell as trimmed text (numbers without '.0', dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()
