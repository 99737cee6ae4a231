"""domain.workdays without a holiday file: the shop works Monday to Saturday, statutory holidays off, 调休 days on."""

import logging
from datetime import date

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.workdays import WorkCalendar

known_dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31))
workdays = WorkCalendar()  # the library alone: no holiday file


@pytest.mark.parametrize(
    ("day", "working", "holiday", "makeup", "name"),
    [
        pytest.param(date(2025, 10, 1), False, True, False, "国庆节", id="national-day-wednesday"),
        pytest.param(date(2025, 10, 4), False, True, False, "国庆节", id="holiday-saturday"),
        pytest.param(date(2025, 10, 6), False, True, False, "中秋", id="mid-autumn-in-golden-week"),
        pytest.param(date(2025, 9, 28), True, False, True, None, id="makeup-sunday"),
        pytest.param(date(2025, 10, 11), True, False, True, None, id="makeup-saturday"),
        pytest.param(date(2025, 9, 13), True, False, False, None, id="ordinary-saturday"),
        pytest.param(date(2025, 9, 14), False, False, False, None, id="ordinary-sunday"),
        pytest.param(date(2025, 9, 15), True, False, False, None, id="ordinary-monday"),
        pytest.param(date(2026, 2, 17), False, True, False, "春节", id="spring-festival-2026"),
        pytest.param(date(2026, 2, 14), True, False, True, None, id="makeup-saturday-2026"),
    ],
)
def test_working_days(day, working, holiday, makeup, name):
    assert workdays.is_working_day(day) is working
    assert workdays.is_statutory_holiday(day) is holiday
    assert workdays.is_makeup_workday(day) is makeup
    assert workdays.holiday_name(day) == name


@given(known_dates)
def test_the_shop_works_as_the_state_says_except_on_ordinary_saturdays(day):
    state_works = chinese_calendar.is_workday(day)
    if day.weekday() == 5:
        assert workdays.is_working_day(day) is (day not in chinese_calendar.holidays)
    else:
        assert workdays.is_working_day(day) is state_works


@given(known_dates)
def test_a_makeup_workday_is_a_weekend_working_day(day):
    if workdays.is_makeup_workday(day):
        assert day.weekday() >= 5 and workdays.is_working_day(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2031, 1, 1), True, id="new-year-unknown-so-wednesday"),
        pytest.param(date(2031, 1, 4), True, id="saturday"),
        pytest.param(date(2031, 1, 5), False, id="sunday"),
        pytest.param(date(2031, 10, 1), True, id="national-day-unknown"),
        pytest.param(date(2003, 10, 5), False, id="before-the-data-sunday"),
    ],
)
def test_an_unknown_year_falls_back_to_monday_to_saturday(day, working):
    assert workdays.is_working_day(day) is working
    assert not workdays.is_statutory_holiday(day)
    assert not workdays.is_makeup_workday(day)
    assert workdays.holiday_name(day) is None


def test_an_unknown_year_is_reported_once_by_name(caplog):
    caplog.set_level(logging.WARNING, logger="jinli.calendar")
    workdays = WorkCalendar()
    for day in (date(2031, 1, 4), date(2031, 1, 5), date(2031, 10, 1), date(2031, 12, 31)):
        workdays.is_working_day(day)
        workdays.holiday_name(day)
    workdays.is_working_day(date(2032, 3, 1))
    messages = [record.getMessage() for record in caplog.records if record.name == "jinli.calendar"]
    assert len(messages) == 2
    assert "2031" in messages[0] and "2032" in messages[1]


def test_a_known_year_is_not_reported(caplog):
    caplog.set_level(logging.WARNING, logger="jinli.calendar")
    workdays = WorkCalendar()
    workdays.is_working_day(date(2025, 10, 1))
    assert caplog.records == []
