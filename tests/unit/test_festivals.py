"""domain.festivals: festival and solar-term dates, checked against independent computations.

The lunar festivals are compared with `lunardate` (its own month tables, not lunar-python); the solar
terms with `ephem`, which computes the sun's apparent longitude (VSOP87) — the moment it reaches each
multiple of 15°, as a date in UTC+8.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import ephem
import lunardate
import pytest

from errors import InvalidValue
from domain import lunar
from domain.festivals import (FESTIVALS, FIRST_YEAR, LAST_YEAR, SOLAR_TERMS, LunarDay, calendar, next_occurrence,
                                 occurrences)

YEARS = range(2024, 2046)
FESTIVAL = {anchor.id: anchor for anchor in FESTIVALS}
TERM = {anchor.id: anchor for anchor in SOLAR_TERMS}
LUNAR_FESTIVALS = [anchor for anchor in FESTIVALS if isinstance(anchor.rule, LunarDay)]


def lunardate_days(month: int, day: int, year: int) -> list[date]:
    """Where `lunardate` puts lunar month/day (regular month) in solar year ``year``."""
    found = []
    for lunar_year in (year - 1, year):
        try:
            found.append(lunardate.LunarDate(lunar_year, month, day, False).to_solar_date())
        except ValueError:  # a 29-day month has no 三十
            continue
    return sorted(d for d in found if d.year == year)


@pytest.mark.parametrize("anchor", LUNAR_FESTIVALS, ids=lambda a: a.id)
def test_lunar_festivals_agree_with_lunardate(anchor):
    for year in YEARS:
        assert occurrences(anchor, year) == lunardate_days(anchor.rule.month, anchor.rule.day, year), year


def test_chuxi_is_the_day_before_lunardates_spring_festival():
    for year in YEARS:
        expected = lunardate.LunarDate(year, 1, 1).to_solar_date() - timedelta(days=1)
        assert occurrences(FESTIVAL["chuxi"], year) == [expected], year


def test_lunar_festivals_are_never_in_the_leap_month():
    # 2025 has a leap 6th month (闰六月, from 2025-07-25); 2028 a leap 5th month (闰五月).
    assert lunar.leap_month(2025) == 6 and lunar.leap_month(2028) == 5
    assert occurrences(FESTIVAL["qixi"], 2025) == [date(2025, 8, 29)]
    assert occurrences(FESTIVAL["duanwu"], 2028) == [date(2028, 5, 28)]
    assert lunar.to_solar(2028, 5, 5, leap=True) == date(2028, 6, 27)  # the leap 初五, not 端午


def _sun_apparent_longitude(moment: float) -> float:
    sun = ephem.Sun(ephem.Date(moment))
    apparent = ephem.Equatorial(sun.g_ra, sun.g_dec, epoch=ephem.Date(moment))
    return math.degrees(ephem.Ecliptic(apparent, epoch=ephem.Date(moment)).lon)


def ephem_term_date(index: int, year: int) -> date:
    """The UTC+8 date the sun reaches longitude 285° + 15°·index (小寒 = 285°) in ``year``, by bisection."""
    target = (285 + 15 * index) % 360
    guess = ephem.Date(datetime(year, 1, 6)) + index * 365.2422 / 24
    low, high = guess - 20, guess + 20
    for _ in range(50):  # 40 days / 2**50: far below a second
        middle = (low + high) / 2
        behind = (_sun_apparent_longitude(middle) - target + 180) % 360 - 180 < 0
        low, high = (middle, high) if behind else (low, middle)
    return (ephem.Date(low).datetime() + timedelta(hours=8)).date()


@pytest.mark.parametrize("year", YEARS)
def test_solar_terms_agree_with_the_suns_longitude_from_ephem(year):
    assert [occurrences(TERM[name], year) for name in lunar.SOLAR_TERMS] == [
        [ephem_term_date(index, year)] for index in range(24)]


@pytest.mark.parametrize(
    ("festival", "year", "expected"),
    [
        pytest.param("zhongqiu", 2025, [date(2025, 10, 6)], id="zhongqiu-2025"),
        pytest.param("chunjie", 2026, [date(2026, 2, 17)], id="chunjie-2026"),
        pytest.param("chuxi", 2026, [date(2026, 2, 16)], id="chuxi-2026-腊月廿九"),
        pytest.param("chuxi", 2025, [date(2025, 1, 28)], id="chuxi-2025-腊月廿九"),
        pytest.param("chuxi", 2024, [date(2024, 2, 9)], id="chuxi-2024-腊月三十"),
        pytest.param("laba", 2025, [date(2025, 1, 7)], id="laba-2025-once"),
        pytest.param("laba", 2041, [date(2041, 1, 10), date(2041, 12, 30)], id="laba-2041-twice"),
        pytest.param("laba", 2042, [], id="laba-2042-none"),
        pytest.param("xiaonian_north", 2026, [date(2026, 2, 10)], id="xiaonian-north-2026"),
        pytest.param("xiaonian_south", 2026, [date(2026, 2, 11)], id="xiaonian-south-2026"),
        pytest.param("duanwu", 2025, [date(2025, 5, 31)], id="duanwu-2025"),
        pytest.param("mothers_day", 2025, [date(2025, 5, 11)], id="mothers-day-2025"),
        pytest.param("mothers_day", 2022, [date(2022, 5, 8)], id="mothers-day-may-starting-sunday"),
        pytest.param("fathers_day", 2025, [date(2025, 6, 15)], id="fathers-day-2025"),
        pytest.param("national_day", 2031, [date(2031, 10, 1)], id="national-day"),
        pytest.param("five_twenty", 2025, [date(2025, 5, 20)], id="520"),
    ],
)
def test_hand_checked_dates(festival, year, expected):
    assert occurrences(FESTIVAL[festival], year) == expected


@pytest.mark.parametrize(
    ("term", "year", "expected"),
    [
        pytest.param("清明", 2025, date(2025, 4, 4), id="qingming-2025"),
        pytest.param("冬至", 2025, date(2025, 12, 21), id="dongzhi-2025"),
        pytest.param("冬至", 2026, date(2026, 12, 22), id="dongzhi-2026"),
        pytest.param("立春", 2025, date(2025, 2, 3), id="lichun-2025"),
    ],
)
def test_hand_checked_solar_terms(term, year, expected):
    assert occurrences(TERM[term], year) == [expected]


def test_laba_twice_in_2041_and_never_in_2042_are_the_only_such_years_in_range():
    counts = {year: len(occurrences(FESTIVAL["laba"], year)) for year in YEARS}
    assert {year: n for year, n in counts.items() if n != 1} == {2041: 2, 2042: 0}


@pytest.mark.parametrize(
    ("festival", "on_or_after", "expected"),
    [
        pytest.param("zhongqiu", date(2025, 10, 6), date(2025, 10, 6), id="on-the-day"),
        pytest.param("zhongqiu", date(2025, 10, 7), date(2026, 9, 25), id="next-year"),
        pytest.param("laba", date(2041, 1, 11), date(2041, 12, 30), id="second-laba-same-year"),
        pytest.param("laba", date(2041, 12, 31), date(2043, 1, 18), id="across-a-year-without"),
        pytest.param("chuxi", date(2026, 2, 17), date(2027, 2, 5), id="chuxi"),
    ],
)
def test_next_occurrence(festival, on_or_after, expected):
    assert next_occurrence(FESTIVAL[festival], on_or_after) == expected


def test_every_festival_and_term_has_a_distinct_id_and_name():
    anchors = FESTIVALS + SOLAR_TERMS
    assert len({a.id for a in anchors}) == len({a.name for a in anchors}) == len(anchors) == 18 + 24


def test_the_years_calendar_lists_each_festival_once_and_the_terms_in_date_order():
    days = calendar(2025)
    assert [anchor.id for _, anchor in days].count("laba") == 1
    assert len(days) == 18 + 24
    assert [d for d, _ in days] == sorted(d for d, _ in days)
    assert days[0] == (date(2025, 1, 1) + timedelta(days=4), TERM["小寒"])  # 小寒 on 01-05, before 腊八 01-07


@pytest.mark.parametrize("year", [FIRST_YEAR - 1, LAST_YEAR + 1])
def test_a_year_outside_the_tables_is_refused_by_name(year):
    with pytest.raises(InvalidValue, match=f"year {year} is outside"):
        occurrences(FESTIVAL["chunjie"], year)


def test_the_edge_years_compute():
    assert occurrences(FESTIVAL["laba"], FIRST_YEAR) and occurrences(FESTIVAL["chuxi"], LAST_YEAR)
