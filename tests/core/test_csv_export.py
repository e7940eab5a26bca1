"""The one CSV writer: what French Excel needs, and no formula smuggled in a cell."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from autarcie.core.csv_export import BOM, csv_response, csv_text, safe_cell


def test_csv_starts_with_a_bom_and_separates_with_semicolons() -> None:
    text = csv_text([["nom", "quantité"], ["Paracétamol 1 g", 3]])
    assert text.startswith(BOM)
    assert text.removeprefix(BOM) == "nom;quantité\r\nParacétamol 1 g;3\r\n"


def test_cells_that_excel_would_run_as_formulas_are_neutralised() -> None:
    rows = [['=HYPERLINK("http://x.test";"clic")', "+33 6", "-2+3", "@SUM(A1)", "\t=1", "ok"]]
    (row,) = csv.reader(io.StringIO(csv_text(rows).removeprefix(BOM)), delimiter=";")
    assert row == [
        '\'=HYPERLINK("http://x.test";"clic")',
        "'+33 6",
        "'-2+3",
        "'@SUM(A1)",
        "'\t=1",
        "ok",
    ]


def test_numbers_and_empty_cells_are_written_as_they_are() -> None:
    assert [safe_cell(v) for v in (-3, Decimal("-1.5"), None, "")] == ["-3", "-1.5", "", ""]


def test_a_download_is_utf8_with_its_bom_and_file_name() -> None:
    response = csv_response("export.csv", [["=1"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="export.csv"'
    assert response.content == b"\xef\xbb\xbf'=1\r\n"
