"""A day end to end: two overlapping campaigns planned, the dispatcher run twice; who got what, once."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from app import App
from campaigns.definitions import load_campaigns
from campaigns.planning import Planner
from campaigns.run import plan_day
from messaging.dispatch import send_due_messages
from messaging.gateways.base import RecordingGateway
from records import models
from records.transactions import write_transaction
from settings import load_settings
from tests.factories import add_customer

REPO = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
DAY = date(2025, 6, 4)  # a Wednesday: the member day (lucky day) and a salon-invitation day


def test_two_campaigns_opt_out_cap_and_quiet_hours(site):
    (site.parent / "campaigns").mkdir()
    for name in ("salons.toml", "lucky_day.toml"):
        shutil.copy(REPO / "campaigns" / name, site.parent / "campaigns")
    lucky = site.parent / "campaigns" / "lucky_day.toml"
    lucky.write_text(lucky.read_text(encoding="utf-8").replace('send_time = "10:00"', 'send_time = "21:30"'), encoding="utf-8")
    shutil.copytree(REPO / "templates", site.parent / "templates")
    app = App(load_settings(site))
    with app.engine.begin() as conn:
        both = add_customer(conn, "+8613800000001", "两个都中", birthday="1993-06-01", tier="B")  # 鸡 + 双子: lucky
        add_customer(conn, "+8613800000002", "只有沙龙", birthday="1980-01-01", tier="A")
        add_customer(conn, "+8613800000003", "退订", birthday="1993-06-02", tier="A", opted_out=True)
        capped = add_customer(conn, "+8613800000004", "已达上限", birthday="1993-06-03", tier="A")
        for n in range(3):  # three marketing texts sent in the last week
            conn.execute(insert(models.OutboxMessage.__table__).values(
                key=f"old·{n}", campaign_id="old", occurrence_on=DAY - timedelta(days=n + 1), step="x",
                customer_id=capped, phone="+8613800000004", body=f"旧短信{n}", segments=1, message_class="marketing",
                tier="A", state="sent", due_at=datetime(2025, 6, 1 + n, 10, tzinfo=SH), planned_at=datetime(2025, 6, 1, tzinfo=SH),
                sent_at=datetime(2025, 6, 1 + n, 10, tzinfo=SH)))
    campaigns, problems = load_campaigns(app.settings.campaigns_path)
    assert problems == []
    planner = Planner.from_settings(app.settings)
    with write_transaction(app.engine) as conn:
        summary = plan_day(conn, planner, campaigns, DAY, datetime(2025, 6, 4, 9, tzinfo=SH))
    assert summary.planned == 3 and dict(summary.suppressed) == {"opted_out": 1, "cap": 1}  # lucky day; the salon
    # invitations (capacity-limited) are only planned for eligible customers

    gateway = RecordingGateway()
    noon = datetime(2025, 6, 4, 12, 0, tzinfo=SH)
    first = send_due_messages(app.engine, gateway, app.settings, noon, worker="t")
    assert (first.sent, first.deferred) == (2, 0)  # the salon invitations (10:00); the 21:30 text is not due
    night = datetime(2025, 6, 4, 23, 0, tzinfo=SH)
    assert send_due_messages(app.engine, gateway, app.settings, night, worker="t").sent == 0
    morning = datetime(2025, 6, 5, 8, 1, tzinfo=SH)
    second = send_due_messages(app.engine, gateway, app.settings, morning, worker="t")
    assert second.sent == 1
    third = send_due_messages(app.engine, gateway, app.settings, morning + timedelta(hours=1), worker="t")
    assert third.sent == 0

    received = sorted((sms.to, _kind(sms.body)) for sms in gateway.sent)
    assert received == [("+8613800000001", "lucky"), ("+8613800000001", "salon"), ("+8613800000002", "salon")]
    with app.engine.connect() as conn:
        rows = conn.execute(select(models.OutboxMessage.__table__).where(models.OutboxMessage.campaign_id != "old")).mappings().all()
    states = sorted((r["phone"][-1], r["campaign_id"], r["state"], r["reason"]) for r in rows)
    assert states == [("1", "lucky-day", "sent", None), ("1", "salons", "sent", None), ("2", "salons", "sent", None),
                      ("3", "lucky-day", "suppressed", "opted_out"), ("4", "lucky-day", "suppressed", "cap")]
    lucky_row = next(r for r in rows if r["campaign_id"] == "lucky-day" and r["state"] == "sent")
    assert lucky_row["due_at"] == datetime(2025, 6, 5, 8, 0, tzinfo=SH)  # planned at 21:30: moved past quiet hours
    assert lucky_row["sent_at"] == morning and lucky_row["customer_id"] == both


def _kind(body: str) -> str:
    return "salon" if "沙龙" in body else "lucky" if "幸运日" in body else body
