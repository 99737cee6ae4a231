"""The holiday file through the whole site: salons follow it, `campaigns validate|list` and the daemon
warn about years nobody knows, and a malformed file stops a command with one line."""

from __future__ import annotations

import logging
import textwrap
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from app import App, ManualClock
from messaging.gateways import make_gateway
from schedules.daemon import Daemon, DaemonOptions
from settings import load_settings
from tests.integration.test_campaign_preview import five_customers, playbook, run_preview  # noqa: F401 (fixture)

HOLIDAYS = """
    [2025]
    closed = [{ date = 2025-06-05, reason = "年度盘点" }]

    [2031]
    complete = true
    holidays = [{ from = 2031-10-01, to = 2031-10-07, name = "国庆节" }]
    workdays = [2031-09-28, 2031-10-11]
"""


def with_holiday_file(site: Path, text: str) -> Path:
    """Point the test site's config.toml at a holiday file beside it holding ``text``."""
    (site.parent / "holidays.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    config = site.read_text(encoding="utf-8").replace("[site]\n", '[site]\nholidays_file = "holidays.toml"\n')
    site.write_text(config, encoding="utf-8")
    return site


@pytest.fixture
def shop(site: Path, clock: ManualClock, playbook) -> App:
    return App(load_settings(with_holiday_file(site, HOLIDAYS)), clock=clock)


def test_no_salon_on_a_shop_closing_day(shop):
    with shop.engine.begin() as conn:
        five_customers(conn)
    # Monday 2025-06-02 would invite for Thursday 06-05, the shop's stocktaking day.
    assert "invitation" not in run_preview(shop, "salons", date(2025, 6, 2))
    assert "invitation" in run_preview(shop, "salons", date(2025, 6, 3))  # → Friday 06-06, open


def test_salons_in_a_year_only_the_holiday_file_knows(shop):
    with shop.engine.begin() as conn:
        five_customers(conn)
    # 2031-09-28 is a make-up Sunday by the file: Monday's salon, invited on Thursday 09-25.
    assert run_preview(shop, "salons", date(2031, 9, 25))["invitation"]["key"] == "salons·2031-09-28·invitation"
    # 09-28 would invite for 10-01, inside the file's 国庆节 break: only the reminder for the 28th.
    assert set(run_preview(shop, "salons", date(2031, 9, 28))) == {"reminder"}


def test_campaigns_validate_and_list_warn_naming_the_unknown_year(site, playbook, cli, monkeypatch):
    with_holiday_file(site, HOLIDAYS)
    monkeypatch.setenv("JINLI_NOW", "2031-03-01T09:00+08:00")  # looks ahead 2031-03-01 .. 2032-02-29
    for command in (["campaigns", "validate"], ["campaigns", "list"]):
        result = cli(*command)
        assert result.exit_code == 0, result.output
        warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: holiday calendar")]
        assert len(warnings) == 1 and "schedule for 2032 (" in warnings[0] and "holidays.toml" in warnings[0]


def test_campaigns_validate_is_silent_when_every_year_is_known(site, playbook, cli, monkeypatch):
    with_holiday_file(site, HOLIDAYS + "\n[2032]\ncomplete = true\n")
    monkeypatch.setenv("JINLI_NOW", "2031-03-01T09:00+08:00")
    result = cli("campaigns", "validate")
    assert result.exit_code == 0 and result.stderr == ""


def test_the_daemon_logs_the_unknown_year_at_start_up(site, playbook, clock, caplog):
    app = App(load_settings(with_holiday_file(site, HOLIDAYS)), clock=clock)
    daemon = Daemon(app, make_gateway(app.settings, dry_run=True), DaemonOptions("test"))
    caplog.set_level(logging.WARNING, logger="jinli.daemon")
    daemon.start(datetime(2031, 3, 1, 1, 0, tzinfo=timezone.utc))
    logged = [r.getMessage() for r in caplog.records if r.name == "jinli.daemon" and "holiday calendar" in r.getMessage()]
    assert len(logged) == 1 and "schedule for 2032 (" in logged[0]


def test_a_malformed_holiday_file_stops_a_command_with_one_line(site, playbook, cli):
    with_holiday_file(site, "[2031]\nholidays = [{ date = 2031-10-01 }]\n")
    result = cli("campaigns", "validate")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"jinli: error: {site.parent / 'holidays.toml'}: [2031] holidays[0]: name must be a non-empty text, got None"]
