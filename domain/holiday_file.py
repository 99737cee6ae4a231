"""The holiday file (``[site] holidays_file``): a year's official schedule and the shop's closing days.

One TOML table per year::

    [2031]
    complete = true                       # the year's official schedule is fully entered
    holidays = [{ date = 2031-01-01, name = "元旦" }, { from = 2031-01-22, to = 2031-01-28, name = "春节" }]
    workdays = [2031-01-19, 2031-02-08]   # 调休: weekend days everyone works
    closed = [{ date = 2031-03-15, reason = "盘点" }]   # the shop's own closing days

Reading it is this module's only job; ``domain.workdays.WorkCalendar`` applies it. Every problem
is one ConfigError line naming the file, the year and the entry.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from errors import ConfigError
from domain.workdays import HolidaySchedule, WorkCalendar

_YEAR_KEYS = {"complete", "holidays", "workdays", "closed"}
_LONGEST_RANGE_DAYS = 31


def work_calendar(settings) -> WorkCalendar:
    """The shop's working-day calendar: the library, plus the holiday file if settings name one."""
    if not settings.site.holidays_file:
        return WorkCalendar()
    return WorkCalendar(load_holiday_file(settings.path(settings.site.holidays_file)))


def load_holiday_file(path: Path) -> HolidaySchedule:
    """The schedule a holiday file holds; ConfigError naming the file and entry if it is malformed."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: holiday file not found (set by [site] holidays_file)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_holidays(raw, str(path))


def parse_holidays(raw: dict[str, Any], source: str) -> HolidaySchedule:
    """A HolidaySchedule from a parsed holiday file; ``source`` names the file in errors."""
    holidays: dict[date, str] = {}
    workdays: set[date] = set()
    closed: dict[date, str] = {}
    complete: set[int] = set()
    for key, table in raw.items():
        year = _year(key, table, source)
        where = f"{source}: [{year}]"
        if _flag(table.get("complete", False), f"{where} complete"):
            complete.add(year)
        for index, entry in enumerate(_list(table, "holidays", where)):
            _add(holidays, _span(entry, year, "name", f"{where} holidays[{index}]"))
        for index, value in enumerate(_list(table, "workdays", where)):
            day = _day(value, year, f"{where} workdays[{index}]")
            _check_free(day, holidays, f"{where} workdays[{index}]")
            workdays.add(day)
        for index, entry in enumerate(_list(table, "closed", where)):
            _add(closed, _span(entry, year, "reason", f"{where} closed[{index}]", default="店休"))
    return HolidaySchedule(holidays, frozenset(workdays), closed, frozenset(complete), source)


def _year(key: str, table: Any, source: str) -> int:
    if not (key.isdigit() and len(key) == 4):
        raise ConfigError(f"{source}: [{key}]: expected a year such as [2031]")
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [{key}]: expected a table of complete, holidays, workdays, closed")
    unknown = sorted(set(table) - _YEAR_KEYS)
    if unknown:
        raise ConfigError(f"{source}: [{key}]: unknown key {unknown[0]!r} (expected complete, holidays, workdays, closed)")
    return int(key)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def _list(table: dict, key: str, where: str) -> list:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{where} {key}: expected a list, got {value!r}")
    return value


def _span(entry: Any, year: int, label: str, where: str, default: str | None = None) -> tuple[list[date], str, str]:
    """The days an entry covers (``date``, or ``from`` .. ``to``), its label, and where it stands."""
    if not isinstance(entry, dict) or set(entry) - {"date", "from", "to", label}:
        raise ConfigError(f"{where}: expected {{ date = YYYY-MM-DD, {label} = \"…\" }} or "
                          f"{{ from = …, to = …, {label} = \"…\" }}, got {entry!r}")
    text = entry.get(label, default)
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{where}: {label} must be a non-empty text, got {text!r}")
    if "date" in entry and not ({"from", "to"} & set(entry)):
        return [_day(entry["date"], year, f"{where} date")], text.strip(), where
    if "date" in entry or not {"from", "to"} <= set(entry):
        raise ConfigError(f"{where}: give either date, or both from and to")
    return _days(_day(entry["from"], year, f"{where} from"), _day(entry["to"], year, f"{where} to"), where), text.strip(), where


def _days(first: date, last: date, where: str) -> list[date]:
    count = (last - first).days + 1
    if not 1 <= count <= _LONGEST_RANGE_DAYS:
        raise ConfigError(f"{where}: from {first} to {last} must run forward over at most {_LONGEST_RANGE_DAYS} days")
    return [first + timedelta(days=n) for n in range(count)]


def _day(value: Any, year: int, where: str) -> date:
    """A date written as a TOML date (2031-01-01) or a quoted one, inside the table's year."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: expected a date YYYY-MM-DD, got {value!r}") from None
    if type(day) is not date:  # a TOML date-time: staff meant a day
        raise ConfigError(f"{where}: expected a date YYYY-MM-DD without a time, got {value!r}")
    if day.year != year:
        raise ConfigError(f"{where}: {day} is not in {year}: put it under [{day.year}]")
    return day


def _add(found: dict[date, str], span: tuple[list[date], str, str]) -> None:
    days, text, where = span
    for day in days:
        if day in found:
            raise ConfigError(f"{where}: {day} is already listed ({found[day]})")
        found[day] = text


def _check_free(day: date, holidays: dict[date, str], where: str) -> None:
    if day in holidays:
        raise ConfigError(f"{where}: {day} is listed both as a holiday ({holidays[day]}) and as a make-up working day")
