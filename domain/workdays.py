"""The shop's working days: Monday to Saturday, minus statutory holidays and the shop's own closing
days, plus make-up days (调休).

The one module that knows chinese_calendar. That library only knows the years the State Council had
published when it was released; the holiday file (``domain.holiday_file``) adds later years,
corrections and closing days, and a date in the file wins over the library. For a year neither
covers, the shop falls back to Monday–Saturday: ``unknown_years`` lets callers say so loudly, and a
calendar also logs it once per year it is asked about.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Mapping, Protocol

import chinese_calendar

_log = logging.getLogger("jinli.calendar")

_SUNDAY = 6
# chinese_calendar.is_holiday() also counts every ordinary Saturday as a rest day; the shop works
# Saturdays, so only the published dicts are read: `holidays` (days off) and `workdays` (调休).
LIBRARY_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


@dataclass(frozen=True)
class HolidaySchedule:
    """What a holiday file says: days off with their names, 调休 working days, shop closing days with
    their reasons, and the years it knows fully (``complete = true``)."""

    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: frozenset[date] = frozenset()
    closed: Mapping[date, str] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()
    source: str = ""


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """The shop's calendar: the library's published years, overridden and extended by a holiday file."""

    schedule: HolidaySchedule = field(default_factory=HolidaySchedule)
    _reported: set[int] = field(default_factory=set, init=False, repr=False)  # unknown years already logged

    def knows(self, year: int) -> bool:
        """Whether the official schedule of ``year`` is known (library or a complete year of the file)."""
        return year in LIBRARY_YEARS or year in self.schedule.complete_years

    def unknown_years(self, days: Iterable[date]) -> set[int]:
        """The years of ``days`` whose official holidays neither the library nor the file knows."""
        return {year for year in {d.year for d in days} if not self.knows(year)}

    def warnings(self, days: Iterable[date]) -> list[str]:
        """The loud line (or none) naming the unknown years of ``days``; the calendar then stops logging them."""
        years = self.unknown_years(days)
        self._reported.update(years)
        return [unknown_years_warning(years, self.schedule.source)] if years else []

    def is_statutory_holiday(self, d: date) -> bool:
        """Whether d is an official day off (法定节假日), weekend days of the break included."""
        return self.holiday_name(d) is not None

    def is_makeup_workday(self, d: date) -> bool:
        """Whether d is a make-up working day (调休): a weekend day on which everyone works."""
        if d in self.schedule.workdays:
            return True
        return d not in self.schedule.holidays and self._library_knows(d) and d in chinese_calendar.workdays

    def holiday_name(self, d: date) -> str | None:
        """The Chinese name (e.g. 国庆节) of the official holiday on d, None if d is not one."""
        if d in self.schedule.holidays:
            return self.schedule.holidays[d]
        if d in self.schedule.workdays or not self._library_knows(d) or d not in chinese_calendar.holidays:
            return None
        return _CHINESE_NAMES[chinese_calendar.holidays[d]]

    def closing_reason(self, d: date) -> str | None:
        """Why the shop is closed on d by its own choice (from the holiday file), None if it is not."""
        return self.schedule.closed.get(d)

    def is_working_day(self, d: date) -> bool:
        """Whether the shop works on d: Monday to Saturday unless a holiday or closing day, or a 调休 day."""
        if self.is_statutory_holiday(d) or self.closing_reason(d) is not None:
            return False
        return d.weekday() != _SUNDAY or self.is_makeup_workday(d)

    def _library_knows(self, d: date) -> bool:
        if not self.knows(d.year) and d.year not in self._reported:
            self._reported.add(d.year)
            _log.warning("%s", unknown_years_warning({d.year}, self.schedule.source))
        return d.year in LIBRARY_YEARS


def unknown_years_warning(years: set[int], holidays_file: str = "") -> str:
    """One loud line naming the years without an official holiday schedule, and how to fix it."""
    listed = ", ".join(str(year) for year in sorted(years))
    where = f"enter them in {holidays_file}" if holidays_file else "set [site] holidays_file and enter them there"
    return (f"holiday calendar: no official holiday schedule for {listed} (chinese-calendar knows "
            f"{LIBRARY_YEARS.start}..{LIBRARY_YEARS.stop - 1}): Monday to Saturday count as working days and no "
            f"statutory holiday is skipped; once the State Council publishes them, {where} with complete = true")


class _Dated(Protocol):
    def runs_on(self, day: date) -> bool: ...


def campaign_calendar_warnings(calendar: WorkCalendar, campaigns: Iterable[_Dated], today: date,
                               horizon_days: int = 366) -> list[str]:
    """The warning line (or none) for years the campaigns would plan into within ``horizon_days``."""
    campaigns = list(campaigns)
    days = (today + timedelta(days=n) for n in range(horizon_days))
    return calendar.warnings(d for d in days if any(c.runs_on(d) for c in campaigns))
