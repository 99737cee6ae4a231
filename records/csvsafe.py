"""Every CSV file jinli writes goes through here: text a spreadsheet would run as a formula gets a leading '.

Excel, WPS and LibreOffice treat a cell starting with = + - @ (or a tab or carriage return) as a
formula, so a customer named ``=HYPERLINK(...)`` would become a link in a rejects file or a report.
Such text is written as ``'=HYPERLINK(...)``. Numbers (``-5``, ``+3.50``, ``-12.5%``) and phone
numbers (``+8613800000000``, ``+86 138 0000 0000``) are kept as they are: they hold no letters, so
a spreadsheet can only read them as a value. The importer strips the ' again (``unprefix_cell``),
so a corrected rejects file re-imports the original text.
"""

from __future__ import annotations

import csv
import re
from typing import Any, Iterable, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+|\d{1,3}(,\d{3})+)?(\.\d+)?([eE][+-]?\d+)?%?")
_PHONE = re.compile(r"\+\d[\d \-]{5,22}\d")


def safe_cell(value: Any) -> Any:
    """The value as it may be written to a CSV cell: formula-like text prefixed with '."""
    if isinstance(value, str) and _needs_prefix(value):
        return "'" + value
    return value


def unprefix_cell(text: str) -> str:
    """A cell read back: the ' that ``safe_cell`` added is removed; any other ' is the shop's own."""
    if text.startswith("'") and _needs_prefix(text[1:]):
        return text[1:]
    return text


def _needs_prefix(text: str) -> bool:
    """Formula-like text, also behind apostrophes of its own (so that ``unprefix_cell`` is exact)."""
    text = text.lstrip("'")
    if not text.startswith(FORMULA_START):
        return False
    return not (_is_number(text) or _PHONE.fullmatch(text))


def _is_number(text: str) -> bool:
    return any(ch.isdigit() for ch in text) and _NUMBER.fullmatch(text) is not None


class SafeWriter:
    """``csv.writer`` whose rows pass through ``safe_cell``."""

    def __init__(self, file: TextIO, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])
