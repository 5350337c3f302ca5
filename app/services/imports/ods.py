"""Reading an OpenDocument spreadsheet (.ods, what LibreOffice saves), streamed row by row.

openpyxl reads only Office Open XML. An .ods file is a zip whose `content.xml` holds the
sheets as `table:table` > `table:table-row` > `table:table-cell`; a typed cell carries its
value in an attribute (a number in `office:value`, a date in `office:date-value`), text
cells in `text:p` paragraphs. Repeated rows and cells (how LibreOffice writes empty ones)
are counted, not expanded, unless they hold a value.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
SHEET = f"{{{_TABLE}}}table"
ROW = f"{{{_TABLE}}}table-row"
CELLS = {f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"}
ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
COLUMNS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
VALUE_TYPE = f"{{{_OFFICE}}}value-type"
PARAGRAPH = f"{{{_TEXT}}}p"
SPACES = f"{{{_TEXT}}}s"
TAB = f"{{{_TEXT}}}tab"
LINE_BREAK = f"{{{_TEXT}}}line-break"
# Wider rows than any import needs are cut: a repeated filled cell could claim millions.
MAX_COLUMNS = 1024


class OdsError(ValueError):
    """The file is not a readable OpenDocument spreadsheet."""


# What a damaged file raises while it is read: a missing part, bad XML, a bad value.
_UNREADABLE = (KeyError, zipfile.BadZipFile, ParseError, DefusedXmlException, ValueError)


def _text(element: Element) -> str:
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag == SPACES:
            parts.append(" " * int(child.get(f"{{{_TEXT}}}c", "1")))
        elif child.tag == TAB:
            parts.append("\t")
        elif child.tag == LINE_BREAK:
            parts.append("\n")
        else:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _value(cell: Element) -> Any:
    kind = cell.get(VALUE_TYPE)
    if kind in ("float", "percentage", "currency"):
        return float(cell.get(f"{{{_OFFICE}}}value", "0"))
    if kind == "date":
        stamp = cell.get(f"{{{_OFFICE}}}date-value", "")
        moment = dt.datetime.fromisoformat(stamp)
        return moment.date() if "T" not in stamp else moment
    if kind == "boolean":
        return cell.get(f"{{{_OFFICE}}}boolean-value") == "true"
    paragraphs = [_text(p) for p in cell if p.tag == PARAGRAPH]
    return "\n".join(paragraphs) if paragraphs else None


def _cells(row: Element) -> list[Any]:
    cells: list[Any] = []
    pending_empty = 0
    for cell in row:
        if cell.tag not in CELLS:
            continue
        repeat = int(cell.get(COLUMNS_REPEATED, "1"))
        value = _value(cell)
        if value is None or value == "":
            pending_empty += repeat  # only written when a filled cell follows
            continue
        cells.extend([None] * min(pending_empty, MAX_COLUMNS))
        pending_empty = 0
        cells.extend([value] * min(repeat, MAX_COLUMNS))
        if len(cells) >= MAX_COLUMNS:
            return cells[:MAX_COLUMNS]
    return cells


def _sheets(path: Path) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    """Per sheet, in order, its non-empty rows with their row number (1-based).

    Each sheet's rows must be read (or dropped) before the next sheet is asked for.
    """
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            parsed = iterparse(content, events=("start", "end"))
            for event, element in parsed:
                if event == "start" and element.tag == SHEET:
                    yield _sheet_rows(parsed, element)
    except _UNREADABLE as exc:
        raise OdsError(str(exc)) from exc


def _sheet_rows(parsed: Any, sheet: Element) -> Iterator[tuple[int, list[Any]]]:
    # Read while the caller iterates, so a broken cell or tag is met here, not in _sheets.
    try:
        yield from _read_sheet(parsed, sheet)
    except _UNREADABLE as exc:
        raise OdsError(str(exc)) from exc


def _read_sheet(parsed: Any, sheet: Element) -> Iterator[tuple[int, list[Any]]]:
    line = 0
    parents: list[Element] = [sheet]
    for event, element in parsed:
        if event == "start":
            parents.append(element)
            continue
        parents.pop()
        if element is sheet:
            return
        if element.tag != ROW:
            continue
        repeat = int(element.get(ROWS_REPEATED, "1"))
        cells = _cells(element)
        parents[-1].remove(element)  # a read row is let go: memory stays flat
        if not cells:
            line += repeat  # empty rows (LibreOffice repeats them to the sheet's end)
            continue
        for _ in range(repeat):
            line += 1
            yield line, cells


def first_rows(path: Path) -> Iterator[tuple[int, list[Any] | None]]:
    """Per sheet (0-based index) the cells of its first row, or None when it is empty."""
    for index, sheet in enumerate(_sheets(path)):
        first = next(sheet, None)
        yield index, first[1] if first and first[0] == 1 else None
        for _ in sheet:
            pass  # read to the end of this sheet, so the next one can start


def rows(path: Path, sheet: int) -> Iterator[tuple[int, list[Any]]]:
    """The non-empty rows of sheet `sheet` (0-based) with their row number, header included."""
    for index, found in enumerate(_sheets(path)):
        if index == sheet:
            yield from found
            return
        for _ in found:
            pass
