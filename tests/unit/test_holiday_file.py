"""The holiday file: a year only the file knows, file dates winning over the library, the shop's
closing days, the unknown-year warning, and malformed files reported in one line."""

from __future__ import annotations

import logging
import textwrap
import tomllib
from datetime import date
from pathlib import Path

import pytest

from errors import ConfigError
from domain.holiday_file import load_holiday_file, parse_holidays, work_calendar
from domain.workdays import LIBRARY_YEARS, WorkCalendar, campaign_calendar_warnings
from settings import settings_from_dict

REPO = Path(__file__).resolve().parents[2]

# 2031 is far enough that the library will not learn it while these tests live.
FILE_2031 = """
[2031]
complete = true
holidays = [
  { date = 2031-01-01, name = "元旦" },
  { from = 2031-10-01, to = 2031-10-07, name = "国庆节" },
]
workdays = [2031-09-28, "2031-10-11"]
"""


def calendar_of(text: str) -> WorkCalendar:
    return WorkCalendar(parse_holidays(tomllib.loads(textwrap.dedent(text)), "holidays.toml"))


def test_the_library_does_not_know_2031():
    assert 2031 not in LIBRARY_YEARS


@pytest.mark.parametrize(
    ("day", "working", "holiday", "makeup", "name"),
    [
        pytest.param(date(2031, 1, 1), False, True, False, "元旦", id="new-year-wednesday"),
        pytest.param(date(2031, 10, 1), False, True, False, "国庆节", id="national-day-wednesday"),
        pytest.param(date(2031, 10, 4), False, True, False, "国庆节", id="saturday-in-the-break"),
        pytest.param(date(2031, 9, 28), True, False, True, None, id="makeup-sunday"),
        pytest.param(date(2031, 10, 11), True, False, True, None, id="makeup-saturday-quoted-date"),
        pytest.param(date(2031, 10, 12), False, False, False, None, id="ordinary-sunday"),
        pytest.param(date(2031, 10, 9), True, False, False, None, id="ordinary-thursday"),
    ],
)
def test_a_year_only_the_file_covers(day, working, holiday, makeup, name):
    calendar = calendar_of(FILE_2031)
    assert calendar.is_working_day(day) is working
    assert calendar.is_statutory_holiday(day) is holiday
    assert calendar.is_makeup_workday(day) is makeup
    assert calendar.holiday_name(day) == name


def test_a_complete_year_in_the_file_is_known_and_not_reported(caplog):
    caplog.set_level(logging.WARNING, logger="jinli.calendar")
    calendar = calendar_of(FILE_2031)
    assert calendar.knows(2031)
    assert calendar.unknown_years([date(2031, 1, 1), date(2031, 12, 31)]) == set()
    calendar.is_working_day(date(2031, 10, 1))
    assert caplog.records == []


def test_a_file_date_wins_over_the_library():
    calendar = calendar_of("""
        [2025]
        holidays = [{ date = 2025-09-28, name = "国庆节" }, { date = 2025-10-09, name = "国庆节(延长)" }]
        workdays = [2025-10-08]
    """)
    # The library: 09-28 a make-up Sunday, 10-08 a holiday, 10-09 an ordinary Thursday.
    assert (calendar.is_working_day(date(2025, 9, 28)), calendar.is_makeup_workday(date(2025, 9, 28))) == (False, False)
    assert calendar.holiday_name(date(2025, 9, 28)) == "国庆节"
    assert (calendar.is_working_day(date(2025, 10, 8)), calendar.holiday_name(date(2025, 10, 8))) == (True, None)
    assert calendar.is_makeup_workday(date(2025, 10, 8))
    assert (calendar.is_working_day(date(2025, 10, 9)), calendar.holiday_name(date(2025, 10, 9))) == (False, "国庆节(延长)")
    # The library still decides the dates the file does not name.
    assert calendar.holiday_name(date(2025, 10, 1)) == "国庆节"
    assert calendar.is_makeup_workday(date(2025, 10, 11))


def test_a_shop_closing_day_is_not_a_working_day_nor_a_statutory_holiday():
    calendar = calendar_of("""
        [2025]
        closed = [{ date = 2025-09-15, reason = "年度盘点" }, { from = 2025-09-17, to = 2025-09-18 }]
    """)
    assert not calendar.is_working_day(date(2025, 9, 15))
    assert calendar.closing_reason(date(2025, 9, 15)) == "年度盘点"
    assert not calendar.is_statutory_holiday(date(2025, 9, 15))
    assert [calendar.closing_reason(date(2025, 9, d)) for d in (16, 17, 18)] == [None, "店休", "店休"]
    assert calendar.is_working_day(date(2025, 9, 16))
    assert not calendar.knows(2031)  # a file with only 2025 entries says nothing of 2031


def test_an_incomplete_year_is_still_unknown_but_its_dates_apply():
    calendar = calendar_of("""
        [2031]
        holidays = [{ date = 2031-01-01, name = "元旦" }]
    """)
    assert calendar.unknown_years([date(2031, 1, 1), date(2030, 5, 1), date(2025, 1, 1)]) == {2030, 2031}
    assert calendar.holiday_name(date(2031, 1, 1)) == "元旦"


class _Campaign:
    def __init__(self, start_on: date | None = None, end_on: date | None = None):
        self.start_on, self.end_on = start_on, end_on

    def runs_on(self, day: date) -> bool:
        return (self.start_on is None or day >= self.start_on) and (self.end_on is None or day <= self.end_on)


def test_the_warning_names_the_years_campaigns_would_plan_into_and_the_file():
    calendar = calendar_of(FILE_2031)
    warnings = campaign_calendar_warnings(calendar, [_Campaign()], date(2031, 6, 1))
    assert len(warnings) == 1
    assert "2032" in warnings[0] and "2031" not in warnings[0].split("(")[0] and "holidays.toml" in warnings[0]


def test_no_warning_when_no_campaign_runs_into_the_unknown_year():
    calendar = calendar_of(FILE_2031)
    assert campaign_calendar_warnings(calendar, [_Campaign(end_on=date(2031, 12, 31))], date(2031, 6, 1)) == []
    assert campaign_calendar_warnings(calendar, [], date(2031, 6, 1)) == []


def test_an_unknown_year_asked_about_is_logged_once(caplog):
    caplog.set_level(logging.WARNING, logger="jinli.calendar")
    calendar = calendar_of(FILE_2031)
    for day in (date(2032, 1, 1), date(2032, 10, 1), date(2031, 10, 1)):
        calendar.is_working_day(day)
    assert [r.getMessage()[:60] for r in caplog.records] == [
        "holiday calendar: no official holiday schedule for 2032 (chi"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("[2031]\nholidays = [{ date = 2031-02-30, name = 'x' }]", "invalid TOML", id="impossible-date"),
        pytest.param("[2031]\nholidays = [{ date = 2031-01-01 }]",
                     "holidays.toml: [2031] holidays[0]: name must be a non-empty text, got None", id="no-name"),
        pytest.param("[2031]\nholidays = [{ date = 2031-01-01, name = '元旦' }, { date = 2032-01-01, name = '元旦' }]",
                     "holidays.toml: [2031] holidays[1] date: 2032-01-01 is not in 2031: put it under [2032]",
                     id="date-in-another-year"),
        pytest.param("[2031]\nholidays = [{ from = 2031-10-07, to = 2031-10-01, name = '国庆节' }]",
                     "holidays.toml: [2031] holidays[0]: from 2031-10-07 to 2031-10-01 must run forward", id="backwards"),
        pytest.param("[2031]\nholidays = [{ from = 2031-10-01, name = '国庆节' }]",
                     "holidays.toml: [2031] holidays[0]: give either date, or both from and to", id="from-without-to"),
        pytest.param("[2031]\nworkdays = ['next sunday']",
                     "holidays.toml: [2031] workdays[0]: expected a date YYYY-MM-DD, got 'next sunday'", id="bad-workday"),
        pytest.param("[2031]\nholidays = [{ date = 2031-10-01, name = '国庆节' }]\nworkdays = [2031-10-01]",
                     "holidays.toml: [2031] workdays[0]: 2031-10-01 is listed both as a holiday (国庆节)", id="both"),
        pytest.param("[2031]\ncomplete = 'yes'", "holidays.toml: [2031] complete: expected true or false, got 'yes'",
                     id="complete-not-bool"),
        pytest.param("[2031]\nholiday = []", "holidays.toml: [2031]: unknown key 'holiday'", id="unknown-key"),
        pytest.param("[next]\ncomplete = true", "holidays.toml: [next]: expected a year such as [2031]", id="not-a-year"),
        pytest.param("[2031]\nclosed = [{ date = 2031-03-01, why = '盘点' }]",
                     "holidays.toml: [2031] closed[0]: expected { date = YYYY-MM-DD, reason", id="closed-unknown-key"),
        pytest.param("[2031]\nholidays = [{ date = 2031-10-01T09:00:00, name = '国庆节' }]",
                     "holidays.toml: [2031] holidays[0] date: expected a date YYYY-MM-DD without a time", id="date-time"),
    ],
)
def test_a_malformed_file_is_one_line_naming_the_file_and_entry(tmp_path, text, message):
    path = tmp_path / "holidays.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_holiday_file(path)
    assert str(raised.value).startswith(str(tmp_path / "")) and message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_settings_name_the_file_relative_to_config_toml(tmp_path):
    (tmp_path / "cal").mkdir()
    (tmp_path / "cal" / "h.toml").write_text(FILE_2031, encoding="utf-8")
    settings = settings_from_dict({"site": {"holidays_file": "cal/h.toml"}}, base_dir=tmp_path)
    assert work_calendar(settings).holiday_name(date(2031, 10, 1)) == "国庆节"
    assert work_calendar(settings_from_dict({}, base_dir=tmp_path)).knows(2031) is False  # no file configured


def test_a_missing_file_names_the_file_and_the_setting(tmp_path):
    settings = settings_from_dict({"site": {"holidays_file": "nowhere.toml"}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"nowhere\.toml: holiday file not found \(set by \[site\] holidays_file\)"):
        work_calendar(settings)


def test_the_shipped_file_holds_no_invented_year_and_its_commented_example_is_valid():
    shipped = REPO / "calendar" / "holidays.toml"
    assert load_holiday_file(shipped).complete_years == frozenset()
    lines = shipped.read_text(encoding="utf-8").splitlines()
    example = "\n".join(line.removeprefix("# ") for line in lines[lines.index("# [2027]"):])
    schedule = parse_holidays(tomllib.loads(example), "example")
    assert schedule.complete_years == {2027} and schedule.holidays[date(2027, 10, 1)] == "国庆节"
    assert "EXAMPLE ONLY" in shipped.read_text(encoding="utf-8") and "www.gov.cn" in shipped.read_text(encoding="utf-8")
