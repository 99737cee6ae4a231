"""Tier scoring against DOMAIN.md's default table, boundary by boundary, on a real SQLite file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from records import models, tiers
from tests.factories import NOW, SHANGHAI, add_attendance, add_customer, add_holding, add_movement

AS_OF = date(2025, 6, 1)
D = lambda days: AS_OF - timedelta(days=days)  # noqa: E731  (days before AS_OF)


def scored(app, setup) -> tiers.Breakdown:
    with app.engine.begin() as conn:
        cid = add_customer(conn)
        setup(conn, cid)
        return tiers.explain(conn, app.settings.tiers, cid, AS_OF, SHANGHAI)


def holding(amount, term="1y", start=D(10)):
    return lambda conn, cid: add_holding(conn, cid, amount, term, start)


def moves(kind, *days_before, amount=1000):
    def setup(conn, cid):
        hid = add_holding(conn, cid, 100, "2m", D(400))  # matured long ago: adds no principal
        for days in days_before:
            add_movement(conn, hid, cid, kind, D(days), amount)
    return setup


def attended(*days_before):
    return lambda conn, cid: [add_attendance(conn, cid, D(days)) for days in days_before]


def referred(deposited: int, without_deposit: int = 0):
    def setup(conn, cid):
        for i in range(deposited + without_deposit):
            friend = add_customer(conn, referrer_id=cid)
            if i < deposited:
                add_holding(conn, friend, 10000, "2m", D(5))
    return setup


@pytest.mark.parametrize("setup, indicator, value, points", [
    (holding(100_000), "deposit", 10_000_000, 3),
    (holding(99_999.99), "deposit", 9_999_999, 2),
    (holding(50_000), "deposit", 5_000_000, 2),
    (holding(49_999), "deposit", 4_999_900, 1),
    (holding(10_000), "deposit", 1_000_000, 1),
    (holding(9_999.99), "deposit", 999_999, 0),
    (holding(100_000, "1y", D(365)), "deposit", 0, 0),  # matures on AS_OF: no longer active
    (holding(100_000, "1y", AS_OF + timedelta(days=1)), "deposit", 0, 0),  # not started yet
    (holding(100_000, "1y", AS_OF), "deposit", 10_000_000, 3),  # starts on AS_OF
    (holding(10_000, "1y"), "term", 365, 3),
    (holding(10_000, "12m"), "term", 365, 3),
    (holding(10_000, "6m"), "term", 182, 2),
    (holding(10_000, "98d"), "term", 98, 1),
    (holding(10_000, "2m"), "term", 60, 1),
    (holding(10_000, "59d"), "term", 59, 0),
    (moves("renewal"), "renewals", 0, 0),
    (moves("renewal", 300), "renewals", 1, 2),
    (moves("renewal", 300, 200), "renewals", 2, 2),
    (moves("renewal", 390, 300, 200), "renewals", 3, 3),
    (moves("top_up", 364), "topups", 1, 2),
    (moves("top_up", 365), "topups", 0, 0),
    (moves("top_up", 0, 10, 364), "topups", 3, 3),
    (referred(0, 3), "referrals", 0, 0),
    (referred(1, 2), "referrals", 1, 2),
    (referred(4), "referrals", 4, 2),
    (referred(5), "referrals", 5, 3),
    (attended(10), "events", 1, 0),
    (attended(10, 20), "events", 2, 1),
    (attended(10, 20, 30), "events", 3, 2),
    (attended(0, 10, 20, 182), "events", 4, 3),
    (attended(10, 20, 30, 183), "events", 3, 2),  # 183 days ago is outside the half year
    (moves("withdrawal", 182), "withdrawals", 1, -1),
    (moves("withdrawal", 183), "withdrawals", 0, 0),
], ids=lambda v: v if isinstance(v, str) else None)
def test_each_indicator_scores_at_its_boundaries(app, setup, indicator, value, points):
    breakdown = scored(app, setup)
    assert (breakdown.values[indicator], breakdown.points[indicator]) == (value, points)


def test_top_ups_and_withdrawals_change_the_principal(app):
    def setup(conn, cid):
        hid = add_holding(conn, cid, 90_000, "1y", D(100))
        add_movement(conn, hid, cid, "top_up", D(50), 15_000)
        add_movement(conn, hid, cid, "withdrawal", D(5), 5_000)
        add_movement(conn, hid, cid, "top_up", AS_OF + timedelta(days=1), 99_000)  # after AS_OF: ignored
    breakdown = scored(app, setup)
    assert breakdown.values["deposit"] == 10_000_000 and breakdown.points["deposit"] == 3


def a_tier_profile(conn, cid, drop: str = ""):
    """DOMAIN.md's A profile: 3+3 (100k, 1y) + 3 renewals + 3 top-ups + 4 events = 15."""
    hid = add_holding(conn, cid, 100_000, "1y", D(100), monthly_return=True)
    for days in (300, 200, 100)[: 2 if drop == "renewal" else 3]:
        add_movement(conn, hid, cid, "renewal", D(days))
    for days in (90, 60, 30):
        add_movement(conn, hid, cid, "top_up", D(days), 1)
    for days in (150, 100, 50, 10):
        add_attendance(conn, cid, D(days))


@pytest.mark.parametrize("setup, score, tier", [
    (a_tier_profile, 15, "A"),
    (lambda conn, cid: a_tier_profile(conn, cid, "renewal"), 14, "B"),
    (lambda conn, cid: [add_holding(conn, cid, 50_000, "6m", D(10)), attended(1, 2, 3)(conn, cid),
                        moves("renewal", 300)(conn, cid)], 2 + 2 + 2 + 2, "C"),
    (lambda conn, cid: [add_holding(conn, cid, 50_000, "6m", D(10)), attended(1, 2, 3)(conn, cid),
                        moves("renewal", 300)(conn, cid), moves("top_up", 5)(conn, cid)], 10, "B"),
    (holding(10_000, "2m"), 2, "C"),
    (holding(9_999, "1y"), 3, "P"),
    (lambda conn, cid: None, 0, "P"),
], ids=["A-at-15", "B-at-14", "C-at-8", "B-at-10", "C-deposit-10000", "P-below-10000", "P-nothing"])
def test_totals_map_to_tiers(app, setup, score, tier):
    breakdown = scored(app, setup)
    assert (breakdown.score, breakdown.tier) == (score, tier)


def test_a_withdrawal_can_drop_a_customer_below_a_threshold(app):
    def setup(conn, cid):
        a_tier_profile(conn, cid)
        moves("withdrawal", 20)(conn, cid)
    assert scored(app, setup).tier == "B"


def test_recompute_updates_every_customer_and_records_only_changes(app):
    with app.engine.begin() as conn:
        a = add_customer(conn)
        a_tier_profile(conn, a)
        c = add_customer(conn)
        add_holding(conn, c, 20_000, "2m", D(5))
        nothing = add_customer(conn)
        counts = tiers.recompute(conn, app.settings.tiers, AS_OF, SHANGHAI, NOW)
        assert counts == {"A": 1, "B": 0, "C": 1, "P": 1}
        assert tiers.recompute(conn, app.settings.tiers, AS_OF, SHANGHAI, NOW) == counts
        recorded = conn.execute(select(models.TierChange.customer_id)).scalars().all()
        # A and C have a first record; a first score of P with no points is what tier_on reads before
        # any record, so it has none; the second run changed nothing
        assert sorted(recorded) == sorted([a, c])
        assert tiers.tier_on(conn, nothing, AS_OF) == "P"
        assert conn.execute(select(models.Customer.tier_as_of).where(models.Customer.id == nothing)).scalar() == AS_OF
        later = tiers.recompute(conn, app.settings.tiers, AS_OF + timedelta(days=400), SHANGHAI, NOW)
        assert later == {"A": 0, "B": 0, "C": 0, "P": 3}
        assert tiers.tier_on(conn, a, AS_OF) == "A"
        assert tiers.tier_on(conn, a, AS_OF + timedelta(days=400)) == "P"
        assert tiers.tier_on(conn, a, AS_OF - timedelta(days=1)) == "P"
        row = conn.execute(select(models.TierChange.__table__).where(models.TierChange.customer_id == a)).first()
        assert (row.deposit_fen, row.deposit_points, row.events, row.events_points, row.score) == (10_000_300, 3, 4, 3, 15)  # 100,000 + three ¥1 top-ups


def test_a_pinned_tier_wins_until_unpinned(app):
    with app.engine.begin() as conn:
        cid = add_customer(conn)
        add_holding(conn, cid, 20_000, "2m", D(5))
        pinned = tiers.set_pin(conn, app.settings.tiers, cid, "A", "大客户的家人", AS_OF, SHANGHAI, NOW)
        assert (pinned.tier, pinned.computed_tier, pinned.pinned_tier) == ("A", "C", "A")
        assert tiers.recompute(conn, app.settings.tiers, AS_OF, SHANGHAI, NOW)["A"] == 1
        unpinned = tiers.set_pin(conn, app.settings.tiers, cid, None, "", AS_OF, SHANGHAI, NOW)
        assert unpinned.tier == "C"
        reasons = [h["reason"] for h in tiers.history(conn, cid)]
        assert reasons == ["pin", "unpin"]


def test_thresholds_come_from_config(tmp_path, clock):
    from app import App
    from settings import load_settings

    config = tmp_path / "config.toml"
    config.write_text('[database]\nurl = "sqlite:///t.sqlite3"\n[tiers]\ndeposit = [[200000, 3], [1000, 1]]\n'
                      'c_min_deposit = 1000\n', encoding="utf-8")
    app = App(load_settings(config), clock=clock)
    breakdown = scored(app, holding(100_000))
    assert breakdown.points["deposit"] == 1 and breakdown.tier == "C"
