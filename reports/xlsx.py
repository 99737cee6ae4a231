"""Reports as Excel workbooks (xlsxwriter): one sheet per table, what the report covers stated on top.

Numbers stay numbers so staff can sum and chart them: counts as whole numbers, money in yuan with two
decimals, rates as percentages (0.125 shown as 12.5%), ratios with two decimals. Text is written as
text, never as a formula.
"""

from __future__ import annotations

import io
import re
from typing import Any

import xlsxwriter

from reports.render import Table

_NUMBER_FORMATS = {"int": "#,##0", "fen": "#,##0.00", "pct": "0.0%", "ratio": "0.00"}
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def to_xlsx(tables: list[Table], meta: list[str] = ()) -> bytes:
    """A workbook with one sheet per table: ``meta`` lines (title, filters, period), a blank row, the table."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    formats = {kind: book.add_format({"num_format": fmt}) for kind, fmt in _NUMBER_FORMATS.items()}
    formats["head"] = book.add_format({"bold": True, "bottom": 1})
    formats["title"] = book.add_format({"bold": True, "font_size": 14})
    names: set[str] = set()
    for table in tables:
        _sheet(book.add_worksheet(_sheet_name(table.title, names)), table, meta, formats)
    book.close()
    return out.getvalue()


def _sheet(sheet: Any, table: Table, meta: list[str], formats: dict) -> None:
    sheet.write_string(0, 0, table.title, formats["title"])
    for offset, line in enumerate(meta, start=1):
        sheet.write_string(offset, 0, line)
    top = len(meta) + 2
    for col, (name, label) in enumerate(table.columns):
        sheet.write_string(top, col, label, formats["head"])
        sheet.set_column(col, col, max(10, min(40, 2 * len(label) + 2)))
    for r, row in enumerate(table.rows, start=top + 1):
        for col, (name, _label) in enumerate(table.columns):
            _cell(sheet, r, col, row.get(name), table.kinds.get(name, "text"), formats)
    sheet.freeze_panes(top + 1, 0)


def _cell(sheet: Any, row: int, col: int, value: Any, kind: str, formats: dict) -> None:
    if value is None:
        return
    if kind in _NUMBER_FORMATS and isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(row, col, value / 100 if kind == "fen" else value, formats[kind])
    else:
        sheet.write_string(row, col, str(value))


def _sheet_name(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _SHEET_NAME_BAD.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name
