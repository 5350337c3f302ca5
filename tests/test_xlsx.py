"""Our streaming XLSX writer: a real workbook that openpyxl reads back cell for cell."""

from __future__ import annotations

from openpyxl import load_workbook

from app.services.imports import xlsx


def test_text_numbers_and_empty_cells_read_back_exactly(tmp_path):
    path = tmp_path / "zaken.xlsx"
    rows = [
        ["zaak_id", "naam", "leeg", "bedrag"],
        [1, "Jansen & Zn <b>", "", 12.5],
        [2, "'=1+1", None, 0],
        [3, "regel\x01met\x0bstuurtekens \u00eb\u00ef", "  spaties  ", -4],
    ]
    xlsx.write(path, 'Zaken "2026"', rows)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ['Zaken "2026"']
    back = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert back == [
        ["zaak_id", "naam", "leeg", "bedrag"],
        [1, "Jansen & Zn <b>", None, 12.5],
        [2, "'=1+1", None, 0],
        # Control characters XML cannot hold get the standard's escape (Excel shows the
        # character; openpyxl does not decode the escape and shows it as written).
        [3, "regel_x0001_met_x000B_stuurtekens \u00eb\u00ef", "  spaties  ", -4],
    ]
