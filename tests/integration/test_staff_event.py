"""A staff-made event through the CLI: invitations within capacity (best tiers first) with check-in codes,
the reminder to those invited, check-in and a walk-in, the 72-hour follow-up, and the funnel by kind.

Event 老客户答谢会 on Saturday 2025-06-14 14:30, capacity 2 (over-booking 1.0), invitations 5 days ahead
(Mon 06-09), reminder on the day. Customers: 甲 A, 乙 B, 丙 C (all invited by tier: 甲 and 乙 get the places).
"""

from __future__ import annotations

import json
import shutil
import textwrap
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import App
from records import models
from tests.factories import add_customer, add_event

REPO = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
EVENT = """
    id = "thanks"
    name = "答谢会"
    kind = "event"
    [event]
    date = 2025-06-14
    start_time = "14:30"
    title = "老客户答谢会"
    venue = "南京路店三楼"
    capacity = 2
    overbooking = 1.0
    lead_days = 5
    [templates]
    invitation = "event_invitation"
    reminder = "event_reminder"
"""
FOLLOWUP = """
    id = "thanks-followups"
    name = "答谢会跟进"
    kind = "post_event_followup"
    [post_event_followup]
    events_of = "thanks"
    after_hours = 20
    [templates]
    followup = "event_followup"
"""


@pytest.fixture
def shop(app: App, site: Path) -> App:
    (site.parent / "campaigns").mkdir()
    (site.parent / "campaigns" / "thanks.toml").write_text(textwrap.dedent(EVENT), encoding="utf-8")
    (site.parent / "campaigns" / "followups.toml").write_text(textwrap.dedent(FOLLOWUP), encoding="utf-8")
    shutil.copytree(REPO / "templates", site.parent / "templates")
    with app.engine.begin() as conn:
        ids = [add_customer(conn, phone, name, tier=tier) for name, tier, phone in (
            ("甲", "A", "+8613900000001"), ("乙", "B", "+8613900000002"), ("丙", "C", "+8613900000003"))]
        salon = add_event(conn, date(2025, 6, 7))  # a salon 丙 was invited to, for the funnel by kind
        conn.execute(models.Invitation.__table__.insert().values(event_id=salon, customer_id=ids[2], code="SALON1", tier="C"))
    return app


def run(cli, monkeypatch, day: int, hh: int = 11):
    monkeypatch.setenv("JINLI_NOW", datetime(2025, 6, day, hh, tzinfo=SH).isoformat())
    result = cli("run")
    assert result.exit_code == 0, result.output


def texts(app: App) -> list[tuple[str, str, str, str]]:
    o, c = models.OutboxMessage.__table__.c, models.Customer.__table__.c
    with app.engine.connect() as conn:
        rows = conn.execute(select(o.sent_at, c.name, o.step, o.body).join_from(
            models.OutboxMessage.__table__, models.Customer.__table__, c.id == o.customer_id)
            .where(o.state == "sent").order_by(o.sent_at, c.name))
        return [(r.sent_at.astimezone(SH).strftime("%m-%d"), r.name, r.step, r.body) for r in rows]


def test_a_staff_event_invites_reminds_checks_in_and_follows_up(shop, cli, monkeypatch):
    run(cli, monkeypatch, 9)
    with shop.engine.connect() as conn:
        codes = dict(conn.execute(select(models.Customer.name, models.Invitation.code).join(models.Invitation)
                                  .join(models.Event).where(models.Event.campaign_id == "thanks")).all())
        event = conn.execute(select(models.Event).where(models.Event.campaign_id == "thanks")).one()
    assert set(codes) == {"甲", "乙"}  # capacity 2: the best tiers
    assert (event.kind, event.title, event.venue, event.capacity, event.key) == ("event", "老客户答谢会", "南京路店三楼", 2,
                                                                                 "thanks·2025-06-14")
    assert event.starts_at.astimezone(SH) == datetime.combine(date(2025, 6, 14), time(14, 30), SH)
    run(cli, monkeypatch, 14)
    monkeypatch.setenv("JINLI_NOW", datetime(2025, 6, 14, 14, 35, tzinfo=SH).isoformat())
    assert cli("checkin", codes["甲"]).exit_code == 0
    assert cli("checkin", "--walk-in", "13700000001", "--name", "丁", "--referrer", "13900000001").exit_code == 0
    run(cli, monkeypatch, 15)

    assert texts(shop) == [
        ("06-09", "乙", "invitation", f"【金福金行】乙您好！诚邀您参加6月14日（周六）14:30在南京路店三楼举行的老客户答谢会，欢迎携友同来。"
                                      f"回1参加，回2不参加。签到码{codes['乙']}。回T退订"),
        ("06-09", "甲", "invitation", f"【金福金行】甲您好！诚邀您参加6月14日（周六）14:30在南京路店三楼举行的老客户答谢会，欢迎携友同来。"
                                      f"回1参加，回2不参加。签到码{codes['甲']}。回T退订"),
        ("06-14", "乙", "reminder", f"【金福金行】乙您好，今天14:30老客户答谢会在南京路店三楼等您，签到码{codes['乙']}。回T退订"),
        ("06-14", "甲", "reminder", f"【金福金行】甲您好，今天14:30老客户答谢会在南京路店三楼等您，签到码{codes['甲']}。回T退订"),
        ("06-15", "丁", "followup", "【金福金行】丁您好，感谢您参加老客户答谢会！专属礼遇为您保留至6月17日，欢迎到店咨询。回T退订"),
        ("06-15", "甲", "followup", "【金福金行】甲您好，感谢您参加老客户答谢会！专属礼遇为您保留至6月17日，欢迎到店咨询。回T退订"),
    ]
    by_kind = json.loads(cli("report", "funnel", "--by", "kind", "--format", "json").output)["groups"]
    assert [(g["key"], g["invited"], g["delivered"], g["attended"], g["walk_ins"], g["referrals"]) for g in by_kind] == [
        ("event", 2, 2, 1, 1, 1), ("salon", 1, 0, 0, 0, 0)]
    table = cli("report", "funnel", "--by", "kind").output
    assert "活动类型" in table and "自办活动" in table and "沙龙" in table
