"""Excel workbooks (.xlsx, .xls, .ods) read with python-calamine, and the .xlsx rejects file (xlsxwriter).

Cells come as Excel holds them and become the text the parsers read: a date or date-time cell is its
date (the time is ignored); a whole number stored as a float (13512345678.0) loses its ``.0``; a number
in a date column is an Excel serial date (31112 is 1985-03-06). Calamine reads a sheet into compact
native memory and ``iter_rows`` hands Python one row at a time, so Python never holds every row.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterator

import python_calamine
import xlsxwriter

from errors import ImportFileError
from records.headers import Column
from records.sheets import SheetReader

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel counts a 29 February 1900 that never was)


class ExcelFile(SheetReader):
    """One sheet of a workbook, row by row; ``position`` and ``size`` count rows."""

    kind = "excel"

    def __init__(self, path: Path, columns: tuple[Column, ...], sheet: str | None = None,
                 mapping: dict[str, str] | None = None):
        super().__init__(path, columns, mapping)
        self.sheet_name = sheet
        self.position, self.size = 0, 0

    def _open(self) -> Any:
        try:
            book = python_calamine.CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine's errors (zip, xml, password) share no base class worth naming
            raise ImportFileError(f"{self.path}: not a readable Excel workbook ({_first_line(exc)})") from None
        if self.sheet_name is None:
            if not book.sheet_names:
                raise ImportFileError(f"{self.path}: the workbook has no sheet")
            return book.get_sheet_by_index(0)
        if self.sheet_name not in book.sheet_names:
            raise ImportFileError(f"{self.path}: no sheet {self.sheet_name!r}; the sheets are {', '.join(book.sheet_names)}")
        return book.get_sheet_by_name(self.sheet_name)

    def _cells(self) -> Iterator[tuple[int, list[Any]]]:
        sheet = self._open()
        self.size = sheet.end[0] + 1 if sheet.end else 0  # the last row's number: iter_rows starts at row 1
        for index, cells in enumerate(sheet.iter_rows()):  # from sheet row 1, however far down the data starts
            self.position = index + 1
            yield index + 1, cells

    def _text(self, cell: Any, column: Column | None) -> str:
        return cell_text(cell, column is not None and column.kind == "date")


def cell_text(cell: Any, date_column: bool = False) -> str:
    """A cell as the text the parsers read (see the module's docstring)."""
    if cell is None or isinstance(cell, str):
        return cell or ""
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, (int, float)):
        return _number_text(cell, date_column)
    if isinstance(cell, (time, timedelta)):
        return str(cell)
    return str(cell)


def _number_text(value: float, date_column: bool) -> str:
    if not math.isfinite(value):
        return str(value)
    if date_column and value >= 61 and float(value).is_integer():  # serials below 61 are before 1900-03-01
        return serial_date(int(value)).isoformat()
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def serial_date(serial: int) -> date:
    """The date of an Excel serial number (1900 date system)."""
    return EXCEL_EPOCH + timedelta(days=serial)


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


class ExcelRejects:
    """The rejected rows as an .xlsx workbook: row, reason, then the original cells as they were typed."""

    def __init__(self, path: Path, source: SheetReader):
        self.path = Path(path)
        self.source = source
        self._book = None
        self._sheet = None
        self._formats: dict[str, Any] = {}
        self._next = 0
        self.count = 0

    def add(self, row_number: int, reason: str, raw: list[Any]) -> None:
        if self._book is None:
            self._start()
        self._write_row([row_number, reason, *raw])
        self.count += 1

    def _start(self) -> None:
        # Strings stay strings: no formula, URL or number is made of a customer's text.
        self._book = xlsxwriter.Workbook(str(self.path), {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
        self._sheet = self._book.add_worksheet("rejects")
        self._formats = {"date": self._book.add_format({"num_format": "yyyy-mm-dd"}),
                         "bold": self._book.add_format({"bold": True})}
        self._write_row(["row", "reason", *self.source.header], self._formats["bold"])
        self._sheet.set_column(1, 1, 60)

    def _write_row(self, cells: list[Any], fmt: Any = None) -> None:
        for col, value in enumerate(cells):
            write_cell(self._sheet, self._next, col, value, self._formats["date"], fmt)
        self._next += 1

    def close(self) -> None:
        if self._book is not None:
            self._book.close()

    def __enter__(self) -> "ExcelRejects":
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        self.close()
        if exc_type is not None:
            self.path.unlink(missing_ok=True)


def write_cell(sheet: Any, row: int, col: int, value: Any, date_format: Any, fmt: Any = None) -> None:
    """One typed cell: text as text (never a formula), numbers as numbers, dates as date cells."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)) and math.isfinite(value):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, (date, datetime)):
        sheet.write_datetime(row, col, value, date_format)
    else:
        sheet.write_string(row, col, str(value), fmt)
