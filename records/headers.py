"""Header rows as staff write them: decorated names, aliases, a shop's own mapping, title rows above.

The rule, applied alike to a header cell and to every name a column answers to: full-width forms made
ASCII (NFKC), anything in brackets （…）/(…) removed, ``*``, ``_``, ``-`` and spaces removed, letters
lower-cased, then a leading 所属 or 客户 removed. So ``手机号（必填）``, ``*手机号``, ``所属门店`` and
``客户姓名`` find phone, store and name. A mapping (``--map '联系电话=phone'``, ``[import] columns``)
wins over the aliases. The header row is the first of the first ``HEADER_SEARCH_ROWS`` non-blank rows
that names every required column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from errors import ImportFileError, InvalidValue

HEADER_SEARCH_ROWS = 30
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】")
_NOISE = re.compile(r"[\s*_\-:]+")
_PREFIXES = ("所属", "客户")


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"  # "date": an Excel number in it is a serial date; "free": text kept as typed (names)

    @property
    def free_text(self) -> bool:
        return self.kind == "free"

    def keys(self) -> set[str]:
        return {header_key(self.name), *(header_key(alias) for alias in self.aliases)}


@dataclass
class HeaderMap:
    mapping: dict[int, Column] = field(default_factory=dict)  # cell index -> column
    ignored: list[str] = field(default_factory=list)
    repeated: list[tuple[str, str]] = field(default_factory=list)  # (column, the second header naming it)

    def names(self) -> set[str]:
        return {column.name for column in self.mapping.values()}


def header_key(text: str) -> str:
    """A header reduced by the rule above, for comparing with a column's names."""
    key = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "")
    key = _NOISE.sub("", _BRACKETS.sub("", key)).lower()
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix):]
    return key


def parse_mapping(pairs: tuple[str, ...] | list[str], columns: tuple[Column, ...], strict: bool = True) -> dict[str, str]:
    """``HEADER=column`` pairs as header keys -> column names; an unknown column is InvalidValue when strict."""
    found = {}
    names = {column.name for column in columns}
    for pair in pairs:
        header, sep, name = (part.strip() for part in pair.partition("="))
        if not sep or not header or not name:
            raise InvalidValue(f"--map {pair!r}: expected HEADER=column, e.g. 联系电话=phone")
        if name in names:
            found[header_key(header)] = name
        elif strict:
            raise InvalidValue(f"--map {pair!r}: unknown column {name!r}; expected one of {', '.join(sorted(names))}")
    return found


def map_header(cells: list[str], columns: tuple[Column, ...], mapping: dict[str, str]) -> HeaderMap:
    """Which cell holds which column; unknown headers are listed as ignored."""
    by_name = {column.name: column for column in columns}
    result = HeaderMap()
    for index, text in enumerate(cells):
        key = header_key(text)
        column = by_name.get(mapping.get(key, "")) or next((c for c in columns if key and key in c.keys()), None)
        if column is None:
            if text.strip():
                result.ignored.append(text.strip())
        elif column.name in result.names():
            result.repeated.append((column.name, text))
        else:
            result.mapping[index] = column
    return result


def find_header(path: Path, cells: Iterator[tuple[int, list[Any]]], columns: tuple[Column, ...],
                mapping: dict[str, str], as_text: Callable[[Any], str]) -> tuple[HeaderMap, list[str]]:
    """Consume rows up to and including the header row; its map and its cells as text."""
    required = {column.name for column in columns if column.required}
    first: tuple[HeaderMap, list[str]] | None = None  # the row naming the most columns so far
    seen = 0
    for _number, raw in cells:
        texts = [as_text(cell) for cell in raw]
        if not any(text.strip() for text in texts):
            continue
        found = map_header(texts, columns, mapping)
        if first is None or len(found.mapping) > len(first[0].mapping):
            first = (found, texts)  # the likeliest header, for naming what it lacks
        if required <= found.names():
            _refuse_repeats(path, found)
            return found, texts
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise ImportFileError(f"{path}: the file is empty (no header row)",
                              key="import_file_empty", path=path)
    missing = _missing(first[0], columns)
    raise ImportFileError(f"{path}: missing column {missing}" + (f" (no header row among the first {seen} rows)" if seen > 1 else ""),
                          key="import_missing_column", path=path, columns=missing + (_no_header(seen) if seen > 1 else ""))


def _no_header(rows: int) -> str:
    """Why a header was not found, in the running command's language."""
    from cli_text import text

    return text("import_no_header", rows=rows)


def _refuse_repeats(path: Path, found: HeaderMap) -> None:
    if found.repeated:
        name, header = found.repeated[0]
        raise ImportFileError(f"{path}: column {name!r} appears twice ({header!r})",
                              key="import_column_twice", path=path, column=name, header=header)


def _missing(found: HeaderMap, columns: tuple[Column, ...]) -> str:
    missing = [c for c in columns if c.required and c.name not in found.names()]
    return ", ".join(f"{c.name} ({'/'.join(c.aliases)})" if c.aliases else c.name for c in missing)
