"""`jinli calendar festivals --year Y`: festivals and solar terms with the shop's day, from the holiday file."""

from __future__ import annotations

import json

from tests.integration.test_holiday_calendar import with_holiday_file

# A malformed file: 2031-10-01 is listed twice.
DUPLICATED_DAY = """
    [2031]
    complete = true
    holidays = [{ from = 2031-10-01, to = 2031-10-07, name = "国庆节" }, { from = 2031-10-01, to = 2031-10-01, name = "x" }]
"""
# 2031: 中秋 falls on 10-01 with 国庆; 情人节 is a Friday the shop closes for its anniversary.
HOLIDAYS = """
    [2031]
    complete = true
    holidays = [{ from = 2031-10-01, to = 2031-10-07, name = "国庆节" }]
    workdays = [2031-09-28]
    closed = [{ date = 2031-02-14, reason = "店庆" }]
"""


def festivals_json(cli, year: int) -> tuple[dict, str]:
    result = cli("calendar", "festivals", "--year", str(year), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def by_id(data: dict) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for row in data["festivals"]:
        rows.setdefault(row["id"], []).append(row)
    return rows


def test_a_year_the_file_covers_lists_holidays_and_closing_days(site, cli):
    with_holiday_file(site, HOLIDAYS)
    data, stderr = festivals_json(cli, 2031)
    assert stderr == "" and data["holidays_known"] is True
    rows = by_id(data)
    assert len(data["festivals"]) == 18 + 24
    assert rows["zhongqiu"] == [{"id": "zhongqiu", "name": "中秋节", "kind": "festival", "date": "2031-10-01",
                                 "weekday": 3, "lunar": "八月十五", "statutory_holiday": "国庆节",
                                 "makeup_workday": False, "shop_closed_reason": None, "working_day": False}]
    valentines = rows["valentines"][0]
    assert (valentines["date"], valentines["shop_closed_reason"], valentines["working_day"]) == ("2031-02-14", "店庆", False)
    assert valentines["statutory_holiday"] is None
    assert rows["清明"][0]["kind"] == "solar_term" and rows["清明"][0]["statutory_holiday"] is None  # not in the file


def test_the_table_is_in_chinese(site, cli):
    with_holiday_file(site, HOLIDAYS)
    result = cli("calendar", "festivals", "--year", "2031")
    assert result.exit_code == 0, result.output
    assert "节日日历 2031" in result.stdout
    line = next(line for line in result.stdout.splitlines() if "中秋节" in line)
    assert "2031-10-01" in line and "周三" in line and "八月十五" in line and "国庆节" in line and "休息" in line
    line = next(line for line in result.stdout.splitlines() if "情人节" in line)
    assert "周五" in line and "休息：店庆" in line


def test_the_table_follows_the_site_language(site, cli):
    site.write_text(site.read_text(encoding="utf-8").replace("[site]\n", '[site]\nlanguage = "en"\n'), encoding="utf-8")
    result = cli("calendar", "festivals", "--year", "2025")
    assert "Festival calendar 2025" in result.stdout and "statutory holiday" in result.stdout
    line = next(line for line in result.stdout.splitlines() if "中秋节" in line)
    assert "2025-10-06" in line and "Mon" in line and "中秋" in line and "closed" in line


def test_a_year_nobody_covers_is_listed_with_a_warning_naming_it(site, cli):
    with_holiday_file(site, HOLIDAYS)
    data, stderr = festivals_json(cli, 2032)
    assert data["holidays_known"] is False
    assert stderr.startswith("warning: holiday calendar: no official holiday schedule for 2032 (")
    assert len(stderr.splitlines()) == 1
    national_day = by_id(data)["national_day"][0]
    assert (national_day["statutory_holiday"], national_day["working_day"]) == (None, True)  # Friday, as assumed


def test_two_laba_in_2041(cli):
    data, _ = festivals_json(cli, 2041)
    assert [row["date"] for row in by_id(data)["laba"]] == ["2041-01-10", "2041-12-30"]


def test_a_malformed_holiday_file_is_one_line(site, cli):
    with_holiday_file(site, DUPLICATED_DAY)
    result = cli("calendar", "festivals", "--year", "2031")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"jinli: error: {site.parent / 'holidays.toml'}: [2031] holidays[1]: 2031-10-01 is already listed (国庆节)"]
