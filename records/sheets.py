"""The shop's spreadsheets as rows, whatever the file: one reader interface over CSV and Excel.

A reader finds the header row (the first row naming every required column: a title row or notes
above it are skipped), maps its cells to canonical columns (``records.headers``) and yields a ``Row``
per non-blank data row, keeping the original cells for the rejects file. The importer sees only rows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from errors import ImportFileError
from records.headers import HEADER_SEARCH_ROWS, Column, HeaderMap, find_header

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .xlsm, .ods
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls


@dataclass(frozen=True)
class Row:
    number: int  # the row as staff see it: the CSV line it starts on, or the Excel row number
    values: dict[str, str]  # canonical column name -> cleaned text
    raw: list[Any]  # the original cells (text for CSV; text, numbers, dates for Excel)


@dataclass
class ImportSummary:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0  # rows imported with a note in the rejects file (counted in imported/updated/unchanged)
    merged: int = 0  # rows superseded by a later row of the same phone or ref in the file
    rejects_path: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    preview: list[str] = field(default_factory=list)  # a dry run's first rejected rows, as lines

    def as_json(self) -> dict[str, Any]:
        counts: dict[str, Any] = {"imported": self.imported, "updated": self.updated, "rejected": self.rejected}
        if self.dry_run:
            counts["dry_run"] = True
        return counts


class SheetReader:
    """Rows of one sheet against a column spec; subclasses give ``_cells()`` and ``_text()``."""

    kind = "csv"

    def __init__(self, path: Path, columns: tuple[Column, ...], mapping: dict[str, str] | None = None):
        self.path = Path(path)
        self.columns = columns
        self.user_mapping = mapping or {}
        self.header: list[str] = []
        self.header_map: HeaderMap | None = None

    @property
    def ignored(self) -> list[str]:
        return self.header_map.ignored if self.header_map else []

    def rows(self) -> Iterator[Row]:
        """Each non-blank data row after the header row; file problems are an ImportFileError."""
        cells = self._cells()
        self.header_map, self.header = find_header(self.path, cells, self.columns, self.user_mapping, self._header_text)
        for number, raw in cells:
            if any(self._text(cell, None).strip() for cell in raw):
                yield self._row(number, raw)

    def _row(self, number: int, raw: list[Any]) -> Row:
        values = {}
        for index, column in self.header_map.mapping.items():
            text = self._text(raw[index], column) if index < len(raw) else ""
            values[column.name] = clean(text, column)
        return Row(number, values, raw)

    def _header_text(self, cell: Any) -> str:
        return self._text(cell, None)

    def _cells(self) -> Iterator[tuple[int, list[Any]]]:
        raise NotImplementedError

    def _text(self, cell: Any, column: Column | None) -> str:
        raise NotImplementedError


def clean(text: str, column: Column) -> str:
    """A cell's text as the parsers read it: full-width forms made ASCII (NFKC) except in free text."""
    text = text.strip()
    if column.free_text or text.isascii():  # NFKC leaves ASCII as it is
        return text
    return unicodedata.normalize("NFKC", text).strip()


def is_excel(path: Path) -> bool:
    """An Excel (or OpenDocument) workbook, by its first bytes (a renamed file too) or its suffix."""
    try:
        with open(path, "rb") as file:
            head = file.read(4)
    except FileNotFoundError:
        raise ImportFileError(f"{path}: file not found") from None
    except OSError as exc:
        raise ImportFileError(f"{path}: {exc.strerror}") from None
    return head in (_ZIP_MAGIC, _OLE_MAGIC) or (not head and Path(path).suffix.lower() in EXCEL_SUFFIXES)


def open_sheet(path: Path, columns: tuple[Column, ...], *, encoding: str | None = None, sheet: str | None = None,
               mapping: dict[str, str] | None = None) -> SheetReader:
    """The reader for ``path``: Excel (the first sheet or ``sheet``) or CSV (``encoding`` or detected)."""
    path = Path(path)
    if is_excel(path):
        from records.excelfile import ExcelFile  # python-calamine is loaded only for workbooks
        return ExcelFile(path, columns, sheet=sheet, mapping=mapping)
    if sheet:
        raise ImportFileError(f"{path}: --sheet is for Excel workbooks; this is a CSV file")
    from records.csvfile import CsvFile
    return CsvFile(path, columns, encoding, mapping=mapping)


__all__ = ["Column", "HEADER_SEARCH_ROWS", "ImportSummary", "Row", "SheetReader", "open_sheet"]
