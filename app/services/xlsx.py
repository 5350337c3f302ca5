"""A streaming XLSX writer for one sheet of plain rows: text and numbers, nothing else.

openpyxl's write-only mode builds an object per cell and took 24x the time of the
database scan for a 100,000-row export. An export needs no styles, formulas or shared
strings: the sheet's XML is written row by row straight into the zip (inline strings),
so memory stays flat and the time stays near the scan. openpyxl and Excel read it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

# Characters XML 1.0 does not allow; a cell holding them would make the file unreadable.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

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
    f'ContentType="{_SHEET_TYPE}.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOCUMENT}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOCUMENT}/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = f'xmlns:r="{_DOCUMENT}"'


def _cell(value: Any) -> str:
    if value.__class__ is str:
        if not value:
            return "<c/>"
        # Fast paths: most cells hold no control character and nothing to escape.
        text = value if value.isprintable() else _ILLEGAL.sub("", value)
        if "&" in text or "<" in text or ">" in text:
            text = escape(text)
        return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if value is None:
        return "<c/>"
    if value.__class__ is int or value.__class__ is float:
        return f"<c><v>{value}</v></c>"
    return _cell(str(value))


def write(path: Path, sheet_name: str, rows: Iterable[Iterable[Any]]) -> None:
    """Write `rows` (the first one the header) as the only sheet of a workbook at `path`."""
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
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f"{_XML}<worksheet {_NS}><sheetData>".encode())
            buffer: list[str] = []
            for row in rows:
                buffer.append("<row>" + "".join(map(_cell, row)) + "</row>")
                if len(buffer) >= 500:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())
