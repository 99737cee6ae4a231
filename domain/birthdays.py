"""Birthdays (生日), solar or lunar: when they fall, and integer keys to select celebrants in SQL.

Rules from DOMAIN.md §2b. A solar 29 February is kept on 28 February in common years (or 1 March).
A lunar birth in a regular month stays in that month; one in 闰N moves to regular N in years
without 闰N; day 30 becomes day 29 in a 29-day month. Occurrences are anniversaries of the month
and day, whatever the birth year; a lunar birth may leave the year unknown (``year`` None): it is
celebrated all the same, but has no solar date of birth (so no zodiac animal, star sign or age).
"""

import calendar
from dataclasses import dataclass
from datetime import date

from errors import InvalidValue
from domain import lunar

_CALENDARS = ("solar", "lunar")
_FEB29_STAND_INS = {"feb28": (2, 28), "mar1": (3, 1)}
_LUNAR_KEY_BASE = 100000
_LEAP_KEY_OFFSET = 10000


@dataclass(frozen=True)
class Birth:
    """A date of birth as the customer celebrates it: solar, or lunar (leap for a 闰 month)."""

    calendar: str
    year: int | None  # None: a lunar month and day whose year the shop does not know
    month: int
    day: int
    leap: bool = False


def validate_birth(birth: Birth) -> date | None:
    """The solar date of birth (None when the year is unknown); InvalidValue, with the reason, if that
    birth date cannot exist."""
    if birth.year is None:
        return _check_yearless(birth)
    if birth.calendar == "lunar":
        return lunar.to_solar(birth.year, birth.month, birth.day, birth.leap)
    if birth.calendar != "solar":
        raise InvalidValue(f"unknown birth calendar {birth.calendar!r}: expected one of {_CALENDARS}")
    return _solar_birth_date(birth)


def _solar_birth_date(birth: Birth) -> date:
    label = f"solar birth date {birth.year}-{birth.month:02d}-{birth.day:02d}"
    if birth.leap:
        raise InvalidValue(f"{label} is marked leap: only lunar months can be leap months",
                           key="reject_birth_leap_solar", date=f"{birth.year}-{birth.month:02d}-{birth.day:02d}")
    try:
        born = date(birth.year, birth.month, birth.day)
    except ValueError as error:
        raise InvalidValue(f"{label} does not exist ({error})",
                           key="reject_birth_no_such_date", date=f"{birth.year}-{birth.month:02d}-{birth.day:02d}") from None
    if not lunar.FIRST_DATE <= born <= lunar.LAST_DATE:
        raise InvalidValue(
            f"{label} is outside the supported range {lunar.FIRST_DATE}..{lunar.LAST_DATE}",
                           key="reject_birth_out_of_range", date=f"{birth.year}-{birth.month:02d}-{birth.day:02d}", first=str(lunar.FIRST_DATE), last=str(lunar.LAST_DATE)
        )
    return born


def _check_yearless(birth: Birth) -> None:
    """A month and day without a year: only lunar, a month 1–12 and a day 1–30."""
    label = f"{'闰' if birth.leap else ''}{birth.month}月{birth.day}日"
    if birth.calendar != "lunar":
        raise InvalidValue(f"birth date {label} has no year: only a lunar birthday may leave it out",
                           key="reject_birth_no_year", date=label)
    if not (1 <= birth.month <= 12 and 1 <= birth.day <= 30):
        raise InvalidValue(f"lunar birth date {label} does not exist (months 1–12, days 1–30)",
                           key="reject_lunar_no_such_date", date=label)
    return None


def _check_feb29(feb29: str) -> tuple[int, int]:
    stand_in = _FEB29_STAND_INS.get(feb29)
    if stand_in is None:
        raise InvalidValue(f"unknown 29 February rule {feb29!r}: expected one of {sorted(_FEB29_STAND_INS)}")
    return stand_in


def _check_solar_year(year: int) -> None:
    if not lunar.FIRST_YEAR <= year <= lunar.LAST_YEAR:
        raise InvalidValue(f"year {year} is outside the supported range {lunar.FIRST_YEAR}..{lunar.LAST_YEAR}",
                           key="reject_year_out_of_range", year=year, first=lunar.FIRST_YEAR, last=lunar.LAST_YEAR)


def _solar_key(month: int, day: int) -> int:
    return month * 100 + day


def _lunar_key(month: int, day: int, leap: bool) -> int:
    return _LUNAR_KEY_BASE + (_LEAP_KEY_OFFSET if leap else 0) + month * 100 + day


def birthday_key(birth: Birth) -> int:
    """The indexed key of a valid birth: MMDD if solar; 1MMDD, or 11MMDD for a leap month, if lunar."""
    validate_birth(birth)
    if birth.calendar == "solar":
        return _solar_key(birth.month, birth.day)
    return _lunar_key(birth.month, birth.day, birth.leap)


def birthday_keys_on(d: date, feb29: str = "feb28") -> frozenset[int]:
    """Every birthday key whose holder celebrates on solar day d."""
    return frozenset(_solar_keys_on(d, _check_feb29(feb29)) | _lunar_keys_on(lunar.to_lunar(d)))


def _solar_keys_on(d: date, feb29_stand_in: tuple[int, int]) -> set[int]:
    keys = {_solar_key(d.month, d.day)}
    if not calendar.isleap(d.year) and (d.month, d.day) == feb29_stand_in:
        keys.add(_solar_key(2, 29))
    return keys


def _lunar_keys_on(today: lunar.LunarDate) -> set[int]:
    """Lunar births celebrated on `today`: its own month and day, plus those that fall back onto it."""
    births = [(today.month, today.day, today.leap)]
    if not today.leap and lunar.leap_month(today.year) != today.month:
        births.append((today.month, today.day, True))  # born in 闰N, a year without 闰N
    if today.day == 29 and lunar.month_length(today.year, today.month, today.leap) == 29:
        births += [(month, 30, leap) for month, _, leap in births]  # born on day 30
    return {_lunar_key(*birth) for birth in births}


def birthdays_in_year(birth: Birth, solar_year: int, feb29: str = "feb28") -> list[date]:
    """The sorted days of solar_year on which `birth` is celebrated (a lunar birth: 0, 1 or 2)."""
    validate_birth(birth)
    feb29_stand_in = _check_feb29(feb29)
    _check_solar_year(solar_year)
    if birth.calendar == "solar":
        return [_solar_birthday(birth, solar_year, feb29_stand_in)]
    # Lunar year Y-1 ends in January or February of solar year Y.
    days = (_lunar_birthday(birth, year) for year in (solar_year - 1, solar_year))
    return sorted(day for day in days if day is not None and day.year == solar_year)


def _solar_birthday(birth: Birth, year: int, feb29_stand_in: tuple[int, int]) -> date:
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year):
        return date(year, *feb29_stand_in)
    return date(year, birth.month, birth.day)


def _lunar_birthday(birth: Birth, lunar_year: int) -> date | None:
    """The solar day on which a lunar birth is celebrated in lunar_year; None outside the supported range."""
    if not lunar.FIRST_YEAR <= lunar_year <= lunar.LAST_YEAR:
        return None
    leap = birth.leap and lunar.leap_month(lunar_year) == birth.month
    day = min(birth.day, lunar.month_length(lunar_year, birth.month, leap))
    if not lunar.lunar_date_exists(lunar_year, birth.month, day, leap):
        return None  # lunar 2100 runs on past LAST_DATE into 2101
    return lunar.to_solar(lunar_year, birth.month, day, leap)


def next_birthday(birth: Birth, on_or_after: date, feb29: str = "feb28") -> date:
    """The first day on or after `on_or_after` on which `birth` is celebrated."""
    validate_birth(birth)
    _check_feb29(feb29)
    # A lunar birthday can skip a whole solar year, so look at most three solar years ahead.
    first = max(on_or_after.year, lunar.FIRST_YEAR)
    for year in range(first, min(on_or_after.year + 2, lunar.LAST_YEAR) + 1):
        later = [day for day in birthdays_in_year(birth, year, feb29) if day >= on_or_after]
        if later:
            return later[0]
    raise InvalidValue(f"{birth} has no birthday between {on_or_after} and {lunar.LAST_DATE}")
