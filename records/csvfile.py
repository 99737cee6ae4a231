"""Streaming CSV files from the shop's spreadsheets: header aliases, row numbers, and a rejects file.

Files are UTF-8 with or without a BOM (Excel's "CSV UTF-8"); another encoding can be named.
Rows stream one at a time so a million-row file needs no more memory than a thousand-row one.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from errors import ImportFileError
from records.csvsafe import SafeWriter, unprefix_cell


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def matches(self, header: str) -> bool:
        return _norm(header) in {_norm(self.name), *(_norm(a) for a in self.aliases)}


@dataclass(frozen=True)
class Row:
    number: int  # the line the row starts on: the header is line 1 (rows never span lines)
    values: dict[str, str]  # canonical column name -> stripped text
    raw: list[str]


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

    def as_json(self) -> dict[str, int]:
        return {"imported": self.imported, "updated": self.updated, "rejected": self.rejected}


def _norm(header: str) -> str:
    return header.replace("\ufeff", "").strip().lower().replace(" ", "_").replace("-", "_")


class CsvFile:
    """A CSV file read row by row against a column spec; ``position`` tells the bytes consumed."""

    def __init__(self, path: Path, columns: tuple[Column, ...], encoding: str = "utf-8-sig"):
        self.path = Path(path)
        self.columns = columns
        self.encoding = "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ImportFileError(f"unknown encoding {encoding!r}") from None
        self.size = self._stat_size()
        self.header: list[str] = []
        self.mapping: dict[int, str] = {}
        self.ignored: list[str] = []
        self._binary = None

    def _stat_size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            raise ImportFileError(f"{self.path}: file not found") from None
        except OSError as exc:
            raise ImportFileError(f"{self.path}: {exc.strerror}") from None

    @property
    def position(self) -> int:
        return self._binary.tell() if self._binary and not self._binary.closed else self.size

    def rows(self) -> Iterator[Row]:
        """Each non-blank data row; a decoding error or a malformed file is an ImportFileError."""
        with open(self.path, "rb") as binary:
            self._binary = binary
            text = io.TextIOWrapper(binary, encoding=self.encoding, newline="")
            reader = csv.reader(text, strict=True)
            try:
                yield from self._read(reader)
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"{self.path}: row {reader.line_num + 1}: not {self.encoding} text "
                    "(save as \"CSV UTF-8\" in Excel, or pass --encoding gb18030)"
                ) from None

    def _read(self, reader) -> Iterator[Row]:
        self._read_header(reader)
        while True:
            first_line = reader.line_num + 1
            try:
                raw = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(_malformed(self.path, first_line, reader.line_num, exc)) from None
            _refuse_line_breaks(self.path, first_line, raw)
            if any(cell.strip() for cell in raw):
                yield self._row(first_line, raw)

    def _read_header(self, reader) -> None:
        try:
            self.header = next(reader)
        except StopIteration:
            raise ImportFileError(f"{self.path}: the file is empty (no header row)") from None
        except csv.Error as exc:
            raise ImportFileError(_malformed(self.path, 1, reader.line_num, exc)) from None
        _refuse_line_breaks(self.path, 1, self.header)
        for index, header in enumerate(self.header):
            column = next((c for c in self.columns if c.matches(header)), None)
            if column is None:
                if header.strip():
                    self.ignored.append(header.strip())
            elif column.name in self.mapping.values():
                raise ImportFileError(f"{self.path}: column {column.name!r} appears twice ({header!r})")
            else:
                self.mapping[index] = column.name
        missing = [c for c in self.columns if c.required and c.name not in self.mapping.values()]
        if missing:
            names = ", ".join(f"{c.name} ({'/'.join(c.aliases)})" if c.aliases else c.name for c in missing)
            raise ImportFileError(f"{self.path}: missing column {names}")

    def _row(self, number: int, cells: list[str]) -> Row:
        raw = [unprefix_cell(cell) for cell in cells]  # the ' that jinli put before a formula-like text
        values = {name: (raw[i].strip() if i < len(raw) else "") for i, name in self.mapping.items()}
        return Row(number, values, raw)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _refuse_line_breaks(path: Path, first_line: int, cells: list[str]) -> None:
    """A cell over a line break is, in the shop's files, a stray quote that swallowed the lines after it."""
    for cell in cells:  # the first cell with a break opened on the row's first line
        breaks = len(_LINE_BREAK.findall(cell))
        if breaks:
            raise ImportFileError(
                f"{path}: line {first_line}: a quoted cell opened here runs over {breaks} line break(s) to line "
                f"{first_line + breaks} (a stray quote?): fix the quote and import again; nothing was imported")


def _malformed(path: Path, first_line: int, last_line: int, exc: csv.Error) -> str:
    """The one line for a file the csv module cannot split into rows; quotes are the usual cause."""
    if "unexpected end of data" in str(exc):
        return (f"{path}: line {first_line}: a quoted cell opened here is never closed (a stray quote?): "
                "fix the quote and import again; nothing was imported")
    if "field larger than field limit" in str(exc):
        return (f"{path}: line {first_line}: a cell starting here is longer than {csv.field_size_limit():,} "
                "characters (a stray quote that swallowed the lines after it?); nothing was imported")
    return f"{path}: line {last_line}: malformed CSV: {exc} (a stray quote?); nothing was imported"


class RejectsFile:
    """The rejected rows, written beside the input as ``NAME.rejects.csv`` (created only if needed)."""

    def __init__(self, path: Path, source: CsvFile):
        self.path = Path(path)
        self.source = source
        self._file = None
        self._writer = None
        self.count = 0

    def add(self, row_number: int, reason: str, raw: list[str]) -> None:
        if self._writer is None:
            self._file = open(self.path, "w", encoding="utf-8-sig", newline="")
            self._writer = SafeWriter(self._file)
            self._writer.writerow(["row", "reason", *self.source.header])
        self._writer.writerow([row_number, reason, *raw])
        self.count += 1

    def close(self) -> None:
        if self._file:
            self._file.close()

    def __enter__(self) -> "RejectsFile":
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        self.close()
        if exc_type is not None:  # a refused file imported nothing: no row of it is to blame
            self.path.unlink(missing_ok=True)


def default_rejects_path(source: Path) -> Path:
    return source.with_name(source.stem + ".rejects.csv")

