"""Trigger campaigns: each kind fires on its records, once, only from the day the campaign was enabled."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import insert, select

from app import App
from campaigns.definitions import load_campaigns
from campaigns.planning import Planner
from records import models, tiers
from schedules import loyalty_jobs
from settings import load_settings
from tests.factories import SHANGHAI, add_customer, add_event, add_holding, add_movement
from tests.integration.trigger_site import prepare, write_trigger

pytestmark = pytest.mark.integration
outbox_t = models.OutboxMessage.__table__


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI)


def scan(app: App, now: datetime) -> dict:
    campaigns, problems = load_campaigns(app.settings.campaigns_path)
    assert problems == []
    return loyalty_jobs.scan_triggers(app.engine, Planner.from_settings(app.settings), campaigns, now, "test")


def texts(app: App) -> list[tuple[str, str, str]]:
    """(customer name, step, body) of every planned or suppressed row, in id order."""
    c = models.Customer.__table__.c
    with app.engine.connect() as conn:
        rows = conn.execute(select(c.name, outbox_t.c.step, outbox_t.c.body, outbox_t.c.state, outbox_t.c.key)
                            .join_from(outbox_t, models.Customer.__table__, c.id == outbox_t.c.customer_id)
                            .order_by(outbox_t.c.id)).all()
    return [(r.name, r.step, r.body) for r in rows]


def checkin(conn, customer_id: int, event_id: int, at: datetime, walk_in: bool = False) -> int:
    return conn.execute(insert(models.CheckIn.__table__).values(event_id=event_id, customer_id=customer_id, walk_in=walk_in,
                                                                checked_in_at=at)).inserted_primary_key[0]


def refer(conn, referrer: int, referee: int, on: date) -> int:
    return conn.execute(insert(models.Referral.__table__).values(referrer_id=referrer, referee_id=referee, source="staff",
                                                                 referred_on=on)).inserted_primary_key[0]


def test_a_converted_referral_thanks_the_referrer_once_with_the_friends_name(site, clock):
    write_trigger(site, "thanks", "referral_converted", "{{ customer.name }}您好，您推荐的{{ trigger.friend }}已成为我们的客户，"
                  "{{ trigger.gift }}已为您备好。", delay="0m")
    app = App(load_settings(site), clock=clock)
    day = date(2025, 6, 2)
    scan(app, local(day, 9))  # first seen enabled on 06-02
    with app.engine.begin() as conn:
        wang, li = add_customer(conn, name="王芳"), add_customer(conn, name="李娜")
        refer(conn, wang, li, day)
        add_holding(conn, li, 20000, "2m", day)
    scan(app, local(day, 10))
    scan(app, local(day, 10, 2))
    scan(app, local(day, 11))
    assert texts(app) == [("王芳", "referral_converted", "【金福金行】王芳您好，您推荐的李娜已成为我们的客户，足金小金豆已为您备好。回T退订")]


def test_records_from_before_enabling_fire_only_within_backfill_days(site, clock):
    for name, backfill in (("welcome", None), ("welcome-backfill", 5)):
        write_trigger(site, name, "first_deposit", "{{ customer.name }}您好，欢迎！{{ trigger.amount }}元已入金。",
                      **({"backfill_days": backfill} if backfill else {}))
    app = App(load_settings(site), clock=clock)
    with app.engine.begin() as conn:
        old, recent = add_customer(conn, name="旧客"), add_customer(conn, name="近客")
        add_holding(conn, old, 10000, "2m", date(2025, 5, 20))  # 13 days before enabling
        add_holding(conn, recent, 20000, "2m", date(2025, 6, 1))  # the day before
    scan(app, local(date(2025, 6, 2), 9))  # both campaigns first seen enabled
    with app.engine.begin() as conn:
        new = add_customer(conn, name="新客")
        add_holding(conn, new, 30000, "2m", date(2025, 6, 2))
        add_holding(conn, new, 5000, "2m", date(2025, 6, 2))  # a second holding is no first deposit
    scan(app, local(date(2025, 6, 2), 10))
    with app.engine.connect() as conn:
        rows = conn.execute(select(outbox_t.c.campaign_id, outbox_t.c.body).order_by(outbox_t.c.campaign_id, outbox_t.c.id)).all()
    assert [(r.campaign_id, r.body) for r in rows] == [
        ("welcome", "【金福金行】新客您好，欢迎！30,000元已入金。回T退订"),
        ("welcome-backfill", "【金福金行】近客您好，欢迎！20,000元已入金。回T退订"),
        ("welcome-backfill", "【金福金行】新客您好，欢迎！30,000元已入金。回T退订"),
    ]
    with app.engine.connect() as conn:
        enabled = dict(conn.execute(select(models.TriggerScan.campaign_id, models.TriggerScan.enabled_at)).all())
    assert enabled == {"welcome": local(date(2025, 6, 2), 9), "welcome-backfill": local(date(2025, 6, 2), 9)}


def test_three_encounters_reinvites_to_the_next_salon_until_the_third_visit_or_a_deposit(site, clock):
    prepare(site, "salons.toml", "three_encounters.toml")
    app = App(load_settings(site), clock=clock)
    mon, tue, wed = date(2025, 6, 2), date(2025, 6, 3), date(2025, 6, 4)
    scan(app, local(mon, 8))
    with app.engine.begin() as conn:
        guest, depositor = add_customer(conn, name="赵敏"), add_customer(conn, name="钱多")
        salon = add_event(conn, mon, key=f"salons·{mon.isoformat()}")
        checkin(conn, guest, salon, local(mon, 14))
        checkin(conn, depositor, salon, local(mon, 14, 5))
        add_holding(conn, depositor, 50000, "6m", mon)  # deposits within the two hours: no text
    scan(app, local(mon, 15))  # delay 2h not passed
    assert texts(app) == []
    scan(app, local(mon, 16, 10))
    with app.engine.begin() as conn:
        code = conn.execute(select(models.Invitation.code).join(models.Event).where(
            models.Event.key == f"salons·{tue.isoformat()}", models.Invitation.customer_id == guest)).scalar_one()
        tue_salon = conn.execute(select(models.Event.id).where(models.Event.key == f"salons·{tue.isoformat()}")).scalar_one()
        checkin(conn, guest, tue_salon, local(tue, 14))
    scan(app, local(tue, 16, 10))
    with app.engine.begin() as conn:
        code2 = conn.execute(select(models.Invitation.code).join(models.Event).where(
            models.Event.key == f"salons·{wed.isoformat()}", models.Invitation.customer_id == guest)).scalar_one()
        wed_salon = conn.execute(select(models.Event.id).where(models.Event.key == f"salons·{wed.isoformat()}")).scalar_one()
        checkin(conn, guest, wed_salon, local(wed, 14))  # the third visit
    scan(app, local(wed, 16, 10))
    assert texts(app) == [
        ("赵敏", "checked_in", f"【金福金行】赵敏您好，感谢您第1次来店！6月3日（周二）14:00「你行我也行」沙龙诚邀您再来，签到码{code}。回T退订"),
        ("赵敏", "checked_in", f"【金福金行】赵敏您好，感谢您第2次来店！6月4日（周三）14:00「你会我也会」沙龙诚邀您再来，签到码{code2}。回T退订"),
    ]


def test_tier_moves_are_recorded_by_the_recompute_and_tier_up_texts_the_customer(site, clock, cli):
    write_trigger(site, "tier-up", "tier_up", "{{ customer.name }}您好，恭喜您由{{ trigger.old_tier }}类升为{{ trigger.new_tier }}类客户！")
    app = App(load_settings(site), clock=clock)
    day = date(2025, 6, 2)
    with app.engine.begin() as conn:
        rising = add_customer(conn, name="升客", tier="P", tier_as_of=date(2025, 6, 1), store="南京路店")
        add_customer(conn, name="降客", tier="C", tier_as_of=date(2025, 6, 1), store="淮海路店")
        fresh = add_customer(conn, name="新人")  # never scored: a first scoring is no move
        add_holding(conn, rising, 20000, "2m", date(2025, 5, 1))
        add_holding(conn, fresh, 20000, "2m", date(2025, 5, 1))
    scan(app, local(day, 2))
    with app.engine.begin() as conn:
        tiers.recompute(conn, app.settings.tiers, day, app.settings.tz, local(day, 3))
        tiers.recompute(conn, app.settings.tiers, day, app.settings.tz, local(day, 3, 1))  # again: nothing new
    scan(app, local(day, 9))
    assert texts(app) == [("升客", "tier_up", "【金福金行】升客您好，恭喜您由P类升为C类客户！回T退订")]
    shown = json.loads(cli("report", "tiers", "--changes", "--format", "json").output)["changes"]
    assert [(c["name"], c["store"], c["old_tier"], c["new_tier"], c["direction"], c["changed_on"]) for c in shown] == [
        ("降客", "淮海路店", "C", "P", "down", "2025-06-02"), ("升客", "南京路店", "P", "C", "up", "2025-06-02")]
    table = cli("report", "tiers", "--changes", "--since", "2025-06-02").output
    assert table.index("降级") < table.index("升级") and "C" in table


def test_reward_reached_when_an_earning_lifts_the_balance_to_a_rung(site, clock):
    write_trigger(site, "reward", "reward_reached", "{{ customer.name }}您好，您的积分已达{{ trigger.balance }}分，"
                  "可兑换{{ trigger.reward }}。")
    app = App(load_settings(site), clock=clock)
    day = date(2025, 6, 2)
    scan(app, local(day, 8))
    with app.engine.begin() as conn:
        two, one = add_customer(conn, name="两单"), add_customer(conn, name="一单")
        add_holding(conn, two, 10000, "2m", day)
        add_holding(conn, two, 10000, "2m", day)
        add_holding(conn, one, 10000, "2m", day)
        loyalty_jobs.recompute_all(conn, app.settings, local(day, 9))
    scan(app, local(day, 10))
    assert texts(app) == [("两单", "reward_reached", "【金福金行】两单您好，您的积分已达20分，可兑换生日蛋糕。回T退订")]


def test_holding_matured_not_renewed_fires_after_the_delay_unless_renewed(site, clock):
    write_trigger(site, "matured", "holding_matured_not_renewed",
                  "{{ customer.name }}您好，您{{ trigger.maturity_on | md }}到期的{{ trigger.amount }}元尚未续投，欢迎到店咨询。",
                  delay="1d", backfill_days=7)
    app = App(load_settings(site), clock=clock)
    with app.engine.begin() as conn:
        kept, left = add_customer(conn, name="续客"), add_customer(conn, name="走客")
        h1 = add_holding(conn, kept, 10000, "2m", date(2025, 4, 1))  # matures 06-01
        add_holding(conn, left, 20000, "2m", date(2025, 4, 1))
        add_movement(conn, h1, kept, "renewal", date(2025, 6, 1), 10000)
        add_holding(conn, left, 30000, "2m", date(2025, 4, 2))  # matures 06-02: due on 06-03
    scan(app, local(date(2025, 6, 2), 9))
    scan(app, local(date(2025, 6, 2), 12))
    assert texts(app) == [("走客", "holding_matured_not_renewed", "【金福金行】走客您好，您6月1日到期的20,000元尚未续投，欢迎到店咨询。回T退订")]


def test_the_daemon_recomputes_after_an_import_and_daily_once_across_daemons(site, clock, cli, make_csv, monkeypatch):
    from messaging.gateways.base import RecordingGateway
    from schedules.daemon import Daemon, DaemonOptions

    monkeypatch.setenv("JINLI_NOW", "2025-06-02T09:00+08:00")
    cli("import", "customers", str(make_csv("c.csv", "phone,name\n13800000001,王芳\n")))
    imported = cli("import", "holdings", str(make_csv("h.csv", "holding_id,phone,amount,term,start_on\n"
                                                                "H1,13800000001,50000,6m,2025-06-01\n")))
    assert "积分与分级将由后台服务在 5 分钟内重算" in imported.output
    app = App(load_settings(site), clock=clock)
    ledger = select(models.PointsEntry.points)
    with app.engine.connect() as conn:
        assert conn.execute(ledger).all() == []  # the import itself awarded nothing
    one, two = (Daemon(App(load_settings(site), clock=clock), RecordingGateway(), DaemonOptions(name)) for name in ("d1", "d2"))
    now = local(date(2025, 6, 2), 9, 5)
    assert one.recompute_after_import(now)["tiers"] == {"A": 0, "B": 0, "C": 1, "P": 0}
    assert two.recompute_after_import(now) is None and one.recompute_after_import(now + timedelta(minutes=5)) is None
    with app.engine.connect() as conn:
        assert conn.execute(ledger).scalars().all() == [10]
    tomorrow = local(date(2025, 6, 3), 3)
    assert two.recompute_daily(tomorrow) is not None and one.recompute_daily(tomorrow) is None
    recompute = next(job for job in one.jobs() if job.id == "recompute")
    assert recompute.trigger.get_next_fire_time(None, tomorrow + timedelta(seconds=1)) == local(date(2025, 6, 4), 3)
    assert {"recompute", "recompute-after-import", "triggers"} <= {job.id for job in one.jobs()}


def test_preview_shows_the_next_scans_texts_and_skips_a_cancelled_salon(site, clock, cli, monkeypatch):
    from sqlalchemy import update

    prepare(site, "salons.toml", "three_encounters.toml")
    app = App(load_settings(site), clock=clock)
    mon, tue = date(2025, 6, 2), date(2025, 6, 3)
    with app.engine.begin() as conn:
        guest = add_customer(conn, name="赵敏")
        checkin(conn, guest, add_event(conn, mon, key=f"salons·{mon.isoformat()}"), local(mon, 14))
        add_event(conn, tue, key=f"salons·{tue.isoformat()}")
        conn.execute(update(models.Event.__table__).where(models.Event.key == f"salons·{tue.isoformat()}")
                     .values(state="cancelled"))
    monkeypatch.setenv("JINLI_NOW", local(mon, 16, 30).isoformat())
    data = json.loads(cli("campaigns", "preview", "three-encounters", "--json").output)
    [occurrence] = data["occurrences"]
    assert [(r["name"], r["trigger_record"], r["text"]) for r in occurrence["recipients"]] == [
        ("赵敏", 1, "【金福金行】赵敏您好，感谢您第1次来店！6月4日（周三）14:00「你会我也会」沙龙诚邀您再来，签到码XXXXXX。回T退订")]
    with app.engine.connect() as conn:  # a preview writes nothing
        assert conn.execute(select(models.TriggerScan.campaign_id)).all() == []
        assert conn.execute(select(models.Invitation.id)).all() == []
