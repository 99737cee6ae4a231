"""CSV files from the shop's spreadsheets, read row by row, and the CSV rejects file.

The encoding is detected (``records.encodings``: UTF-8 with or without BOM, UTF-16 with a BOM, else
GB18030) unless one is named. The delimiter is a comma, or a tab when the first line has tabs and no
commas (Excel's "Unicode text" is tab-separated UTF-16). Rows stream one at a time, so a million-row file
needs no more memory than a thousand-row one.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path
from typing import Any, Iterator

from errors import ImportFileError
from records.csvsafe import SafeWriter, unprefix_cell
from records.encodings import detect_encoding, label
from records.headers import Column
from records.sheets import ImportSummary, Row, SheetReader

__all__ = ["Column", "CsvFile", "ImportSummary", "RejectsFile", "Row", "default_rejects_path"]


class CsvFile(SheetReader):
    """A CSV file read row by row against a column spec; ``position`` and ``size`` count lines (a progress bar's rows)."""

    kind = "csv"

    def __init__(self, path: Path, columns: tuple[Column, ...], encoding: str | None = None,
                 mapping: dict[str, str] | None = None):
        super().__init__(path, columns, mapping)
        self._stat_size()
        self.detected = not encoding
        self.encoding = _checked(encoding) if encoding else detect_encoding(self.path)
        self.size = line_count(self.path, self.encoding)
        self._reader = None

    def _stat_size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            raise ImportFileError(f"{self.path}: file not found") from None
        except OSError as exc:
            raise ImportFileError(f"{self.path}: {exc.strerror}") from None

    @property
    def position(self) -> int:
        """Lines read so far (the whole file once read): a quoted cell's line breaks count, as in ``size``."""
        return self.size if self._reader is None else min(self._reader.line_num, self.size)

    def _cells(self) -> Iterator[tuple[int, list[Any]]]:
        """(line number, cells) of every line; a decoding error or a malformed file is an ImportFileError."""
        with open(self.path, "rb") as binary:
            text = io.TextIOWrapper(binary, encoding=self.encoding, newline="")
            reader = self._reader = csv.reader(text, strict=True, delimiter=_delimiter(self.path, self.encoding))
            try:
                yield from self._read(reader)
            except UnicodeDecodeError:
                raise ImportFileError(self._decoding_error(reader.line_num + 1)) from None
            finally:
                self._reader = None

    def _decoding_error(self, line: int) -> str:
        name = label(self.encoding)
        if self.detected:
            return (f"{self.path}: row {line}: not {name} text (the encoding was detected from the start of the "
                    "file; save it again as \"CSV UTF-8\" in Excel, or name it with --encoding)")
        return f"{self.path}: row {line}: not {name} text (save as \"CSV UTF-8\" in Excel, or pass another --encoding)"

    def _read(self, reader) -> Iterator[tuple[int, list[str]]]:
        while True:
            first_line = reader.line_num + 1
            try:
                raw = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(_malformed(self.path, first_line, reader.line_num, exc)) from None
            joined = "".join(raw)  # one look at the whole row: most rows have no line break and no '
            if "\n" in joined or "\r" in joined:
                _refuse_line_breaks(self.path, first_line, raw)
            # the ' jinli put before formula-like text
            yield first_line, [unprefix_cell(cell) for cell in raw] if "'" in joined else raw

    def _text(self, cell: Any, column: Column | None) -> str:
        return cell


def line_count(path: Path, encoding: str) -> int:
    """The file's lines, counted cheaply for a progress bar: newline bytes in 1 MiB blocks (UTF-16 is decoded
    first, as one of its characters may hold a newline byte); a last line without a newline counts too."""
    if encoding.lower().replace("_", "-").startswith("utf-16"):
        with open(path, encoding=encoding, errors="replace", newline="") as file:
            return _lines(iter(lambda: file.read(1 << 20), ""), "\n")
    with open(path, "rb") as file:
        return _lines(iter(lambda: file.read(1 << 20), b""), b"\n")


def _lines(blocks, newline) -> int:
    count, last = 0, newline
    for block in blocks:
        count += block.count(newline)
        last = block[-1:]
    return count + (last != newline)


def _checked(encoding: str) -> str:
    name = "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
    try:
        codecs.lookup(name)
    except LookupError:
        raise ImportFileError(f"unknown encoding {encoding!r}") from None
    return name


def _delimiter(path: Path, encoding: str) -> str:
    """A tab when the first line has tabs and no commas, else a comma."""
    try:
        with open(path, encoding=encoding, newline="", errors="replace") as file:
            first = file.readline(64 * 1024)
    except UnicodeError:
        return ","
    return "\t" if "\t" in first and "," not in first else ","


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
    """The rejected rows as CSV with a BOM (Excel opens it in Chinese), created only if needed."""

    def __init__(self, path: Path, source: SheetReader):
        self.path = Path(path)
        self.source = source
        self._file = None
        self._writer = None
        self.count = 0

    def add(self, row_number: int, reason: str, raw: list[Any]) -> None:
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


def default_rejects_path(source: Path, suffix: str = ".csv") -> Path:
    return source.with_name(source.stem + ".rejects" + suffix)
