"""One spelling for a day: `--date` reads ISO dates, today/明天/昨天/后天 and +N/-N from the app clock
(JINLI_NOW) in the shop's time zone; old spellings stay as hidden aliases; a bad value is one line, exit 2."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

import pytest

from app import App
from settings import load_settings
from tests.factories import add_customer, add_event

GREETING = textwrap.dedent("""
    id = "birthday"
    name = "生日"
    kind = "birthday_maturity"
    send_time = "10:00"
    [templates]
    greeting = "greeting"
    [birthday_maturity]
    terms = []
""")
# 23:30 on 4 June in Shanghai is already 5 June: "tomorrow" is the shop's tomorrow, 6 June, not UTC's.
NOW = "2025-06-04T23:30+08:00"


@pytest.fixture
def greeting_site(site: Path) -> App:
    """A birthday campaign and one customer born on 06-06."""
    (site.parent / "campaigns").mkdir(exist_ok=True)
    (site.parent / "campaigns" / "birthday.toml").write_text(GREETING, encoding="utf-8")
    (site.parent / "templates").mkdir(exist_ok=True)
    (site.parent / "templates" / "greeting.j2").write_text("{{ customer.name }}生日快乐", encoding="utf-8")
    app = App(load_settings(site))
    with app.engine.begin() as conn:
        add_customer(conn, "+8613900000001", "客户", birthday="1990-06-06")
    return app


@pytest.mark.parametrize("word, expected", [
    ("明天", date(2025, 6, 5)), ("tomorrow", date(2025, 6, 5)), ("today", date(2025, 6, 4)), ("今天", date(2025, 6, 4)),
    ("昨天", date(2025, 6, 3)), ("yesterday", date(2025, 6, 3)), ("后天", date(2025, 6, 6)), ("+3", date(2025, 6, 7)),
    ("-2", date(2025, 6, 2)), ("2025-06-20", date(2025, 6, 20)),
])
def test_schedule_starts_on_the_named_day_of_the_pinned_clock(cli, greeting_site, monkeypatch, word, expected):
    monkeypatch.setenv("JINLI_NOW", NOW)
    result = cli("schedule", "--date", word, "--days", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["from"] == expected.isoformat()


def test_the_shop_time_zone_decides_what_tomorrow_is(cli, greeting_site, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", "2025-06-04T23:30+00:00")  # already 5 June 07:30 in Shanghai
    result = cli("schedule", "--date", "明天", "--days", "1", "--format", "json")
    assert json.loads(result.output)["from"] == "2025-06-06"


def test_run_date_tomorrow_plans_that_days_birthday(cli, greeting_site, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", "2025-06-05T08:00+08:00")
    result = cli("run", "--dry-run", "--date", "明天")
    assert result.exit_code == 0, result.output
    assert "2025-06-06" in result.output
    planned = cli("schedule", "--date", "明天", "--days", "1", "--format", "json")
    day = json.loads(planned.output)["days"][0]
    assert day["date"] == "2025-06-06" and day["totals"]["texts"] == 1


def test_old_spellings_still_work_but_are_not_shown(cli, app, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", NOW)
    with app.engine.begin() as conn:
        add_event(conn, date(2025, 6, 5), title="周四沙龙")
    for spelling in ("--date", "--on"):
        result = cli("events", "list", spelling, "明天", "--json")
        assert [e["title"] for e in json.loads(result.output)] == ["周四沙龙"]
    help_text = cli("events", "list", "--help").output
    assert "--date" in help_text and "--on" not in help_text
    assert "--as-of" not in cli("points", "show", "--help").output


@pytest.mark.parametrize("args", [("events", "list", "--date", "someday"), ("report", "funnel", "--from", "2025-13-01"),
                                  ("points", "show", "x", "--as-of", "明年")])
def test_a_bad_day_is_one_line_naming_option_value_and_forms(cli, app, args):
    result = cli(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    option = "--from" if "--from" in args else "--date"
    assert option in lines[0] and repr(args[-1]) in lines[0] and "明天" in lines[0] and "+3" in lines[0]


def test_period_options_accept_the_same_words(cli, app, monkeypatch, tmp_path):
    from python_calamine import CalamineWorkbook

    monkeypatch.setenv("JINLI_NOW", NOW)
    out = tmp_path / "f.xlsx"
    result = cli("report", "funnel", "--from", "-7", "--to", "今天", "--format", "xlsx", "--output", str(out))
    assert result.exit_code == 0, result.output
    cells = [str(c) for row in CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python() for c in row]
    assert any("2025-05-28" in c and "2025-06-04" in c for c in cells)
