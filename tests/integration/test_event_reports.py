"""The funnel, referral, visits and follow-up reports against the hand-counted shop of tests/events_seed.py."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from reports import followups, referrals, visits
from reports.filters import ReportFilter
from reports.funnel import funnel
from tests.events_seed import seed_shop
from tests.factories import SHANGHAI

COUNTS = ("invited", "delivered", "confirmed", "attended", "walk_ins", "referrers", "referrals", "converted", "deposits_fen")
SALONS = (9, 8, 5, 4, 3, 5, 6, 3, 8_000_000)
BIRTHDAY = (2, 2, 1, 1, 2, 0, 0, 0, 0)
E1 = (5, 4, 3, 2, 2, 3, 4, 2, 6_000_000)
E2 = (4, 4, 2, 2, 1, 2, 2, 1, 2_000_000)
TOTAL = (11, 10, 6, 5, 5, 5, 6, 3, 8_000_000)


@pytest.fixture
def shop(app):
    with app.engine.begin() as conn:
        seed = seed_shop(conn)
    with app.engine.connect() as conn:
        yield conn, seed


def counts(row) -> tuple:
    return tuple(getattr(row, name) for name in COUNTS)


def test_funnel_total_counts_every_step(shop):
    conn, _ = shop
    assert counts(funnel(conn, ReportFilter(), None, SHANGHAI).total) == TOTAL


def test_funnel_rates_on_the_previous_step_and_on_invited(shop):
    conn, _ = shop
    total = funnel(conn, ReportFilter(), None, SHANGHAI).total
    assert total.attendees == 10
    assert {s: total.rate(s) for s in ("delivered", "confirmed", "attended", "referrers", "referrals", "converted")} == {
        "delivered": round(10 / 11, 4), "confirmed": 0.6, "attended": round(5 / 6, 4),
        "referrers": 0.5, "referrals": 1.2, "converted": 0.5}  # referrers over attended + walk-ins
    assert {s: total.of_invited(s) for s in ("delivered", "confirmed", "attended", "referrers", "referrals", "converted")} == {
        "delivered": round(10 / 11, 4), "confirmed": round(6 / 11, 4), "attended": round(5 / 11, 4),
        "referrers": round(5 / 11, 4), "referrals": round(6 / 11, 4), "converted": round(3 / 11, 4)}


def test_delivered_without_sent_counts_only_receipts(shop):
    conn, _ = shop
    assert funnel(conn, ReportFilter(), None, SHANGHAI, count_sent=False).total.delivered == 8


@pytest.mark.parametrize("by, expected", [
    ("tier", [("A", (5, 5, 3, 2, 0, 1, 2, 1, 5_000_000)), ("B", (2, 2, 1, 1, 0, 1, 1, 1, 2_000_000)),
              ("C", (2, 1, 1, 1, 0, 1, 1, 1, 1_000_000)), ("P", (2, 2, 1, 1, 5, 2, 2, 0, 0))]),
    ("campaign", [("birthday", BIRTHDAY), ("salons", SALONS)]),
    ("week", [("2025-W21", SALONS), ("2025-W22", BIRTHDAY)]),
    ("salon", [("你有我也有", E1), ("你能我也能", E2), ("banquet", BIRTHDAY)]),
], ids=["tier", "campaign", "week", "salon"])
def test_funnel_by_group(shop, by, expected):
    conn, _ = shop
    report = funnel(conn, ReportFilter(), by, SHANGHAI)
    assert [(row.key, counts(row)) for row in report.rows] == expected
    assert counts(report.total) == TOTAL


def test_funnel_by_event_in_date_order(shop):
    conn, seed = shop
    rows = funnel(conn, ReportFilter(), "event", SHANGHAI).rows
    assert [row.key.split()[0] for row in rows] == [str(seed.ids[e]) for e in ("E1", "E2", "E3")]
    assert [counts(row) for row in rows] == [E1, E2, BIRTHDAY]


@pytest.mark.parametrize("filters, expected", [
    (dict(campaign_id="salons"), SALONS),
    (dict(tier="A"), (5, 5, 3, 2, 0, 1, 2, 1, 5_000_000)),
    (dict(tier="P"), (2, 2, 1, 1, 5, 2, 2, 0, 0)),
    (dict(date_from=date(2025, 5, 20), date_to=date(2025, 5, 31)), (6, 6, 3, 3, 3, 2, 2, 1, 2_000_000)),
    (dict(date_from=date(2025, 5, 19), date_to=date(2025, 5, 19)), E1),
    (dict(date_from=date(2025, 6, 1)), (0,) * 9),
], ids=["campaign", "tier-A", "tier-P", "period", "one-day", "empty"])
def test_funnel_filters(shop, filters, expected):
    conn, _ = shop
    assert counts(funnel(conn, ReportFilter(**filters), None, SHANGHAI).total) == expected


def test_funnel_for_one_event(shop):
    conn, seed = shop
    assert counts(funnel(conn, ReportFilter(event_id=seed.ids["E2"]), None, SHANGHAI).total) == E2


def test_weekly_trend_comes_with_every_report(shop):
    conn, _ = shop
    assert [(w.key, counts(w)) for w in funnel(conn, ReportFilter(), None, SHANGHAI).trend] == [
        ("2025-W21", SALONS), ("2025-W22", BIRTHDAY)]


def test_leaderboard(shop):
    conn, seed = shop
    board = referrals.leaderboard(conn, ReportFilter(), SHANGHAI)
    got = [(x.rank, x.customer_id, x.referrals, x.converted, x.deposits_fen, x.downline, x.depth) for x in board]
    ties = sorted(seed.ids[k] for k in ("p2", "w1", "f5"))  # one referral each, none converted: by id
    downlines = {seed.ids["p2"]: (2, 2), seed.ids["w1"]: (1, 1), seed.ids["f5"]: (1, 1)}
    assert got == [
        (1, seed.ids["a1"], 2, 1, 5_000_000, 3, 2),  # a1 → w1 → f7 and a1 → f2
        (2, seed.ids["b2"], 1, 1, 2_000_000, 1, 1),
        (3, seed.ids["c1"], 1, 1, 1_000_000, 1, 1),
        *[(4 + n, cid, 1, 0, 0, *downlines[cid]) for n, cid in enumerate(ties)],
    ]
    assert board[0].name == "王芳"


def test_leaderboard_of_a_campaign_leaves_out_unattributed_referrals(shop):
    conn, seed = shop
    board = referrals.leaderboard(conn, ReportFilter(campaign_id="salons"), SHANGHAI, limit=10)
    assert seed.ids["f5"] not in [x.customer_id for x in board] and len(board) == 5
    assert referrals.leaderboard(conn, ReportFilter(campaign_id="birthday"), SHANGHAI) == []
    assert [x.customer_id for x in referrals.leaderboard(conn, ReportFilter(), SHANGHAI, limit=2)] == [seed.ids["a1"], seed.ids["b2"]]


def test_chain_generations_and_viral_coefficient(shop):
    conn, _ = shop
    assert referrals.generations(conn) == {1: 5, 2: 2}
    assert referrals.unattributed(conn) == 1
    by_campaign = {v.key: (v.attendees, v.referrers, v.referrals, v.converted, v.coefficient)
                   for v in referrals.viral(conn, ReportFilter(), SHANGHAI, "campaign")}
    assert by_campaign == {"birthday": (3, 0, 0, 0, 0.0), "salons": (7, 5, 6, 3, round(6 / 7, 4)), "total": (10, 5, 6, 3, 0.6)}
    by_salon = {v.key: v.coefficient for v in referrals.viral(conn, ReportFilter(), SHANGHAI, "salon")}
    assert by_salon == {"你有我也有": 1.0, "你能我也能": round(2 / 3, 4), "banquet": 0.0, "total": 0.6}


def test_visits_before_conversion(shop):
    conn, _ = shop
    report = visits.visits_before_conversion(conn, SHANGHAI)
    # f3 and f4 (referred, never came), w1 (came once), g1 (three visits, deposit on the third day);
    # a1 deposited in 2024, before any event, unreferred: not a conversion of the events.
    assert report.histogram == {0: 2, 1: 1, 3: 1}
    assert (report.conversions, report.mean, report.share_at_least(3)) == (4, 1.0, 0.25)
    assert report.rows()[-1] == {"visits": 3, "conversions": 1, "share": 0.25, "cumulative": 1.0}
    in_may = visits.visits_before_conversion(conn, SHANGHAI, date(2025, 5, 1), date(2025, 5, 27))
    assert in_may.histogram == {1: 1, 3: 1}  # w1 (05-23), g1 (05-27)


def test_followup_candidates_inside_the_72_hours(shop):
    conn, seed = shop
    now = datetime(2025, 5, 28, 12, 0, tzinfo=SHANGHAI)
    found = followups.followup_candidates(conn, None, now, 72, SHANGHAI)
    # E3's attendees: a1 (no new money since 2024), f2 (referred by a1); g1 deposited that day.
    assert [(c.customer_id, c.referrer_name, c.hours_left) for c in found] == [
        (seed.ids["a1"], None, 50.1), (seed.ids["f2"], "王芳", 50.2)]
    assert found[1].phone == seed.phones["f2"] and found[1].referrer_phone == seed.phones["a1"]
    assert followups.followup_candidates(conn, seed.ids["E2"], now, 72, SHANGHAI) == []
    later = datetime(2025, 5, 30, 14, 6, tzinfo=SHANGHAI)  # 72 h after a1, before f2's end
    assert [c.customer_id for c in followups.followup_candidates(conn, None, later, 72, SHANGHAI)] == [seed.ids["f2"]]
