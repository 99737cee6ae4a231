"""`jinli run` never sends a future day's texts through a real gateway, asks before a large send, and
never records a future sent_at."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import App
from records import models
from settings import load_settings
from tests.factories import add_customer

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
PHONES = ("+8613900000001", "+8613900000002", "+8613900000003")


def configure(site: Path, sms: str) -> App:
    """The test site with extra [sms] lines, a greeting campaign and three customers born on 06-05."""
    text = site.read_text(encoding="utf-8")
    if "gateway" in sms:
        text = text.replace('gateway = "file"\n', "")
    site.write_text(text.replace("[sms]\n", f"[sms]\n{sms}\n"), encoding="utf-8")
    (site.parent / "campaigns").mkdir(exist_ok=True)
    (site.parent / "campaigns" / "birthday.toml").write_text(GREETING, encoding="utf-8")
    (site.parent / "templates").mkdir(exist_ok=True)
    (site.parent / "templates" / "greeting.j2").write_text("{{ customer.name }}生日快乐", encoding="utf-8")
    app = App(load_settings(site))
    with app.engine.begin() as conn:
        for phone in PHONES:
            add_customer(conn, phone, "客户", birthday="1990-06-05")
    return app


def outbox(app: App) -> list:
    o = models.OutboxMessage.__table__.c
    with app.engine.connect() as conn:
        return conn.execute(select(o.state, o.sent_at)).all()


def sent_lines(site: Path) -> int:
    path = site.parent / "sent.jsonl"
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


@pytest.mark.parametrize("sms", [
    'gateway = "twilio"', 'gateway = "aliyun"', 'gateway = "tencent"',
    'gateway = "file"\nroutes = { CN = "aliyun", default = "file" }',
], ids=["twilio", "aliyun", "tencent", "route-to-aliyun"])
def test_a_future_day_on_a_real_gateway_is_refused(site, cli, monkeypatch, sms):
    app = configure(site, sms)
    monkeypatch.setenv("JINLI_NOW", "2025-06-02T09:00:00+08:00")
    result = cli("run", "--date", "2025-06-05")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "run --date 2025-06-05: a future day (today is 2025-06-02)" in result.stderr
    assert "nothing planned or sent" in result.stderr
    assert outbox(app) == []


def test_a_future_day_on_a_real_gateway_may_be_dry_run(site, cli, monkeypatch):
    app = configure(site, 'gateway = "twilio"')
    monkeypatch.setenv("JINLI_NOW", "2025-06-02T09:00:00+08:00")
    result = cli("run", "--date", "2025-06-05", "--dry-run")
    assert result.exit_code == 0
    assert "已规划 3 条短信" in result.stdout
    assert outbox(app) == []


@pytest.mark.parametrize("gateway", ["file", "console"])
def test_a_future_day_is_simulated_on_the_file_and_console_gateways_with_todays_sent_at(site, cli, monkeypatch, gateway):
    app = configure(site, f'gateway = "{gateway}"')
    monkeypatch.setenv("JINLI_NOW", "2025-06-02T09:00:00+08:00")
    result = cli("run", "--date", "2025-06-05")
    assert result.exit_code == 0, result.output
    found = outbox(app)
    assert [state for state, _ in found] == ["sent"] * 3
    # sent at the real (pinned) clock's now, not at the simulated 06-05 10:00
    assert {sent_at for _, sent_at in found} == {datetime(2025, 6, 2, 1, 0, tzinfo=timezone.utc)}


def test_a_large_run_without_a_terminal_is_refused_without_yes(site, cli, monkeypatch):
    app = configure(site, "confirm_above = 2")
    result = cli("run", "--date", "2025-06-05")
    assert result.exit_code == 1
    assert result.stderr == ("jinli: error: this run would send 3 texts, more than [sms] confirm_above = 2: "
                             "nothing planned or sent; run it again with --yes to send them\n")
    assert outbox(app) == [] and sent_lines(site) == 0


def test_a_large_run_answered_no_sends_nothing(site, cli, monkeypatch):
    app = configure(site, "confirm_above = 2")
    monkeypatch.setattr("messaging.send_safety.interactive", lambda: True)
    result = cli("run", "--date", "2025-06-05", input="n\n")
    assert result.exit_code == 1
    assert "This run would send 3 texts (more than [sms] confirm_above = 2). Send them?" in result.stderr
    assert outbox(app) == [] and sent_lines(site) == 0


def test_a_large_run_answered_yes_sends(site, cli, monkeypatch):
    configure(site, "confirm_above = 2")
    monkeypatch.setattr("messaging.send_safety.interactive", lambda: True)
    result = cli("run", "--date", "2025-06-05", input="y\n")
    assert result.exit_code == 0
    assert sent_lines(site) == 3


def test_yes_sends_a_large_run_without_asking(site, cli, monkeypatch):
    configure(site, "confirm_above = 2")
    monkeypatch.setattr("messaging.send_safety.interactive", lambda: pytest.fail("asked despite --yes"))
    assert cli("run", "--date", "2025-06-05", "--yes").exit_code == 0
    assert sent_lines(site) == 3


def test_a_run_at_the_threshold_does_not_ask(site, cli, monkeypatch):
    configure(site, "confirm_above = 3")
    monkeypatch.setattr("messaging.send_safety.interactive", lambda: pytest.fail("asked at the threshold"))
    assert cli("run", "--date", "2025-06-05").exit_code == 0
    assert sent_lines(site) == 3


def test_outbox_send_asks_too(site, cli, monkeypatch):
    app = configure(site, "confirm_above = 2")
    monkeypatch.setenv("JINLI_NOW", "2025-06-05T12:00:00+08:00")
    assert cli("run", "--date", "2025-06-05", "--dry-run").exit_code == 0
    from campaigns.definitions import load_campaigns
    from campaigns.planning import Planner
    from campaigns.run import plan_day
    from records.transactions import write_transaction
    from datetime import date
    with write_transaction(app.engine) as conn:
        plan_day(conn, Planner.from_settings(app.settings), load_campaigns(app.settings.campaigns_path)[0],
                 date(2025, 6, 5), app.now())
    refused = cli("outbox", "send")
    assert refused.exit_code == 1 and "more than [sms] confirm_above = 2" in refused.stderr
    assert sent_lines(site) == 0
    assert cli("outbox", "send", "--yes").exit_code == 0
    assert sent_lines(site) == 3
