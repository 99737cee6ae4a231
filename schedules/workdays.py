"""The shop's working days: Monday to Saturday, minus statutory holidays, plus make-up days (调休).

The one module that knows chinese_calendar. That library only knows the years the State Council
has published; for any other year the shop falls back to Monday–Saturday and says so once.
"""

import logging
from datetime import date
from functools import lru_cache

import chinese_calendar

_log = logging.getLogger("jinli.calendar")

_SUNDAY = 6
# chinese_calendar.is_holiday() also counts every ordinary Saturday as a rest day; the shop works
# Saturdays, so only the published dicts are read: `holidays` (days off) and `workdays` (调休).
_KNOWN_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


@lru_cache(maxsize=None)
def _warn_unknown_year(year: int) -> None:
    """Log, once per year, that `year` has no holiday data (the cache makes it once)."""
    _log.warning(
        "chinese-calendar has no holiday data for %d (it knows %d..%d): "
        "treating Monday to Saturday as working days, no holidays",
        year, _KNOWN_YEARS.start, _KNOWN_YEARS.stop - 1,
    )


def _is_known(year: int) -> bool:
    if year in _KNOWN_YEARS:
        return True
    _warn_unknown_year(year)
    return False


def is_statutory_holiday(d: date) -> bool:
    """Whether d is a published statutory day off (法定节假日), weekend days of the break included."""
    return _is_known(d.year) and d in chinese_calendar.holidays


def is_makeup_workday(d: date) -> bool:
    """Whether d is a make-up working day (调休): a weekend day on which everyone works."""
    return _is_known(d.year) and d in chinese_calendar.workdays


def holiday_name(d: date) -> str | None:
    """The Chinese name (e.g. 国庆节) of the statutory holiday on d, None if d is not one."""
    if not is_statutory_holiday(d):
        return None
    return _CHINESE_NAMES[chinese_calendar.holidays[d]]


def is_working_day(d: date) -> bool:
    """Whether the shop works on d: Monday to Saturday unless a statutory holiday, or a 调休 day."""
    if is_statutory_holiday(d):
        return False
    return d.weekday() != _SUNDAY or is_makeup_workday(d)
