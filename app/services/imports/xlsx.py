"""A streaming XLSX writer for one sheet of plain rows: text, numbers, dates and times.

openpyxl's write-only mode builds an object per cell and took 24x the time of the
database scan for a 100,000-row export. An export needs no styles, formulas or shared
strings: the sheet's XML is written row by row straight into the zip (inline strings),
so memory stays flat and the time stays near the scan. openpyxl and Excel read it.

Dates and date-times are real date cells (a serial number with a Dutch display format)
so a spreadsheet sorts and filters them; text is text, never a formula, so it needs no
escape. Characters XML cannot hold are written as the standard's `_xHHHH_` escapes
(ECMA-376 part 1, 22.9.2.19); a carriage return as a character reference, so it stays.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

# Characters XML 1.0 does not allow (a cell holding them would make the file unreadable)
# and a literal "_xHHHH_" (which would be read as an escape): each gets the standard's
# escape. A carriage return is a character reference, which XML keeps (a literal one is
# turned into a line feed by every reader).
_ESCAPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
# Excel's limit for the text of one cell; longer text is cut with a visible marker.
CELL_LIMIT = 32_767
CUT_MARKER = " [afgekapt]"
_EPOCH = dt.datetime(1899, 12, 30)
# Cell styles (styles.xml): 1 is a date, 2 a date with time, in the Dutch notation.
_DATE_STYLE, _MOMENT_STYLE = 1, 2
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd\\-mm\\-yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd\\-mm\\-yyyy\\ hh:mm"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEET_TYPE}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{_SHEET_TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_SHEET_TYPE}.styles+xml"/></Types>'
)
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOCUMENT}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOCUMENT}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOCUMENT}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = f'xmlns:r="{_DOCUMENT}"'


def _escape_char(match: re.Match[str]) -> str:
    return f"_x{ord(match.group(0)):04X}_"


def _text(value: str) -> str:
    if len(value) > CELL_LIMIT:
        value = value[: CELL_LIMIT - len(CUT_MARKER)] + CUT_MARKER
    # Fast paths: most cells hold no control character and nothing to escape.
    if not value.isprintable() or "_x" in value:
        value = _ESCAPED.sub(_escape_char, value)
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def _cell(value: Any) -> str:
    if value.__class__ is str:
        if not value:
            return "<c/>"
        return f'<c t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'
    if value is None:
        return "<c/>"
    if value.__class__ is int or value.__class__ is float:
        return f"<c><v>{value}</v></c>"
    if value.__class__ is dt.datetime:
        serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
        return f'<c s="{_MOMENT_STYLE}"><v>{serial:.6f}</v></c>'
    if value.__class__ is dt.date:
        return f'<c s="{_DATE_STYLE}"><v>{(value - _EPOCH.date()).days}</v></c>'
    return _cell(str(value))


def _columns(widths: list[int] | None) -> str:
    # The header row stays in view while scrolling; each column as wide as its values.
    frozen = (
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    )
    if not widths:
        return frozen
    columns = "".join(
        f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
        for n, width in enumerate(widths, start=1)
    )
    return f"{frozen}<cols>{columns}</cols>"


def write(
    path: Path,
    sheet_name: str,
    rows: Iterable[Iterable[Any]],
    large: bool = False,
    widths: list[int] | None = None,
) -> None:
    """Write `rows` (the first one the header) as the only sheet of a workbook at `path`.

    `large`: the sheet may pass 2 GB, so it is written as ZIP64; otherwise not, since
    a ZIP64 local header with a plain central directory makes Excel repair small files.
    `widths`: each column's width in characters (else the spreadsheet's default, which
    shows a date as ###).
    """
    name = escape(sheet_name, {'"': "&quot;"})
    workbook = (
        f"{_XML}<workbook {_NS} {_REL_NS}>"
        f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=large) as sheet:
            sheet.write(f"{_XML}<worksheet {_NS}>{_columns(widths)}<sheetData>".encode())
            buffer: list[str] = []
            for row in rows:
                buffer.append("<row>" + "".join(map(_cell, row)) + "</row>")
                if len(buffer) >= 500:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())
