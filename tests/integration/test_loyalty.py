"""Loyalty points and referral rewards on a hand-computed shop, on SQLite and PostgreSQL.

The shop (rules: +10 per holding, +2 per renewal without a prior withdrawal, +5 per converted
referral, points valid 180 days, a reward cancelled by a withdrawal within 30 days):

    customer   store   records                                                 ledger (earned on, expires on)
    A 王芳      南京路店 H_A1 2m 2024-10-01, 续金 2024-12-01, no 出金            +10 (10-01, 2025-03-30), +2 (12-01, 2025-05-30)
                       H_A2 2025-01-05                                         +10 (01-05, 07-04)
                       refers B (converts 2025-03-01), C (converts 04-01)      +5 (03-01, 08-28), +5 (04-01, 09-28)
                       2025-03-15 redeems 生日蛋糕 (20): oldest expiry first  −10 from H_A1, −2 from the renewal, −8 from H_A2
                       2025-04-10 adjust +3 "补录活动积分"                      +3 (04-10, 10-07)
    B 李娜      南京路店 H_B1 2025-03-01; refers D (converts 2025-05-10)         +10 (03-01, 08-28), +5 (05-10, 11-06)
    C 张敏      淮海路店 H_C1 2025-04-01, 出金 2025-04-15                        +10 (04-01, 09-28)
    D 刘洋      淮海路店 H_D1 2025-05-10 (referred by B: a chain A → B → D)      +10 (05-10, 11-06)
    E 陈静      南京路店 H_E1 2m 2024-11-01, 出金 2024-11-20, 续金 2025-01-01   +10 (11-01, 2025-04-30); no +2 (withdrawal first)

Balances on 2025-06-02: A = (10−8) + 5 + 5 + 3 = 15 (H_A1 and the renewal expired, fully spent);
B = 15; C = 10; D = 10; E = 0 (its 10 expired on 2025-04-30; on 04-29 it still had 10).
Rewards: B's referral → A, owed from 2025-03-01, then given by staff:王芳; C's referral → A,
cancelled on 2025-04-15 (withdrawal 14 days after the first deposit); D's referral → B, owed.
A gets nothing for D (single-level). Totals: earned 80, spent 20, expired 10 (E's lot; A's expired
lots were spent), outstanding 50 = 80 − 20 − 10.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import func, insert, select, update

from records import loyalty, models, points, rewards
from records.loyalty_config import LoyaltySettings
from reports import funnel, loyalty as loyalty_report, referrals as referrals_report
from reports.filters import ReportFilter
from tests.factories import SHANGHAI, add_customer, add_event, add_holding, add_movement

pytestmark = pytest.mark.integration
RULES = replace(LoyaltySettings(), expire_after_days=180, reward_cancel_days=30)
TODAY = date(2025, 6, 2)


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), SHANGHAI).astimezone(timezone.utc)


def _refer(conn, referrer: int, referee: int, on: date, event_id: int | None, campaign: str | None) -> None:
    conn.execute(update(models.Customer.__table__).where(models.Customer.id == referee).values(referrer_id=referrer))
    conn.execute(insert(models.Referral.__table__).values(referrer_id=referrer, referee_id=referee, source="staff",
                                                          referred_on=on, event_id=event_id, campaign_id=campaign))


@pytest.fixture
def shop(app):
    """The shop of the module docstring, its records in, nothing awarded yet."""
    with app.engine.begin() as conn:
        ids = {key: add_customer(conn, f"+8613900000{n:03d}", name, store=store) for n, (key, name, store) in enumerate((
            ("A", "王芳", "南京路店"), ("B", "李娜", "南京路店"), ("C", "张敏", "淮海路店"),
            ("D", "刘洋", "淮海路店"), ("E", "陈静", "南京路店")), start=1)}
        salon = add_event(conn, date(2025, 2, 20), campaign_id="salons")
        banquet = add_event(conn, date(2025, 5, 1), campaign_id="banquet", kind="banquet")
        _refer(conn, ids["A"], ids["B"], date(2025, 2, 20), salon, "salons")
        _refer(conn, ids["A"], ids["C"], date(2025, 3, 20), salon, "salons")
        _refer(conn, ids["B"], ids["D"], date(2025, 5, 1), banquet, "banquet")
        a1 = add_holding(conn, ids["A"], 50000, "2m", date(2024, 10, 1))
        add_movement(conn, a1, ids["A"], "renewal", date(2024, 12, 1), 50000)
        add_holding(conn, ids["A"], 50000, "6m", date(2025, 1, 5))
        add_holding(conn, ids["B"], 20000, "2m", date(2025, 3, 1))
        c1 = add_holding(conn, ids["C"], 20000, "2m", date(2025, 4, 1))
        add_movement(conn, c1, ids["C"], "withdrawal", date(2025, 4, 15), 20000)
        add_holding(conn, ids["D"], 10000, "2m", date(2025, 5, 10))
        e1 = add_holding(conn, ids["E"], 10000, "2m", date(2024, 11, 1))
        add_movement(conn, e1, ids["E"], "withdrawal", date(2024, 11, 20), 1000)
        add_movement(conn, e1, ids["E"], "renewal", date(2025, 1, 1), 9000)
    return app, ids


def recompute(app, as_of: date) -> loyalty.LoyaltyRun:
    with app.engine.begin() as conn:
        return loyalty.recompute(conn, RULES, as_of, SHANGHAI, at(as_of))


def live_the_months(app, ids) -> None:
    """The daily recomputes, the redemption of 03-15, the adjustment of 04-10, the gift handed over on 06-02."""
    recompute(app, date(2025, 3, 15))
    with app.engine.begin() as conn:
        points.redeem(conn, ids["A"], "生日蛋糕", RULES, date(2025, 3, 15), at(date(2025, 3, 15)), "os:clerk")
    recompute(app, date(2025, 4, 10))
    with app.engine.begin() as conn:
        points.adjust(conn, ids["A"], 3, "补录活动积分", RULES, date(2025, 4, 10), at(date(2025, 4, 10)), "os:clerk")
    recompute(app, TODAY)
    with app.engine.begin() as conn:
        owed_to_a = rewards.owed(conn, ids["A"])
        rewards.give(conn, owed_to_a[0]["id"], "staff:王芳", at(TODAY), "os:clerk")


def balances(app, ids, on: date) -> dict[str, int]:
    with app.engine.connect() as conn:
        return {key: points.balance(conn, customer_id, on) for key, customer_id in ids.items()}


def ledger(app, customer_id: int) -> list[tuple]:
    p = models.PointsEntry.__table__.c
    with app.engine.connect() as conn:
        rows = conn.execute(select(p.earned_on, p.points, p.reason, p.expires_on).where(p.customer_id == customer_id)
                            .order_by(p.earned_on, p.id))
        return [tuple(row) for row in rows]


def reward_states(app, ids) -> list[tuple]:
    names = {v: k for k, v in ids.items()}
    rw = models.ReferralReward.__table__.c
    with app.engine.connect() as conn:
        rows = conn.execute(select(rw.referrer_id, rw.referee_id, rw.state, rw.owed_on, rw.given_by, rw.cancelled_on)
                            .order_by(rw.owed_on))
        return [(names[r.referrer_id], names[r.referee_id], r.state, r.owed_on, r.given_by, r.cancelled_on) for r in rows]


def test_every_balance_and_reward_state_of_the_hand_computed_shop(shop):
    app, ids = shop
    live_the_months(app, ids)
    assert balances(app, ids, TODAY) == {"A": 15, "B": 15, "C": 10, "D": 10, "E": 0}
    assert balances(app, ids, date(2025, 4, 29))["E"] == 10  # the day before its points expire
    assert ledger(app, ids["A"]) == [
        (date(2024, 10, 1), 10, "product", date(2025, 3, 30)), (date(2024, 12, 1), 2, "renewal", date(2025, 5, 30)),
        (date(2025, 1, 5), 10, "product", date(2025, 7, 4)), (date(2025, 3, 1), 5, "referral", date(2025, 8, 28)),
        (date(2025, 3, 15), -10, "redeem", date(2025, 3, 30)), (date(2025, 3, 15), -2, "redeem", date(2025, 5, 30)),
        (date(2025, 3, 15), -8, "redeem", date(2025, 7, 4)), (date(2025, 4, 1), 5, "referral", date(2025, 9, 28)),
        (date(2025, 4, 10), 3, "adjust", date(2025, 10, 7)),
    ]
    assert [row[2] for row in ledger(app, ids["E"])] == ["product"]  # withdrawn before its renewal: no +2
    assert reward_states(app, ids) == [
        ("A", "B", "given", date(2025, 3, 1), "staff:王芳", None),
        ("A", "C", "cancelled", date(2025, 4, 1), None, date(2025, 4, 15)),
        ("B", "D", "owed", date(2025, 5, 10), None, None),
    ]


def test_recomputing_again_awards_nothing_new(shop):
    app, ids = shop
    live_the_months(app, ids)
    with app.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(models.PointsEntry.__table__)).scalar_one()
    again = recompute(app, TODAY)
    assert again.earned == {"product": 0, "renewal": 0, "referral": 0, "checkin": 0}
    assert again.rewards == {"owed": 0, "cancelled": 0}
    with app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(models.PointsEntry.__table__)).scalar_one() == before
    assert balances(app, ids, TODAY) == {"A": 15, "B": 15, "C": 10, "D": 10, "E": 0}


def test_a_short_balance_refuses_the_redemption_and_writes_nothing(shop):
    app, ids = shop
    live_the_months(app, ids)
    with pytest.raises(points.ShortBalance, match=r"^李娜 \(139\*\*\*\*0002\) has 15 points, 生日蛋糕 needs 20$"):
        with app.engine.begin() as conn:
            points.redeem(conn, ids["B"], "生日蛋糕", RULES, TODAY, at(TODAY), "os:clerk")
    assert balances(app, ids, TODAY)["B"] == 15


def test_the_points_report_in_total_by_store_and_by_month(shop):
    app, ids = shop
    live_the_months(app, ids)
    with app.engine.connect() as conn:
        total = loyalty_report.points_report(conn, TODAY, None)
        stores = loyalty_report.points_report(conn, TODAY, "store")
        months = loyalty_report.points_report(conn, TODAY, "month")
    as_tuples = lambda rows: [(r.key, r.earned, r.spent, r.expired, r.outstanding) for r in rows]  # noqa: E731
    assert as_tuples(total) == [("total", 80, 20, 10, 50)]
    assert as_tuples(stores) == [("南京路店", 60, 20, 10, 30), ("淮海路店", 20, 0, 0, 20), ("total", 80, 20, 10, 50)]
    assert as_tuples(months) == [
        ("2024-10", 10, 0, 0, 10), ("2024-11", 10, 0, 0, 20), ("2024-12", 2, 0, 0, 22), ("2025-01", 10, 0, 0, 32),
        ("2025-02", 0, 0, 0, 32), ("2025-03", 15, 20, 0, 27), ("2025-04", 18, 0, 10, 35), ("2025-05", 15, 0, 0, 50),
        ("2025-06", 0, 0, 0, 50), ("total", 80, 20, 10, 50),
    ]


def test_funnel_and_viral_count_rewards_owed_and_given_per_campaign(shop):
    """salons: B's reward given, C's cancelled (neither owed nor given); banquet: D's reward owed (to B)."""
    app, ids = shop
    live_the_months(app, ids)
    with app.engine.connect() as conn:
        report = funnel.funnel(conn, ReportFilter(), "campaign", SHANGHAI)
        virals = referrals_report.viral(conn, ReportFilter(), SHANGHAI, "campaign")
    assert {r.key: (r.rewards_owed, r.rewards_given) for r in report.rows} == {"banquet": (1, 0), "salons": (0, 1)}
    assert (report.total.rewards_owed, report.total.rewards_given) == (1, 1)
    assert {v.key: (v.rewards_owed, v.rewards_given) for v in virals} == {"banquet": (1, 0), "salons": (0, 1), "total": (1, 1)}


def test_the_door_page_summary_of_a_guest(shop):
    app, ids = shop
    live_the_months(app, ids)
    with app.engine.connect() as conn:
        b = loyalty.guest(conn, RULES, ids["B"], TODAY)
        a = loyalty.guest(conn, RULES, ids["A"], date(2025, 3, 14))
    assert (b.balance, [s.name for s in b.rewards], [(o["gift"], o["referee_name"]) for o in b.owed]) == (15, [], [("足金小金豆", "刘洋")])
    assert (a.balance, [s.name for s in a.rewards], a.owed) == (27, ["生日蛋糕"], [])


def test_a_given_reward_cannot_be_given_twice(shop):
    app, ids = shop
    live_the_months(app, ids)
    rw = models.ReferralReward.__table__.c
    with app.engine.connect() as conn:
        given = conn.execute(select(rw.id).where(rw.state == "given")).scalar_one()
    with pytest.raises(Exception, match=r"is given, not owed"):
        with app.engine.begin() as conn:
            rewards.give(conn, given, "os:other", at(TODAY))


def test_check_in_points_are_off_by_default_and_earned_on_the_local_day_when_on(shop):
    app, ids = shop
    with app.engine.begin() as conn:
        event = add_event(conn, date(2025, 5, 31))
        late = datetime(2025, 5, 31, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC: still 31 May in Shanghai
        conn.execute(insert(models.CheckIn.__table__).values(event_id=event, customer_id=ids["E"], checked_in_at=late))
    recompute(app, TODAY)
    assert [r for r in ledger(app, ids["E"]) if r[2] == "checkin"] == []
    with app.engine.begin() as conn:
        loyalty.recompute(conn, replace(RULES, checkin_points=1), TODAY, SHANGHAI, at(TODAY))
    assert [r for r in ledger(app, ids["E"]) if r[2] == "checkin"] == [(date(2025, 5, 31), 1, "checkin", date(2025, 11, 27))]
