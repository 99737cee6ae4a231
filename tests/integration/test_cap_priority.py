"""Priority under the weekly cap: the higher-priority text goes out whichever campaign planned first."""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import App, ManualClock
from campaigns.definitions import load_campaigns
from campaigns.planning import Planner
from campaigns.run import plan_day, preview
from messaging.dispatch import send_due_messages
from messaging.gateways.base import RecordingGateway
from records import models
from records.transactions import write_transaction
from settings import load_settings
from tests.factories import add_customer

pytestmark = pytest.mark.integration
SH = ZoneInfo("Asia/Shanghai")
DAY = date(2025, 6, 4)
GREETING = "{{ customer.name }}生日快乐（{{ campaign.id }}）"


def greeting_campaign(folder: Path, file: str, campaign_id: str, priority: int, send_time: str) -> None:
    (folder / f"{file}.toml").write_text(textwrap.dedent(f"""
        id = "{campaign_id}"
        name = "{campaign_id}"
        kind = "birthday_maturity"
        send_time = "{send_time}"
        priority = {priority}
        [templates]
        greeting = "greeting"
        [birthday_maturity]
        terms = []
    """), encoding="utf-8")


@pytest.fixture
def shop(site: Path):
    """Cap 1 a week; 'low' (priority 1) sends at 09:00, 'high' (priority 5) at 10:00; two birthday customers."""
    site.write_text(site.read_text(encoding="utf-8").replace("[sms]\n", "[sms]\nweekly_cap = 1\n"), encoding="utf-8")
    folder = site.parent / "campaigns"
    folder.mkdir()
    (site.parent / "templates").mkdir()
    (site.parent / "templates" / "greeting.j2").write_text(GREETING, encoding="utf-8")
    greeting_campaign(folder, "a_low", "low", 1, "09:00")
    greeting_campaign(folder, "b_high", "high", 5, "10:00")
    app = App(load_settings(site), clock=ManualClock(datetime(2025, 6, 4, 20, 0, tzinfo=SH)))
    with app.engine.begin() as conn:
        add_customer(conn, "+8613900000001", "王芳", birthday="1990-06-04")
        add_customer(conn, "+8613900000002", "李雷", birthday="1985-06-04")
    return app


def plan_in_order(app: App, order: list[str]) -> None:
    planner = Planner.from_settings(app.settings)
    campaigns = {c.id: c for c in load_campaigns(app.settings.campaigns_path)[0]}
    for campaign_id in order:  # each campaign in its own run, as the daemon plans each at its send time
        with write_transaction(app.engine) as conn:
            plan_day(conn, planner, [campaigns[campaign_id]], DAY, datetime(2025, 6, 4, 8, 0, tzinfo=SH))


def texts_sent(app: App) -> list[tuple[str, str]]:
    gateway = RecordingGateway()
    send_due_messages(app.engine, gateway, app.settings, app.now(), worker="test")
    return sorted((sms.to, sms.body) for sms in gateway.sent)


def outbox_states(app: App) -> dict[tuple[str, str], tuple[str, str | None]]:
    o = models.OutboxMessage.__table__.c
    with app.engine.connect() as conn:
        rows = conn.execute(select(o.campaign_id, o.phone, o.state, o.reason)).all()
    return {(r.campaign_id, r.phone): (r.state, r.reason) for r in rows}


HIGH_ONLY = [("+8613900000001", "【金福金行】王芳生日快乐（high）回T退订"),
             ("+8613900000002", "【金福金行】李雷生日快乐（high）回T退订")]


def test_low_planned_first_is_displaced_by_high(shop):
    plan_in_order(shop, ["low", "high"])
    assert texts_sent(shop) == HIGH_ONLY
    assert outbox_states(shop)[("low", "+8613900000001")] == ("suppressed", "cap_preempted")


def test_high_planned_first_keeps_the_cap_for_itself(shop):
    plan_in_order(shop, ["high", "low"])
    assert texts_sent(shop) == HIGH_ONLY
    assert outbox_states(shop)[("low", "+8613900000001")] == ("suppressed", "cap")


def test_a_sent_text_is_never_displaced(shop):
    plan_in_order(shop, ["low"])
    shop.clock.current = datetime(2025, 6, 4, 9, 30, tzinfo=SH)
    assert len(texts_sent(shop)) == 2  # the low texts left at 09:30
    plan_in_order(shop, ["high"])
    shop.clock.current = datetime(2025, 6, 4, 20, 0, tzinfo=SH)
    assert texts_sent(shop) == []
    assert outbox_states(shop)[("high", "+8613900000001")] == ("suppressed", "cap")


def test_preview_names_the_text_a_recipient_would_displace(shop):
    plan_in_order(shop, ["low"])
    planner = Planner.from_settings(shop.settings)
    high = [c for c in load_campaigns(shop.settings.campaigns_path)[0] if c.id == "high"][0]
    with shop.engine.connect() as conn:
        items = preview(conn, planner, high, DAY)
    assert [r["displaces"] for r in items[0].recipients] == [["low"], ["low"]]


def test_the_run_summary_counts_displaced_texts(shop, cli, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", "2025-06-04T20:00:00+08:00")
    result = cli("run", "--date", DAY.isoformat())  # plans a_low, then b_high, then sends
    assert result.exit_code == 0, result.output
    assert "拦截（让位于优先活动，low）：2" in result.stdout
    assert "已发送 2，" in result.stdout
