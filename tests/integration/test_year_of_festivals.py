"""A year of the shop's festivals, a broadcast and a staff-made event, end to end through the CLI.

2031 is a year chinese-calendar does not know (it stops at 2026, and the test must not break when it
learns 2027): only the test's holiday file covers it, so the statutory holidays below come from there.
The shop is seeded through `jinli import customers` (with a 性别 column), `tiers pin` and `optout add`;
each day is run as `jinli run` with JINLI_NOW at 11:00 that day. To stay fast only the days on which a
campaign has an occurrence are run (listed by hand below, plus any day the campaigns compute — a day
the hand list forgot would add texts, and the assertion would catch them).

2031 by hand (the calendar: 腊八 on 01-01 = 元旦, 春节 01-23, 中秋 and 国庆 both on 10-01):
| day   | campaign / step                     | who (陈静 opted out; 赵伟 no birthday)            |
|-------|-------------------------------------|---------------------------------------------------|
| 01-01 | festivals laba (元旦, a holiday)     | 王芳 李强 张敏 赵伟                                 |
| 01-23 | festivals chunjie (春节 holiday)     | 王芳 李强 张敏 赵伟                                 |
| 03-05 | for-her womens_day-3d               | 王芳 张敏 (women)                                   |
| 03-08 | for-her womens_day                  | 王芳 张敏                                          |
| 04-15 | new-product announcement (file)     | 王芳 李强 (the file's third phone is no customer)   |
| 05-08 | for-her mothers_day-3d (aged 40-80) | 王芳 (张敏 is 36)                                   |
| 05-11 | for-her mothers_day                 | 王芳                                              |
| 06-04 | thanks invitation (A, B; ≥ ¥100,000)| 王芳                                              |
| 06-13 | thanks reminder                     | 王芳                                              |
| 06-14 | the event: 王芳 checks in, her friend 孙丽 walks in referred by her                          |
| 06-15 | thanks-followups followup           | 王芳 孙丽                                          |
| 09-28 | jingan-national national_day-3d     | 李强 赵伟 (静安店)                                   |
| 10-01 | festivals zhongqiu + national_day   | 王芳 李强 张敏 赵伟 孙丽, two texts each (国庆 holiday) |
| 10-01 | jingan-national: skip_closing_days  | nobody: 10-01 is a statutory holiday by the file   |
| 12-22 | festivals 冬至                        | 王芳 李强 张敏 赵伟 孙丽                             |
"""

from __future__ import annotations

import json
import shutil
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import App, ManualClock
from campaigns.definitions import load_campaigns
from campaigns.occurrences import occurrences
from campaigns.planning import Planner
from records import models
from settings import load_settings

REPO = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
HOLIDAYS = """
    [2031]
    complete = true
    holidays = [{ date = 2031-01-01, name = "元旦" }, { from = 2031-01-22, to = 2031-01-28, name = "春节" },
                { from = 2031-10-01, to = 2031-10-07, name = "国庆节" }]
"""
CUSTOMERS = """
    手机号,姓名,性别,生日,门店
    13900000001,王芳,女,1962-03-05,南京路店
    13900000002,李强,男,1985-07-01,静安店
    13900000003,张敏,F,1995-01-10,南京路店
    13900000004,赵伟,male,,静安店
    13900000005,陈静,女,1970-02-02,南京路店
"""
HOLDINGS = """
    合同号,手机号,金额,期限,起息日
    H1,13900000001,200000,1y,2030-12-01
    H2,13900000002,50000,1y,2030-12-01
"""
CAMPAIGNS = {
    "festivals.toml": """
        id = "festivals"
        name = "节日问候"
        kind = "festival"
        [festival]
        anchors = ["chunjie", "中秋", "national_day", "腊八", "冬至"]
        [templates]
        greeting = "festival_greeting"
        chunjie = "festival_chunjie"
        "中秋" = "festival_zhongqiu"
    """,
    "for-her.toml": """
        id = "for-her"
        name = "妇女节"
        kind = "festival"
        [festival]
        anchors = ["妇女节"]
        days_before = [3, 0]
        [audience]
        gender = "女"
        [templates]
        greeting = "festival_for_her"
    """,
    "mothers-day.toml": """
        id = "mothers-day"
        name = "母亲节"
        kind = "festival"
        [festival]
        anchors = ["mothers_day"]
        days_before = [3, 0]
        [audience]
        gender = "female"
        age = [40, 80]
        [templates]
        mothers_day = "festival_for_her"
    """,
    "jingan-national.toml": """
        id = "jingan-national"
        name = "静安店国庆"
        kind = "festival"
        [festival]
        anchors = ["国庆"]
        days_before = [3, 0]
        skip_closing_days = true
        [audience]
        stores = ["静安店"]
        [templates]
        greeting = "festival_greeting"
    """,
    "new-product.toml": """
        id = "new-product"
        name = "新品到店"
        kind = "broadcast"
        send_time = "10:30"
        [broadcast]
        date = 2031-04-15
        recipients_file = "broadcast/new_product.csv"
        [templates]
        announcement = "broadcast_new_product"
    """,
    "thanks.toml": """
        id = "thanks"
        name = "老客户答谢会"
        kind = "event"
        [event]
        date = 2031-06-14
        start_time = "14:30"
        title = "老客户答谢会"
        venue = "南京路店三楼"
        capacity = 10
        lead_days = 10
        reminder_days_before = 1
        [audience]
        tiers = ["A", "B"]
        min_amount = 100000
        [templates]
        invitation = "event_invitation"
        reminder = "event_reminder"
    """,
    "thanks-followups.toml": """
        id = "thanks-followups"
        name = "答谢会跟进"
        kind = "post_event_followup"
        [post_event_followup]
        events_of = "thanks"
        after_hours = 20
        [templates]
        followup = "event_followup"
    """,
}
RECIPIENTS = "手机号\n13900000001\n139 0000 0002\n13900000099\n"


def at(day: date, hh: int, mm: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SH).isoformat()


@pytest.fixture
def shop(site: Path, cli, make_csv, monkeypatch) -> Path:
    folder = site.parent
    (folder / "campaigns" / "broadcast").mkdir(parents=True)
    for name, text in CAMPAIGNS.items():
        (folder / "campaigns" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (folder / "campaigns" / "broadcast" / "new_product.csv").write_text(RECIPIENTS, encoding="utf-8")
    shutil.copytree(REPO / "templates", folder / "templates")
    (folder / "holidays.toml").write_text(textwrap.dedent(HOLIDAYS), encoding="utf-8")
    config = site.read_text(encoding="utf-8").replace("[site]\n", '[site]\nholidays_file = "holidays.toml"\nbrand = "金福金行"\n')
    site.write_text(config.replace("[sms]\n", "[sms]\nweekly_cap = 5\n"), encoding="utf-8")
    monkeypatch.setenv("JINLI_NOW", at(date(2031, 1, 1), 8))
    assert cli("import", "customers", str(make_csv("customers.csv", CUSTOMERS))).exit_code == 0
    assert cli("import", "holdings", str(make_csv("holdings.csv", HOLDINGS))).exit_code == 0
    for phone, tier in (("13900000001", "a"), ("13900000002", "b"), ("13900000005", "b")):
        assert cli("tiers", "pin", phone, tier, "--reason", "老客户").exit_code == 0
    assert cli("optout", "add", "13900000005", "--reason", "电话退订").exit_code == 0
    return site


HAND_DAYS = ["01-01", "01-23", "03-05", "03-08", "04-15", "05-08", "05-11", "06-04", "06-13", "06-14", "06-15",
             "09-28", "10-01", "12-22"]


def computed_days(site: Path) -> set[date]:
    """Every day of 2031 on which a campaign has an occurrence (follow-ups come from recorded events)."""
    settings = load_settings(site)
    planner = Planner.from_settings(settings)
    campaigns, problems = load_campaigns(settings.campaigns_path)
    assert problems == []
    days = (date(2031, 1, 1) + timedelta(days=n) for n in range(365))
    return {d for d in days if any(occurrences(c, d, planner.calendar) for c in campaigns)}


def sent(site: Path) -> list[tuple[str, str, str, str]]:
    """(day sent, name, step, text) of every sent text, in order."""
    app = App(load_settings(site), clock=ManualClock(datetime(2032, 1, 1, tzinfo=SH)))
    o, c = models.OutboxMessage.__table__.c, models.Customer.__table__.c
    with app.engine.connect() as conn:
        rows = conn.execute(select(o.sent_at, c.name, o.step, o.body, o.state, o.reason).join_from(
            models.OutboxMessage.__table__, models.Customer.__table__, c.id == o.customer_id).order_by(o.sent_at, o.id))
        rows = list(rows)
    # Every text is sent except those to 陈静, who opted out (kept as suppressed rows).
    assert {(r.name, r.state, r.reason) for r in rows if r.state != "sent"} == {("陈静", "suppressed", "opted_out")}
    return [(r.sent_at.astimezone(SH).strftime("%m-%d"), r.name, r.step, r.body) for r in rows if r.state == "sent"]


def test_a_year_of_festivals_a_broadcast_and_a_staff_event(shop, cli, monkeypatch):
    validated = cli("campaigns", "validate")
    assert validated.exit_code == 0, validated.output
    assert "new_product.csv: 1 phone(s) match no customer and get no text: line 4 139****0099" in validated.stderr
    assert "schedule for 2031" not in validated.stderr  # complete in the holiday file (2032 is not: warned)

    days = sorted({date.fromisoformat(f"2031-{d}") for d in HAND_DAYS} | computed_days(shop))
    assert [d.strftime("%m-%d") for d in days] == HAND_DAYS
    for day in days:
        monkeypatch.setenv("JINLI_NOW", at(day, 11))
        result = cli("run")
        assert result.exit_code == 0, result.output
        if day == date(2031, 6, 14):
            the_event_day(shop, cli, monkeypatch)

    texts = sent(shop)
    everyone = ["王芳", "李强", "张敏", "赵伟"]
    expected = (
        [("01-01", n, "laba") for n in everyone] + [("01-23", n, "chunjie") for n in everyone]
        + [("03-05", n, "womens_day-3d") for n in ("王芳", "张敏")] + [("03-08", n, "womens_day") for n in ("王芳", "张敏")]
        + [("04-15", n, "announcement") for n in ("王芳", "李强")]
        + [("05-08", "王芳", "mothers_day-3d"), ("05-11", "王芳", "mothers_day")]
        + [("06-04", "王芳", "invitation"), ("06-13", "王芳", "reminder")]
        + [("06-15", n, "followup") for n in ("王芳", "孙丽")]
        + [("09-28", n, "national_day-3d") for n in ("李强", "赵伟")]
        + [("10-01", n, step) for n in everyone + ["孙丽"] for step in ("zhongqiu", "national_day")]
        + [("12-22", n, "冬至") for n in everyone + ["孙丽"]]
    )
    assert sorted(t[:3] for t in texts) == sorted(expected)

    body = {(day, name, step): text for day, name, step, text in texts}
    assert body["01-01", "王芳", "laba"] == "【金福金行】王芳您好！1月1日是腊八节，金福金行祝您和家人节日快乐、幸福安康！回T退订"
    assert body["01-23", "赵伟", "chunjie"] == "【金福金行】赵伟您好！金福金行给您拜年啦！新春佳节，祝您和家人阖家欢乐、万事如意。回T退订"
    assert body["03-05", "张敏", "womens_day-3d"].startswith("【金福金行】张敏您好！3月8日妇女节，")
    assert body["10-01", "李强", "zhongqiu"].startswith("【金福金行】李强您好！10月1日中秋佳节，")
    assert body["10-01", "李强", "national_day"].startswith("【金福金行】李强您好！10月1日是国庆节，")
    assert body["09-28", "赵伟", "national_day-3d"].startswith("【金福金行】赵伟您好！10月1日是国庆节，")
    assert body["06-04", "王芳", "invitation"].startswith(
        "【金福金行】王芳您好！诚邀您参加6月14日（周六）14:30在南京路店三楼举行的老客户答谢会，")
    assert body["06-15", "孙丽", "followup"].startswith("【金福金行】孙丽您好，感谢您参加老客户答谢会！专属礼遇为您保留至6月17日，")
    funnel = json.loads(cli("report", "funnel", "--by", "kind", "--format", "json").output)
    [row] = funnel["groups"]
    assert (row["key"], row["invited"], row["attended"], row["walk_ins"], row["referrals"]) == ("event", 1, 1, 1, 1)


def the_event_day(site: Path, cli, monkeypatch) -> None:
    """06-14: 王芳 checks in with her code at 14:35; her friend 孙丽 walks in, referred by her, at 14:40."""
    app = App(load_settings(site), clock=ManualClock(datetime(2031, 6, 14, tzinfo=SH)))
    with app.engine.connect() as conn:
        code = conn.execute(select(models.Invitation.code)).scalar_one()
    monkeypatch.setenv("JINLI_NOW", at(date(2031, 6, 14), 14, 35))
    assert cli("checkin", code).exit_code == 0
    monkeypatch.setenv("JINLI_NOW", at(date(2031, 6, 14), 14, 40))
    walked = cli("checkin", "--walk-in", "13700000001", "--name", "孙丽", "--referrer", "13900000001")
    assert walked.exit_code == 0, walked.output


def test_the_year_with_a_paused_campaign_and_a_cancelled_event(shop, cli, monkeypatch):
    """The same year, with staff stepping in.

    - 03-01: `campaigns pause for-her`; 03-09: `campaigns resume for-her`. The paused days are not caught
      up, so nobody gets a 妇女节 text; the resume sends nothing late.
    - 06-10 (after the 06-04 invitation to 王芳, before the 06-13 reminder): `events cancel` the 06-14 event
      with `--notify event_cancelled`, twice. 王芳 gets the notice once, on 06-10, and no reminder; nobody
      checks in, so there is no follow-up either.
    Everything else goes out as in the year above; pause, resume and cancel are in the audit trail.
    """
    days = sorted({date.fromisoformat(f"2031-{d}") for d in HAND_DAYS + ["03-01", "03-09", "06-10"]})
    for day in days:
        monkeypatch.setenv("JINLI_NOW", at(day, 11))
        if day == date(2031, 3, 1):
            assert cli("campaigns", "pause", "for-her", "--reason", "文案重写").exit_code == 0
        if day == date(2031, 3, 9):
            assert cli("campaigns", "resume", "for-her").exit_code == 0
        if day == date(2031, 6, 10):
            event_id = str(the_event_id(shop))
            for _ in range(2):  # cancelling twice tells nobody twice
                cancelled = cli("events", "cancel", event_id, "--notify", "event_cancelled", "--reason", "场地维修")
                assert cancelled.exit_code == 0, cancelled.output
        result = cli("run")
        assert result.exit_code == 0, result.output

    texts = sent(shop)
    steps = {(day, name, step) for day, name, step, _ in texts}
    assert not {t for t in steps if t[2].startswith("womens_day")}
    assert [t for t in sorted(steps) if t[1] == "王芳" and "05-31" < t[0] < "06-30"] == [
        ("06-04", "王芳", "invitation"), ("06-10", "王芳", "cancel_notice")]
    [notice] = [text for day, name, step, text in texts if step == "cancel_notice"]
    assert notice.startswith("【金福金行】王芳您好") and "取消" in notice
    assert ("01-01", "李强", "laba") in steps and ("10-01", "孙丽", "zhongqiu") not in steps  # 孙丽 never walked in
    trail = json.loads(cli("audit", "--json").output)
    assert [e["action"] for e in trail if e["action"].startswith(("campaign", "events"))] == [
        "events.cancel", "campaigns.resume", "campaigns.pause"]


def the_event_id(site: Path) -> int:
    app = App(load_settings(site), clock=ManualClock(datetime(2031, 6, 10, tzinfo=SH)))
    with app.engine.connect() as conn:
        return conn.execute(select(models.Event.id)).scalar_one()
