"""Staff stop what will be sent: pause and resume a campaign, cancel planned texts, cancel an event with a notice."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import App, ManualClock
from campaigns.definitions import load_campaigns
from campaigns.planning import Planner
from campaigns.run import plan_day
from records import models
from records.transactions import write_transaction
from settings import load_settings
from tests.factories import add_customer

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
PHONES = ("+8613900000001", "+8613900000002", "+8613900000003")


@pytest.fixture
def shop(site: Path):
    """The shipped birthday and salons campaigns; three customers born on 06-04, 06-05 and 06-05."""
    (site.parent / "campaigns").mkdir()
    for name in ("birthday", "salons"):
        shutil.copy(REPO / "campaigns" / f"{name}.toml", site.parent / "campaigns")
    shutil.copytree(REPO / "templates", site.parent / "templates")
    app = App(load_settings(site), clock=ManualClock(datetime(2025, 6, 4, 8, 0, tzinfo=SH)))
    with app.engine.begin() as conn:
        for phone, born in zip(PHONES, ("1990-06-04", "1988-06-05", "1979-06-05")):
            add_customer(conn, phone, "客户", birthday=born)
    return app


def plan(app: App, day: date, only: str) -> None:
    planner = Planner.from_settings(app.settings)
    campaigns = [c for c in load_campaigns(app.settings.campaigns_path)[0] if c.id == only]
    with write_transaction(app.engine) as conn:
        plan_day(conn, planner, campaigns, day, datetime.combine(day, datetime.min.time(), SH))


def rows(app: App, **where) -> list:
    o = models.OutboxMessage.__table__.c
    query = select(o.campaign_id, o.step, o.phone, o.state, o.reason, o.occurrence_on)
    for key, value in where.items():
        query = query.where(o[key] == value)
    with app.engine.connect() as conn:
        return conn.execute(query.order_by(o.id)).all()


def file_texts(site: Path) -> list[dict]:
    path = site.parent / "sent.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def audit_actions(app: App) -> list[tuple[str, str, str]]:
    a = models.AuditEntry.__table__.c
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(a.action, a.subject_id, a.reason).order_by(a.id))]


def test_a_paused_campaign_holds_its_planned_texts_until_resumed(shop, site, cli, monkeypatch):
    plan(shop, date(2025, 6, 4), "birthday")  # the greeting for 06-04 is planned, not sent
    monkeypatch.setenv("JINLI_NOW", "2025-06-04T20:00:00+08:00")
    assert cli("campaigns", "pause", "birthday", "--reason", "模板待审").exit_code == 0
    held = cli("run", "--date", "2025-06-05", "--campaign", "birthday")
    assert "已暂停，未规划：birthday" in held.stdout
    assert file_texts(site) == []
    assert {r.state for r in rows(shop, campaign_id="birthday")} == {"planned"}
    assert rows(shop, occurrence_on=date(2025, 6, 5)) == []  # nothing new planned while paused
    listed = json.loads(cli("campaigns", "list", "--json").stdout)
    assert {c["id"]: c["paused"]["reason"] for c in listed["campaigns"] if c["paused"]} == {"birthday": "模板待审"}

    assert cli("campaigns", "resume", "birthday").exit_code == 0
    assert cli("run", "--date", "2025-06-05", "--campaign", "birthday").exit_code == 0
    assert sorted(t["to"] for t in file_texts(site)) == sorted(PHONES)  # 06-04's held greeting, then 06-05's two
    assert [a[:2] for a in audit_actions(shop)] == [("campaigns.pause", "birthday"), ("campaigns.resume", "birthday")]


def test_outbox_cancel_cancels_one_days_planned_texts(shop, site, cli, monkeypatch):
    plan(shop, date(2025, 6, 4), "birthday")
    plan(shop, date(2025, 6, 5), "birthday")
    monkeypatch.setenv("JINLI_NOW", "2025-06-04T08:00:00+08:00")
    result = cli("outbox", "cancel", "--campaign", "birthday", "--date", "2025-06-05", "--reason", "生日改期")
    assert "已取消 2025-06-05 的 2 条待发短信" in result.stdout
    by_day = {(r.occurrence_on, r.phone): (r.state, r.reason) for r in rows(shop, campaign_id="birthday")}
    assert by_day == {(date(2025, 6, 4), PHONES[0]): ("planned", None),
                      (date(2025, 6, 5), PHONES[1]): ("suppressed", "cancelled"),
                      (date(2025, 6, 5), PHONES[2]): ("suppressed", "cancelled")}
    assert audit_actions(shop) == [("outbox.cancel", "birthday", "生日改期")]


def test_a_cancelled_event_stops_its_reminders_and_tells_each_invitee_once(shop, site, cli, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", "2025-06-02T20:00:00+08:00")
    assert cli("run", "--date", "2025-06-02", "--campaign", "salons").exit_code == 0  # invitations to 06-05's salon
    invited = sorted(t["to"] for t in file_texts(site))
    assert invited == sorted(PHONES)
    plan(shop, date(2025, 6, 5), "salons")  # the day's reminders are planned, not yet sent
    event_id = _event_id(shop, "salons·2025-06-05")

    monkeypatch.setenv("JINLI_NOW", "2025-06-05T08:00:00+08:00")
    first = cli("events", "cancel", str(event_id), "--notify", "event_cancelled", "--reason", "场地维修")
    assert first.exit_code == 0, first.output
    assert "已取消；" in first.stdout and "已安排通知：3 条" in first.stdout
    again = cli("events", "cancel", str(event_id), "--notify", "event_cancelled")
    assert "此前已取消；" in again.stdout and "已安排通知：0 条（此前已安排：3 条）" in again.stdout
    for _ in range(2):
        assert cli("run", "--date", "2025-06-05", "--campaign", "salons").exit_code == 0

    after = file_texts(site)[len(invited):]
    assert sorted(t["to"] for t in after) == sorted(PHONES)  # one notice each, no reminder
    assert all("因故取消" in t["body"] for t in after)
    assert {(r.state, r.reason) for r in rows(shop, step="reminder")} == {("suppressed", "cancelled")}
    assert audit_actions(shop) == [("events.cancel", str(event_id), "场地维修")]


def _event_id(app: App, key: str) -> int:
    e = models.Event.__table__.c
    with app.engine.connect() as conn:
        return conn.execute(select(e.id).where(e.key == key)).scalar_one()
