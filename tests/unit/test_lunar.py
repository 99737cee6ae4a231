"""domain.lunar: cached tables that must say exactly what lunar_python says, only faster."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunar_python import Lunar, LunarYear, Solar

from errors import InvalidValue
from domain import lunar
from domain.lunar import LunarDate

# Each call into lunar_python costs milliseconds: keep the example counts modest.
PROPERTY = settings(max_examples=150, deadline=None)
QUICK_PROPERTY = settings(max_examples=60, deadline=None)

supported_dates = st.dates(min_value=lunar.FIRST_DATE, max_value=lunar.LAST_DATE)
# January and February: where the Spring Festival, 立春 and the turn of the lunar year fall.
new_year_dates = st.builds(
    lambda year, offset: date(year, 1, 1) + timedelta(days=offset),
    st.integers(1901, 2100), st.integers(0, 59),
)
supported_years = st.integers(lunar.FIRST_YEAR, lunar.LAST_YEAR)


def library_lunar(d: date) -> LunarDate:
    found = Solar.fromYmd(d.year, d.month, d.day).getLunar()
    return LunarDate(found.getYear(), abs(found.getMonth()), found.getDay(), found.getMonth() < 0)


def library_solar(year: int, month: int, day: int, leap: bool) -> date:
    found = Lunar.fromYmd(year, -month if leap else month, day).getSolar()
    return date(found.getYear(), found.getMonth(), found.getDay())


@pytest.mark.parametrize(
    ("solar", "expected"),
    [
        pytest.param(date(1990, 1, 20), LunarDate(1989, 12, 24), id="jan-1990-is-lunar-1989"),
        pytest.param(date(2023, 1, 22), LunarDate(2023, 1, 1), id="chinese-new-year-2023"),
        pytest.param(date(2023, 1, 21), LunarDate(2022, 12, 30), id="new-years-eve-2023"),
        pytest.param(date(2020, 5, 23), LunarDate(2020, 4, 1, leap=True), id="first-of-leap-4-2020"),
        pytest.param(date(2023, 4, 5), LunarDate(2023, 2, 15, leap=True), id="leap-2-2023"),
        pytest.param(date(2033, 12, 22), LunarDate(2033, 11, 1, leap=True), id="leap-11-2033"),
        pytest.param(date(2024, 2, 29), LunarDate(2024, 1, 20), id="29-february"),
        pytest.param(lunar.FIRST_DATE, LunarDate(1900, 1, 1), id="first-supported-day"),
        pytest.param(lunar.LAST_DATE, LunarDate(2100, 12, 1), id="last-supported-day"),
    ],
)
def test_to_lunar(solar, expected):
    assert lunar.to_lunar(solar) == expected


@pytest.mark.parametrize(
    ("lunar_date", "expected"),
    [
        pytest.param((2023, 1, 1, False), date(2023, 1, 22), id="chinese-new-year-2023"),
        pytest.param((2023, 2, 15, True), date(2023, 4, 5), id="leap-2-2023"),
        pytest.param((2023, 2, 15, False), date(2023, 3, 6), id="regular-2-2023"),
        pytest.param((2020, 4, 30, False), date(2020, 5, 22), id="day-30"),
        pytest.param((1989, 12, 24, False), date(1990, 1, 20), id="12th-month-in-next-solar-year"),
    ],
)
def test_to_solar(lunar_date, expected):
    assert lunar.to_solar(*lunar_date) == expected


@pytest.mark.parametrize(
    ("lunar_date", "reason"),
    [
        pytest.param((2024, 3, 1, True), "2024 has no leap month 闰3: it has no leap month", id="no-leap-that-year"),
        pytest.param((2023, 3, 1, True), "its leap month is 闰2", id="other-leap-month"),
        pytest.param((2021, 4, 30, False), "2021-04-30 does not exist: month 4 of 2021 has 29 days", id="day-30-of-29"),
        pytest.param((2020, 4, 30, True), "month 闰4 of 2020 has 29 days", id="day-30-of-29-day-leap-month"),
        pytest.param((2023, 1, 0, False), "2023-01-00 does not exist", id="day-0"),
        pytest.param((2023, 13, 1, False), "lunar month 13 does not exist", id="month-13"),
        pytest.param((2023, 0, 1, False), "lunar month 0 does not exist", id="month-0"),
        pytest.param((1899, 12, 1, False), "year 1899 is outside", id="before-range"),
        pytest.param((2101, 1, 1, False), "year 2101 is outside", id="after-range"),
        pytest.param((2100, 12, 2, False), "date 2101-01-01 is outside", id="solar-day-after-range"),
    ],
)
def test_to_solar_rejects_what_does_not_exist(lunar_date, reason):
    with pytest.raises(InvalidValue, match=reason):
        lunar.to_solar(*lunar_date)
    assert not lunar.lunar_date_exists(*lunar_date)


@pytest.mark.parametrize("solar", [date(1900, 1, 30), date(2101, 1, 1), date(1, 1, 1)], ids=str)
def test_to_lunar_rejects_dates_out_of_range_by_name(solar):
    with pytest.raises(InvalidValue, match=f"date {solar} is outside"):
        lunar.to_lunar(solar)


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2023, 2), (2020, 4), (2024, 0), (2025, 6), (2033, 11), (1984, 10), (2014, 9), (1900, 8)],
    ids=lambda value: str(value),
)
def test_leap_month(year, expected):
    assert lunar.leap_month(year) == expected


@pytest.mark.parametrize(
    ("month", "expected"),
    [((2020, 4, True), 29), ((2020, 4, False), 30), ((2021, 4, False), 29), ((2023, 2, True), 29)],
    ids=["leap-4-2020", "regular-4-2020", "4-2021", "leap-2-2023"],
)
def test_month_length(month, expected):
    assert lunar.month_length(*month) == expected


def test_month_length_of_a_missing_leap_month_is_rejected():
    with pytest.raises(InvalidValue, match="2024 has no leap month 闰4"):
        lunar.month_length(2024, 4, leap=True)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (1900, date(1900, 1, 31)), (1990, date(1990, 1, 27)), (2020, date(2020, 1, 25)),
        (2023, date(2023, 1, 22)), (2024, date(2024, 2, 10)), (2025, date(2025, 1, 29)),
        (2026, date(2026, 2, 17)), (2100, date(2100, 2, 9)),
    ],
    ids=lambda value: str(value),
)
def test_spring_festival(year, expected):
    assert lunar.spring_festival(year) == expected


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2021, date(2021, 2, 3)), (2023, date(2023, 2, 4)), (2024, date(2024, 2, 4)), (2025, date(2025, 2, 3))],
    ids=lambda value: str(value),
)
def test_lichun(year, expected):
    assert lunar.lichun(year) == expected


@pytest.mark.parametrize("year", [1899, 2101])
def test_years_out_of_range_are_rejected_by_name(year):
    for function in (lunar.spring_festival, lunar.lichun, lunar.leap_month):
        with pytest.raises(InvalidValue, match=f"year {year} is outside"):
            function(year)


def test_day_branch_of_chinese_new_year_2023_is_chen():
    assert lunar.day_branch(date(2023, 1, 22)) == 4  # 庚辰日
    assert lunar.day_branch(date(2023, 1, 23)) == 5


def test_every_lunar_year_matches_the_library():
    # Exhaustive where it is cheap: one library computation per year.
    for year in range(lunar.FIRST_YEAR, lunar.LAST_YEAR + 1):
        library_year = LunarYear.fromYear(year)
        assert lunar.leap_month(year) == library_year.getLeapMonth(), year
        for month in library_year.getMonthsInYear():
            number, leap = abs(month.getMonth()), month.getMonth() < 0
            assert lunar.month_length(year, number, leap) == month.getDayCount(), (year, number, leap)
        first = Solar.fromJulianDay(library_year.getMonth(1).getFirstJulianDay())
        assert lunar.spring_festival(year) == date(first.getYear(), first.getMonth(), first.getDay())


def test_every_solar_year_table_covers_the_whole_year():
    for year in range(lunar.FIRST_YEAR + 1, lunar.LAST_YEAR + 1):
        first, last = lunar.to_lunar(date(year, 1, 1)), lunar.to_lunar(date(year, 12, 31))
        assert lunar.to_solar(first.year, first.month, first.day, first.leap) == date(year, 1, 1)
        assert lunar.to_solar(last.year, last.month, last.day, last.leap) == date(year, 12, 31)


@PROPERTY
@given(st.one_of(supported_dates, new_year_dates))
def test_to_lunar_agrees_with_the_library(d):
    assert lunar.to_lunar(d) == library_lunar(d)


@QUICK_PROPERTY
@given(st.one_of(supported_dates, new_year_dates))
def test_day_branch_agrees_with_the_library(d):
    assert lunar.day_branch(d) == Solar.fromYmd(d.year, d.month, d.day).getLunar().getDayZhiIndex()


@settings(max_examples=1000, deadline=None)
@given(supported_dates)
def test_to_solar_inverts_to_lunar(d):
    found = lunar.to_lunar(d)
    assert lunar.to_solar(found.year, found.month, found.day, found.leap) == d


@PROPERTY
@given(supported_years, st.integers(1, 12), st.sampled_from([29, 30, 1, 15]), st.booleans())
def test_to_solar_agrees_with_the_library(year, month, day, leap):
    # Leap months and day 30 are drawn often: they are where lunar dates stop existing.
    try:
        expected = library_solar(year, month, day, leap)
    except Exception:  # lunar_python raises a bare Exception for a date that does not exist
        expected = None
    if expected is not None and expected <= lunar.LAST_DATE:
        assert lunar.to_solar(year, month, day, leap) == expected
    else:
        assert not lunar.lunar_date_exists(year, month, day, leap)


@QUICK_PROPERTY
@given(supported_years.filter(lambda year: year > lunar.FIRST_YEAR), st.integers(-3, 3))
def test_lichun_is_where_the_library_turns_the_year(year, offset):
    d = lunar.lichun(year) + timedelta(days=offset)
    by_lichun = Solar.fromYmd(d.year, d.month, d.day).getLunar().getYearZhiIndexByLiChun()
    expected_year = year if offset >= 0 else year - 1
    assert by_lichun == (expected_year - 4) % 12
