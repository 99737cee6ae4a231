"""domain.birthdays: when solar and lunar birthdays fall (DOMAIN.md §2b), and their SQL keys."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lunar_python import Solar

from errors import InvalidValue
from domain import lunar
from domain.birthdays import (
    Birth,
    birthday_key,
    birthday_keys_on,
    birthdays_in_year,
    next_birthday,
    validate_birth,
)

PROPERTY = settings(max_examples=300, deadline=None)
YEARS = range(lunar.FIRST_YEAR, lunar.LAST_YEAR + 1)
LEAP_YEARS = [year for year in YEARS if lunar.leap_month(year)]

supported_dates = st.dates(min_value=lunar.FIRST_DATE, max_value=lunar.LAST_DATE)
solar_births = st.one_of(
    supported_dates.map(lambda d: Birth("solar", d.year, d.month, d.day)),
    st.sampled_from([1904, 1988, 2000, 2024, 2096]).map(lambda year: Birth("solar", year, 2, 29)),
)
lunar_births = st.one_of(
    supported_dates.map(lunar.to_lunar).map(lambda d: Birth("lunar", d.year, d.month, d.day, d.leap)),
    # Born in a leap month, or on day 30: the cases that move in other years.
    st.builds(
        lambda year, day: Birth("lunar", year, lunar.leap_month(year), day, True),
        st.sampled_from(LEAP_YEARS), st.sampled_from([1, 29, 30, 30]),
    ),
    st.builds(lambda year, month: Birth("lunar", year, month, 30), st.sampled_from(YEARS), st.integers(1, 12)),
).filter(lambda birth: lunar.lunar_date_exists(birth.year, birth.month, birth.day, birth.leap))
births = st.one_of(solar_births, lunar_births)
feb29_rules = st.sampled_from(["feb28", "mar1"])


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        pytest.param(Birth("solar", 1990, 1, 20), date(1990, 1, 20), id="solar"),
        pytest.param(Birth("solar", 2024, 2, 29), date(2024, 2, 29), id="solar-29-february"),
        pytest.param(Birth("lunar", 1989, 12, 24), date(1990, 1, 20), id="lunar"),
        pytest.param(Birth("lunar", 2020, 4, 15, leap=True), date(2020, 6, 6), id="lunar-leap-month"),
        pytest.param(Birth("lunar", 2020, 4, 30), date(2020, 5, 22), id="lunar-day-30"),
    ],
)
def test_validate_birth_gives_the_solar_date_of_birth(birth, expected):
    assert validate_birth(birth) == expected


@pytest.mark.parametrize(
    ("birth", "reason"),
    [
        pytest.param(Birth("solar", 2023, 2, 29), "solar birth date 2023-02-29 does not exist", id="solar-29-feb-2023"),
        pytest.param(Birth("solar", 2023, 4, 31), "2023-04-31 does not exist", id="solar-31-april"),
        pytest.param(Birth("solar", 2023, 4, 1, leap=True), "only lunar months can be leap", id="solar-leap"),
        pytest.param(Birth("solar", 1899, 5, 1), "1899-05-01 is outside the supported range", id="solar-too-early"),
        pytest.param(Birth("lunar", 2024, 3, 1, leap=True), "2024 has no leap month 闰3", id="lunar-no-leap-month"),
        pytest.param(Birth("lunar", 2023, 4, 1, leap=True), "its leap month is 闰2", id="lunar-other-leap-month"),
        pytest.param(Birth("lunar", 2021, 4, 30), "month 4 of 2021 has 29 days", id="lunar-day-30-of-29"),
        pytest.param(Birth("lunar", 2020, 4, 30, leap=True), "month 闰4 of 2020 has 29 days", id="lunar-leap-day-30"),
        pytest.param(Birth("lunar", 1899, 1, 1), "year 1899 is outside", id="lunar-too-early"),
        pytest.param(Birth("lunar", 2023, 13, 1), "lunar month 13 does not exist", id="lunar-month-13"),
        pytest.param(Birth("julian", 1990, 1, 20), "unknown birth calendar 'julian'", id="unknown-calendar"),
    ],
)
def test_validate_birth_rejects_impossible_births_with_the_reason(birth, reason):
    with pytest.raises(InvalidValue, match=reason):
        validate_birth(birth)
    with pytest.raises(InvalidValue, match=reason):
        birthday_key(birth)


@pytest.mark.parametrize(
    ("birth", "key"),
    [
        (Birth("solar", 1990, 1, 20), 120),
        (Birth("solar", 2024, 2, 29), 229),
        (Birth("solar", 1985, 12, 31), 1231),
        (Birth("lunar", 1989, 12, 24), 101224),
        (Birth("lunar", 2020, 4, 15, leap=True), 110415),
        (Birth("lunar", 2020, 4, 30), 100430),
    ],
    ids=["solar", "solar-29-feb", "solar-31-dec", "lunar", "lunar-leap", "lunar-day-30"],
)
def test_birthday_key(birth, key):
    assert birthday_key(birth) == key


@pytest.mark.parametrize(
    ("birth", "year", "feb29", "expected"),
    [
        pytest.param(Birth("solar", 2024, 2, 29), 2025, "feb28", [date(2025, 2, 28)], id="29-feb-on-28-feb"),
        pytest.param(Birth("solar", 2024, 2, 29), 2025, "mar1", [date(2025, 3, 1)], id="29-feb-on-1-mar"),
        pytest.param(Birth("solar", 2024, 2, 29), 2028, "mar1", [date(2028, 2, 29)], id="29-feb-in-leap-year"),
        pytest.param(Birth("solar", 1990, 1, 20), 2025, "feb28", [date(2025, 1, 20)], id="solar"),
        # 2023 has 闰2, not 闰4: born in 闰4, celebrated in the regular 4th month.
        pytest.param(Birth("lunar", 2020, 4, 15, True), 2023, "feb28", [date(2023, 6, 2)], id="leap-born-no-leap-then"),
        # 2012 has 闰4 again: celebrated in 闰4, not in the regular month (2012-05-05).
        pytest.param(Birth("lunar", 2001, 4, 15, True), 2012, "feb28", [date(2012, 6, 4)], id="leap-born-leap-again"),
        pytest.param(Birth("lunar", 2001, 4, 15, True), 2013, "feb28", [date(2013, 5, 24)], id="leap-born-next-year"),
        pytest.param(Birth("lunar", 2020, 4, 15), 2020, "feb28", [date(2020, 5, 7)], id="regular-born-leap-year"),
        pytest.param(Birth("lunar", 2020, 4, 30), 2021, "feb28", [date(2021, 6, 9)], id="day-30-in-29-day-month"),
        # Lunar 12-01 of 1999: twice in 2022, never in 2023.
        pytest.param(Birth("lunar", 1999, 12, 1), 2022, "feb28", [date(2022, 1, 3), date(2022, 12, 23)], id="twice"),
        pytest.param(Birth("lunar", 1999, 12, 1), 2023, "feb28", [], id="never"),
        # Lunar 2100-12-24 falls in 2101, beyond the supported range: only lunar 2099's occurrence.
        pytest.param(Birth("lunar", 1989, 12, 24), 2100, "feb28", [date(2100, 2, 2)], id="last-year-in-range"),
    ],
)
def test_birthdays_in_year(birth, year, feb29, expected):
    assert birthdays_in_year(birth, year, feb29) == expected


@pytest.mark.parametrize(
    ("birth", "on_or_after", "expected"),
    [
        pytest.param(Birth("solar", 2024, 2, 29), date(2025, 1, 1), date(2025, 2, 28), id="29-feb"),
        pytest.param(Birth("solar", 1990, 1, 20), date(2025, 1, 20), date(2025, 1, 20), id="on-the-day"),
        pytest.param(Birth("solar", 1990, 1, 20), date(2025, 1, 21), date(2026, 1, 20), id="day-after"),
        pytest.param(Birth("lunar", 1999, 12, 1), date(2022, 12, 24), date(2024, 1, 11), id="skips-2023"),
        pytest.param(Birth("lunar", 2020, 4, 15, True), date(2023, 1, 1), date(2023, 6, 2), id="leap-born"),
    ],
)
def test_next_birthday(birth, on_or_after, expected):
    assert next_birthday(birth, on_or_after) == expected


def test_next_birthday_says_when_none_is_left_in_range():
    with pytest.raises(InvalidValue, match="no birthday between 2100-12-02 and 2100-12-31"):
        next_birthday(Birth("solar", 1990, 12, 1), date(2100, 12, 2))


@pytest.mark.parametrize(
    ("day", "feb29", "present", "absent"),
    [
        pytest.param(date(2025, 2, 28), "feb28", {228, 229}, set(), id="28-feb-common-year"),
        pytest.param(date(2025, 2, 28), "mar1", {228}, {229}, id="28-feb-mar1-rule"),
        pytest.param(date(2025, 3, 1), "mar1", {301, 229}, set(), id="1-mar-mar1-rule"),
        pytest.param(date(2025, 3, 1), "feb28", {301}, {229}, id="1-mar-feb28-rule"),
        pytest.param(date(2024, 2, 28), "feb28", {228}, {229}, id="28-feb-leap-year"),
        pytest.param(date(2024, 2, 29), "feb28", {229}, set(), id="29-feb"),
        # Lunar 2023 闰2-15: only those born in 闰2.
        pytest.param(date(2023, 4, 5), "feb28", {110215}, {100215}, id="in-a-leap-month"),
        # Lunar 2023 2-15, a year with 闰2: those born in 闰2 wait for it.
        pytest.param(date(2023, 3, 6), "feb28", {100215}, {110215}, id="regular-month-with-leap-twin"),
        # Lunar 2024 4-15, no leap month that year: regular and 闰4 births alike.
        pytest.param(date(2024, 5, 22), "feb28", {100415, 110415}, set(), id="regular-month-without-leap"),
        # Lunar 2020 闰4-29, the last day of a 29-day leap month.
        pytest.param(date(2020, 6, 20), "feb28", {110429, 110430}, {100429, 100430}, id="end-of-29-day-leap-month"),
        # Lunar 2021 4-29, last day of a 29-day month, no leap month in 2021.
        pytest.param(date(2021, 6, 9), "feb28", {100429, 100430, 110429, 110430}, set(), id="end-of-29-day-month"),
    ],
)
def test_birthday_keys_on(day, feb29, present, absent):
    keys = birthday_keys_on(day, feb29)
    assert present <= keys
    assert not absent & keys


def test_birthday_keys_on_a_day_out_of_range_names_it():
    with pytest.raises(InvalidValue, match="2101-01-01"):
        birthday_keys_on(date(2101, 1, 1))


@pytest.mark.parametrize("call", [birthday_keys_on, lambda d, rule: next_birthday(Birth("solar", 2000, 2, 29), d, rule)])
def test_an_unknown_29_february_rule_is_rejected_by_name(call):
    with pytest.raises(InvalidValue, match="'mar2'"):
        call(date(2025, 2, 28), "mar2")


def test_birthdays_in_a_year_out_of_range_are_rejected_by_name():
    with pytest.raises(InvalidValue, match="year 2101 is outside"):
        birthdays_in_year(Birth("lunar", 2000, 1, 1), 2101)


def near_a_birthday(data, birth: Birth) -> date:
    """A day within a few days of one of birth's occurrences, or any day: where keys can disagree."""
    year = data.draw(st.integers(lunar.FIRST_YEAR + 1, lunar.LAST_YEAR))
    bases = birthdays_in_year(birth, year) or [date(year, 6, 30)]
    day = data.draw(st.sampled_from(bases)) + timedelta(days=data.draw(st.sampled_from([0, 0, 0, -1, 1, -2, 2])))
    return day if data.draw(st.integers(0, 3)) else data.draw(supported_dates)


@PROPERTY
@given(births, feb29_rules, st.data())
def test_a_key_is_on_a_day_exactly_when_the_birthday_is(birth, feb29, data):
    day = near_a_birthday(data, birth)
    assume(lunar.FIRST_DATE <= day <= lunar.LAST_DATE)
    on_that_day = birthday_key(birth) in birthday_keys_on(day, feb29)
    assert on_that_day == (day in birthdays_in_year(birth, day.year, feb29))


def some_birth_with_key(key: int) -> Birth | None:
    if key < 100000:
        return Birth("solar", 2000, key // 100, key % 100)
    leap, month, day = key >= 110000, key // 100 % 100, key % 100
    year = next((year for year in YEARS if lunar.lunar_date_exists(year, month, day, leap)), None)
    return None if year is None else Birth("lunar", year, month, day, leap)


@PROPERTY
@given(supported_dates, feb29_rules, st.data())
def test_every_key_on_a_day_belongs_to_a_birthday_on_that_day(day, feb29, data):
    key = data.draw(st.sampled_from(sorted(birthday_keys_on(day, feb29))))
    birth = some_birth_with_key(key)
    assume(birth is not None)  # e.g. 闰12 day 30: no such birth between 1900 and 2100
    assert birthday_key(birth) == key
    assert day in birthdays_in_year(birth, day.year, feb29)


@settings(max_examples=80, deadline=None)
@given(lunar_births, st.integers(lunar.FIRST_YEAR + 1, lunar.LAST_YEAR))
def test_lunar_birthdays_follow_the_rules_by_the_library(birth, year):
    for day in birthdays_in_year(birth, year):
        found = Solar.fromYmd(day.year, day.month, day.day).getLunar()
        has_leap_twin = lunar.leap_month(found.getYear()) == birth.month
        assert abs(found.getMonth()) == birth.month
        assert (found.getMonth() < 0) == (birth.leap and has_leap_twin)
        month_is_short = found.getDay() == 29 and lunar.month_length(found.getYear(), birth.month, found.getMonth() < 0) == 29
        assert found.getDay() == birth.day or (birth.day == 30 and month_is_short)


@PROPERTY
@given(births, st.dates(min_value=date(1901, 1, 1), max_value=date(2097, 12, 31)), feb29_rules)
def test_next_birthday_is_the_first_on_or_after(birth, on_or_after, feb29):
    found = next_birthday(birth, on_or_after, feb29)
    assert found >= on_or_after
    assert found in birthdays_in_year(birth, found.year, feb29)
    between = [
        day for year in range(on_or_after.year, found.year + 1)
        for day in birthdays_in_year(birth, year, feb29) if on_or_after <= day < found
    ]
    assert between == []
