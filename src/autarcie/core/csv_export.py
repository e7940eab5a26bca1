"""The one CSV writer of every export people open in a spreadsheet (French Excel first).

French Excel splits on ``;`` (``,`` is the decimal mark), reads UTF-8 only when the file
starts with a byte-order mark, and runs a cell starting with ``=``, ``+``, ``-`` or ``@`` as
a formula: a patient name or a log line typed as ``=HYPERLINK(...)`` would become a live
link or command on the cell's computer. Such text cells are written with a leading ``'``
(OWASP "CSV injection"); numbers are written as they are, a negative number is no formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse

__all__ = ["BOM", "Cell", "csv_response", "csv_text", "safe_cell"]

BOM = "\ufeff"
SEPARATOR = ";"
# Tab and carriage return too: Excel strips them and then reads the formula behind.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | Decimal | dt.date | None


def safe_cell(value: Cell) -> str:
    """The text written for one cell; text that Excel would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | dt.date):
        return str(value)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_text(rows: Iterable[Sequence[Cell]]) -> str:
    """The whole file as text: byte-order mark, ``;``-separated, CRLF line ends."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def csv_response(file_name: str, rows: Iterable[Sequence[Cell]]) -> HttpResponse:
    """A download of ``rows`` as ``file_name`` (ASCII name: it goes in a header)."""
    response = HttpResponse(csv_text(rows).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
