"""Bounds on imported values: what a careless or unlucky spreadsheet must not put in the database.

The shop may move three bounds in config.toml (``[import]``: the largest amount, the longest name, how
far ahead a holding may start); the others are fixed: no date before 1900-01-31 (where jinli's
calendars begin), no movement, ``joined_on`` or birthday after the import day. Lengths of stored text
are those of the model's columns, so SQLite answers as PostgreSQL does; a NUL byte is refused on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Table

from errors import InvalidValue
from records.parsing import parse_date, parse_money_fen
from domain.lunar import FIRST_DATE
from settings import ImportSettings

EARLIEST_DATE = FIRST_DATE  # 1900-01-31, 正月初一 of lunar 1900


@dataclass(frozen=True)
class Bounds:
    """The checks of one import, as of its import day."""

    today: date
    limits: ImportSettings = ImportSettings()

    def amount_fen(self, text: str, what: str = "amount") -> int:
        return parse_money_fen(text, what, self.limits.max_amount)

    def date(self, text: str, what: str) -> date:
        """A date not before 1900-01-31."""
        value = parse_date(text, what)
        if value < EARLIEST_DATE:
            raise InvalidValue(f"{what} {value.isoformat()} is before {EARLIEST_DATE.isoformat()}",
                               key="reject_date_before", what=what, value=value.isoformat(), earliest=EARLIEST_DATE.isoformat())
        return value

    def past_date(self, text: str, what: str) -> date:
        """A date not before 1900-01-31 and not after the import day."""
        value = self.date(text, what)
        if value > self.today:
            raise InvalidValue(f"{what} {value.isoformat()} is in the future (the import day is {self.today.isoformat()})",
                               key="reject_future_date", what=what, value=value.isoformat(), today=self.today.isoformat())
        return value

    def start(self, text: str, what: str = "start_on") -> date:
        """A holding's start: at most ``start_ahead_days`` after the import day."""
        value = self.date(text, what)
        latest = self.today + timedelta(days=self.limits.start_ahead_days)
        if value > latest:
            raise InvalidValue(f"{what} {value.isoformat()} is too far ahead: the latest start is {latest.isoformat()} "
                               f"([import] start_ahead_days = {self.limits.start_ahead_days})",
                               key="reject_start_ahead", what=what, value=value.isoformat(), latest=latest.isoformat(), days=self.limits.start_ahead_days)
        return value

    def born_on(self, born_on: date | None) -> None:
        if born_on is not None and born_on > self.today:
            raise InvalidValue(f"birthday (solar {born_on.isoformat()}) is after the import day {self.today.isoformat()}",
                               key="reject_born_after", value=born_on.isoformat(), today=self.today.isoformat())

    def name(self, text: str) -> str:
        if not text:
            raise InvalidValue("name is empty", key="reject_name_empty")
        if len(text) > self.limits.max_name_length:
            raise InvalidValue(f"name is {len(text)} characters long: at most {self.limits.max_name_length} "
                               "([import] max_name_length)",
                               key="reject_name_too_long", length=len(text), max=self.limits.max_name_length)
        return text


def refuse_nul(values: dict[str, str]) -> None:
    """PostgreSQL cannot store a NUL byte and SQLite would keep it silently: the row is refused on both."""
    for column, text in values.items():
        if "\x00" in text:
            raise InvalidValue(f"{column} holds a NUL byte (\\x00)",
                               key="reject_nul", what=column)


def check_lengths(table: Table, values: dict, labels: dict[str, str]) -> None:
    """Each text value fits its column's length in ``table`` (``labels``: the file's name for a key)."""
    limits = _lengths(table)
    for key, value in values.items():
        limit = limits.get(key)
        if limit and isinstance(value, str) and len(value) > limit:
            raise InvalidValue(f"{labels.get(key, key)} is {len(value)} characters long: at most {limit}",
                               key="reject_too_long", what=labels.get(key, key), length=len(value), max=limit)


@lru_cache(maxsize=None)
def _lengths(table: Table) -> dict[str, int]:
    """The table's text columns with a length, looked up once (not per cell of a million-row import)."""
    return {column.key: column.type.length for column in table.c if getattr(column.type, "length", None)}


def column_length(table: Table, key: str) -> int:
    return table.c[key].type.length
