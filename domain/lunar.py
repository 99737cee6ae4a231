"""The Chinese lunar calendar (农历): the one module that knows lunar_python.

The library converts about a thousand dates a second; campaigns convert millions. So each solar
year and each lunar year is asked of the library once, turned into plain tables, and cached.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from lunar_python import Lunar, LunarYear, Solar
from lunar_python.util import LunarUtil

from errors import InvalidValue

FIRST_DATE = date(1900, 1, 31)  # 正月初一 of lunar 1900
LAST_DATE = date(2100, 12, 31)  # within lunar 2100, so lunar years 1900..2100 are supported
FIRST_YEAR, LAST_YEAR = FIRST_DATE.year, LAST_DATE.year

# The library dates months by Julian day number at noon; date.toordinal() + this gives it.
_JULIAN_DAY_OF_ORDINAL_0 = 1721425
# The library's day cycle starts (甲子) at Julian day 11: branch = (julian_day - 11) % 12.
_DAY_BRANCH_SHIFT = (_JULIAN_DAY_OF_ORDINAL_0 - 11) % 12
_LICHUN_INDEX = Lunar.JIE_QI_IN_USE.index("立春")
# The 24 solar terms (节气) in the order they fall in a solar year, 小寒 in early January first.
SOLAR_TERMS = ("小寒", "大寒", "立春", "雨水", "惊蛰", "春分", "清明", "谷雨", "立夏", "小满", "芒种", "夏至",
               "小暑", "大暑", "立秋", "处暑", "白露", "秋分", "寒露", "霜降", "立冬", "小雪", "大雪", "冬至")
# The library names the terms outside its year's own span in pinyin ("DONG_ZHI" is next December's 冬至).
_TERM_OF_PINYIN = {"DONG_ZHI": "冬至", "XIAO_HAN": "小寒", "DA_HAN": "大寒", "LI_CHUN": "立春", "YU_SHUI": "雨水",
                   "JING_ZHE": "惊蛰", "DA_XUE": "大雪"}


@dataclass(frozen=True)
class LunarDate:
    """A day of the lunar calendar: lunar year number, month 1..12, day 1..30, leap for a 闰 month."""

    year: int
    month: int
    day: int
    leap: bool = False

    def __str__(self) -> str:
        return _label(self.year, self.month, self.day, self.leap)


@dataclass(frozen=True)
class _Month:
    """One lunar month as the library computes it: first day as a date ordinal, length in days."""

    year: int
    month: int
    leap: bool
    first: int
    length: int


def _label(year: int, month: int, day: int, leap: bool) -> str:
    return f"{year}-{'闰' if leap else ''}{month:02d}-{day:02d}"


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidValue(f"year {year} is outside the supported range {FIRST_YEAR}..{LAST_YEAR}")


def _check_date(d: date) -> date:
    if not FIRST_DATE <= d <= LAST_DATE:
        raise InvalidValue(f"date {d} is outside the supported range {FIRST_DATE}..{LAST_DATE}")
    return d


@lru_cache(maxsize=None)
def _library_year(year: int) -> LunarYear:
    """The library's computation for `year`: 15 months from the 11th of the year before, and solar terms."""
    return LunarYear.fromYear(year)


def _window(year: int) -> list[_Month]:
    """The months of the library's computation for `year`, in order, as plain values."""
    return [
        _Month(m.getYear(), abs(m.getMonth()), m.getMonth() < 0,
               m.getFirstJulianDay() - _JULIAN_DAY_OF_ORDINAL_0, m.getDayCount())
        for m in _library_year(year).getMonths()
    ]


@lru_cache(maxsize=None)
def _solar_year(year: int) -> tuple[int, tuple[LunarDate, ...]]:
    """The ordinal of 1 January of `year` and the lunar date of each day of that solar year."""
    start, end = date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()
    # The library converts a solar date with the months computed for its solar year: same here.
    days = tuple(
        LunarDate(m.year, m.month, ordinal - m.first + 1, m.leap)
        for m in _window(year)
        for ordinal in range(max(m.first, start), min(m.first + m.length, end))
    )
    return start, days


@lru_cache(maxsize=None)
def _lunar_year(year: int) -> dict[tuple[int, bool], _Month]:
    """The months of lunar year `year`, keyed by (month, leap)."""
    _check_year(year)
    return {(m.month, m.leap): m for m in _window(year) if m.year == year}


def _month(year: int, month: int, leap: bool) -> _Month:
    found = _lunar_year(year).get((month, bool(leap)))
    if found is not None:
        return found
    if not 1 <= month <= 12:
        raise InvalidValue(f"lunar month {month} does not exist: months are 1..12")
    has = leap_month(year)
    raise InvalidValue(
        f"lunar year {year} has no leap month 闰{month}: "
        + (f"its leap month is 闰{has}" if has else "it has no leap month")
    )


def to_lunar(d: date) -> LunarDate:
    """The lunar date of solar day d; InvalidValue outside FIRST_DATE..LAST_DATE."""
    _check_date(d)
    start, days = _solar_year(d.year)
    return days[d.toordinal() - start]


def to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """The solar day of a lunar date; InvalidValue if that date does not exist or is out of range."""
    found = _month(year, month, leap)
    if not 1 <= day <= found.length:
        raise InvalidValue(
            f"lunar date {_label(year, month, day, leap)} does not exist: "
            f"month {'闰' if leap else ''}{month} of {year} has {found.length} days"
        )
    return _check_date(date.fromordinal(found.first + day - 1))


def lunar_date_exists(year: int, month: int, day: int, leap: bool = False) -> bool:
    """Whether to_solar accepts this lunar date (it exists and lies in the supported range)."""
    try:
        to_solar(year, month, day, leap)
    except InvalidValue:
        return False
    return True


def leap_month(lunar_year: int) -> int:
    """The leap month (闰N) of a lunar year: N, or 0 if that year has none."""
    return next((month for month, leap in _lunar_year(lunar_year) if leap), 0)


def month_length(lunar_year: int, month: int, leap: bool = False) -> int:
    """The number of days (29 or 30) of a lunar month; InvalidValue if that month does not exist."""
    return _month(lunar_year, month, leap).length


def spring_festival(solar_year: int) -> date:
    """The Spring Festival (正月初一) of a solar year."""
    return to_solar(solar_year, 1, 1)


@lru_cache(maxsize=None)
def lichun(solar_year: int) -> date:
    """The day of 立春 (start of spring) in a solar year, in Beijing time as the library gives it."""
    _check_year(solar_year)
    # Terms of the computation for year Y run from 大雪 of Y-1, so this 立春 is February of Y.
    moment = Solar.fromJulianDay(_library_year(solar_year).getJieQiJulianDays()[_LICHUN_INDEX])
    return date(moment.getYear(), moment.getMonth(), moment.getDay())


def day_branch(d: date) -> int:
    """The earthly branch of day d (日支): 0 子 .. 11 亥, counted the library's way."""
    return (d.toordinal() + _DAY_BRANCH_SHIFT) % 12


@lru_cache(maxsize=None)
def solar_terms(solar_year: int) -> dict[str, date]:
    """The civil date in China (UTC+8) of each of the 24 solar terms of a solar year, by Chinese name."""
    _check_year(solar_year)
    found = {}
    for name, julian_day in zip(Lunar.JIE_QI_IN_USE, _library_year(solar_year).getJieQiJulianDays()):
        moment = Solar.fromJulianDay(julian_day)  # the library's instants are Beijing time
        if moment.getYear() == solar_year:
            found[_TERM_OF_PINYIN.get(name, name)] = date(moment.getYear(), moment.getMonth(), moment.getDay())
    return {term: found[term] for term in SOLAR_TERMS}


def month_name(month: int) -> str:
    """The Chinese name of a lunar month: 正月, 二月 … 十月, 冬月, 腊月."""
    return LunarUtil.MONTH[month] + "月"


def day_name(day: int) -> str:
    """The Chinese name of a lunar day of the month: 初一 … 初十, 十一 … 二十, 廿一 … 三十."""
    return LunarUtil.DAY[day]


def lunar_label(d: date) -> str:
    """Solar day d as a lunar month and day the way calendars print it: 八月十五, 闰六月初七, 腊月三十."""
    found = to_lunar(d)
    return f"{'闰' if found.leap else ''}{month_name(found.month)}{day_name(found.day)}"
