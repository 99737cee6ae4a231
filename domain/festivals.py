"""The festival calendar: named festivals, the 24 solar terms and staff-written dates, as solar dates.

Pure domain code: an ``Anchor`` says how a day is found (a solar date, a lunar date, the n-th weekday
of a month, a solar term, the eve of the Spring Festival); ``occurrences(anchor, year)`` gives the
solar dates it falls on in a solar year. Lunar dates go through ``domain.lunar`` (jinli's tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from errors import InvalidValue
from domain import lunar

# lunar.py supports the dates 1900-01-31 .. 2100-12-31: whole solar years 1901..2100 (1900's
# January belongs to lunar 1899, which it does not know).
FIRST_YEAR, LAST_YEAR = lunar.FIRST_YEAR + 1, lunar.LAST_YEAR


@dataclass(frozen=True)
class SolarDay:
    """The same Gregorian day every year (29 February: leap years only)."""

    month: int
    day: int


@dataclass(frozen=True)
class LunarDay:
    """A day of a regular (never the leap) lunar month; none in a year whose month is one day short."""

    month: int
    day: int


@dataclass(frozen=True)
class NthWeekday:
    """The n-th weekday (0 = Monday) of a Gregorian month, e.g. the second Sunday of May."""

    month: int
    weekday: int
    n: int


@dataclass(frozen=True)
class SolarTerm:
    """One of the 24 solar terms (节气), by Chinese name, as a civil date in China."""

    name: str


@dataclass(frozen=True)
class SpringFestivalEve:
    """除夕: the day before 正月初一 (腊月三十, or 廿九 when 腊月 is short)."""


Rule = SolarDay | LunarDay | NthWeekday | SolarTerm | SpringFestivalEve


@dataclass(frozen=True)
class Anchor:
    """A festival or date staff plan around: a stable id, its Chinese name and the rule finding its days."""

    id: str
    name: str
    rule: Rule


FESTIVALS = (
    Anchor("chunjie", "春节", LunarDay(1, 1)),
    Anchor("yuanxiao", "元宵节", LunarDay(1, 15)),
    Anchor("valentines", "情人节", SolarDay(2, 14)),
    Anchor("womens_day", "妇女节", SolarDay(3, 8)),
    Anchor("labour_day", "劳动节", SolarDay(5, 1)),
    Anchor("five_twenty", "520", SolarDay(5, 20)),
    Anchor("mothers_day", "母亲节", NthWeekday(5, 6, 2)),
    Anchor("fathers_day", "父亲节", NthWeekday(6, 6, 3)),
    Anchor("duanwu", "端午节", LunarDay(5, 5)),
    Anchor("qixi", "七夕", LunarDay(7, 7)),
    Anchor("zhongqiu", "中秋节", LunarDay(8, 15)),
    Anchor("national_day", "国庆节", SolarDay(10, 1)),
    Anchor("chongyang", "重阳节", LunarDay(9, 9)),
    Anchor("laba", "腊八节", LunarDay(12, 8)),
    Anchor("xiaonian_north", "小年(北)", LunarDay(12, 23)),
    Anchor("xiaonian_south", "小年(南)", LunarDay(12, 24)),
    Anchor("chuxi", "除夕", SpringFestivalEve()),
    Anchor("christmas", "圣诞节", SolarDay(12, 25)),
)
SOLAR_TERMS = tuple(Anchor(name, name, SolarTerm(name)) for name in lunar.SOLAR_TERMS)


def check_year(year: int) -> int:
    """``year`` if the festival calendar covers it, else InvalidValue naming the supported range."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidValue(f"year {year} is outside the festival calendar's range {FIRST_YEAR}..{LAST_YEAR}")
    return year


def occurrences(anchor: Anchor, year: int) -> list[date]:
    """The solar dates in solar year ``year`` that ``anchor`` falls on, in order (none, one, or two)."""
    check_year(year)
    return sorted(_DAYS_IN[type(anchor.rule)](anchor.rule, year))


def next_occurrence(anchor: Anchor, on_or_after: date) -> date | None:
    """The first day on or after ``on_or_after`` that ``anchor`` falls on; None past LAST_YEAR."""
    for year in range(check_year(on_or_after.year), LAST_YEAR + 1):
        found = [d for d in occurrences(anchor, year) if d >= on_or_after]
        if found:
            return found[0]
    return None


def _solar_days(rule: SolarDay, year: int) -> list[date]:
    try:
        return [date(year, rule.month, rule.day)]
    except ValueError:  # 29 February of a common year
        return []


def _lunar_days(rule: LunarDay, year: int) -> list[date]:
    """Lunar year Y-1's late months reach into January of Y, so Y may see a lunar day twice or never."""
    years = (y for y in (year - 1, year) if lunar.FIRST_YEAR <= y)
    days = (lunar.to_solar(y, rule.month, rule.day) for y in years if lunar.lunar_date_exists(y, rule.month, rule.day))
    return [d for d in days if d.year == year]


def _nth_weekdays(rule: NthWeekday, year: int) -> list[date]:
    first = date(year, rule.month, 1)
    return [first + timedelta(days=(rule.weekday - first.weekday()) % 7 + 7 * (rule.n - 1))]


def _solar_term_days(rule: SolarTerm, year: int) -> list[date]:
    return [lunar.solar_terms(year)[rule.name]]


def _eve_days(rule: SpringFestivalEve, year: int) -> list[date]:
    """The 正月初一 of lunar year Y is always in solar year Y (late January to February), its eve too."""
    return [lunar.spring_festival(year) - timedelta(days=1)]


_DAYS_IN = {SolarDay: _solar_days, LunarDay: _lunar_days, NthWeekday: _nth_weekdays, SolarTerm: _solar_term_days,
            SpringFestivalEve: _eve_days}


def calendar(year: int, anchors: tuple[Anchor, ...] = FESTIVALS + SOLAR_TERMS) -> list[tuple[date, Anchor]]:
    """Every (day, anchor) of ``anchors`` in solar year ``year``, by date (ties keep the anchors' order)."""
    found = [(day, anchor) for anchor in anchors for day in occurrences(anchor, year)]
    return sorted(found, key=lambda pair: pair[0])
