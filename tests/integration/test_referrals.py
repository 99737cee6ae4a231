"""Referrals: the refusals, attribution to the referrer's latest event within the window, conversions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from records import models, referrals
from records.referrals import ReferralRefused
from tests.events_seed import add_salon, at
from tests.factories import SHANGHAI, add_customer, add_holding

ON = date(2025, 6, 1)


@pytest.fixture
def people(app):
    with app.engine.begin() as conn:
        ids = {key: add_customer(conn, f"+86138000000{n:02d}", name) for n, (key, name) in
               enumerate((("old", "老客户"), ("friend", "朋友"), ("other", "别人"), ("third", "第三人")), start=1)}
    return app, ids


def refer(app, referrer, referee, on=ON, source="staff", window=30):
    with app.engine.begin() as conn:
        return referrals.add_referral(conn, referrer, referee, source, on, at(on, 18), window, SHANGHAI)


def attend(app, customer_id, on, campaign="salons"):
    with app.engine.begin() as conn:
        event_id = add_salon(conn, on, campaign, title=f"{campaign}{on}")
        conn.execute(insert(models.CheckIn.__table__).values(event_id=event_id, customer_id=customer_id, checked_in_at=at(on, 14)))
    return event_id


def stored(app, referee):
    with app.engine.connect() as conn:
        return conn.execute(select(models.Referral.__table__).where(models.Referral.referee_id == referee)).mappings().one()


def test_a_referral_links_both_and_keeps_the_referrer_on_the_customer(people):
    app, ids = people
    refer(app, ids["old"], ids["friend"])
    row = stored(app, ids["friend"])
    assert (row["referrer_id"], row["source"], row["referred_on"], row["event_id"], row["converted_on"]) == (ids["old"], "staff", ON, None, None)
    with app.engine.connect() as conn:
        assert conn.execute(select(models.Customer.referrer_id).where(models.Customer.id == ids["friend"])).scalar() == ids["old"]


@pytest.mark.parametrize("setup, referrer, referee, reason", [
    (None, "old", "old", r"self-referral: 老客户 \(138\*\*\*\*0001\) cannot refer themself"),
    (("old", "friend"), "old", "friend", r"duplicate: 老客户 .* already referred 朋友 .* on 2025-06-01"),
    (("other", "friend"), "old", "friend", r"朋友 .* was already referred by 别人 .* on 2025-06-01"),
    (("friend", "old"), "old", "friend", r"cycle: 老客户 .* was themself referred .* by 朋友"),
], ids=["self", "duplicate", "already-referred", "cycle"])
def test_refusals_say_why(people, setup, referrer, referee, reason):
    app, ids = people
    if setup:
        refer(app, ids[setup[0]], ids[setup[1]])
    with pytest.raises(ReferralRefused, match=reason):
        refer(app, ids[referrer], ids[referee])


def test_a_longer_cycle_is_refused_and_a_chain_is_kept(people):
    app, ids = people
    refer(app, ids["old"], ids["friend"])
    refer(app, ids["friend"], ids["other"])  # a chain: the referee refers in turn
    with pytest.raises(ReferralRefused, match="cycle"):
        refer(app, ids["other"], ids["old"])
    refer(app, ids["other"], ids["third"])
    assert stored(app, ids["third"])["referrer_id"] == ids["other"]


def test_an_existing_depositor_is_refused(people):
    app, ids = people
    with app.engine.begin() as conn:
        add_holding(conn, ids["friend"], 10_000, "2m", ON - timedelta(days=10))
    with pytest.raises(ReferralRefused, match=r"朋友 .* is already a customer \(first deposit 2025-05-22\)"):
        refer(app, ids["old"], ids["friend"])


def test_a_depositor_after_the_referral_day_is_not_yet_a_customer(people):
    app, ids = people
    with app.engine.begin() as conn:
        add_holding(conn, ids["friend"], 10_000, "2m", ON + timedelta(days=3))
    refer(app, ids["old"], ids["friend"])


def test_an_unknown_source_is_refused(people):
    app, ids = people
    with pytest.raises(Exception, match="referral source 'web'"):
        refer(app, ids["old"], ids["friend"], source="web")


@pytest.mark.parametrize("days_before, attributed", [(0, True), (30, True), (31, False)], ids=["same-day", "30-days", "31-days"])
def test_attribution_window_is_inclusive(people, days_before, attributed):
    app, ids = people
    event_id = attend(app, ids["old"], ON - timedelta(days=days_before))
    refer(app, ids["old"], ids["friend"])
    row = stored(app, ids["friend"])
    assert (row["event_id"], row["campaign_id"]) == ((event_id, "salons") if attributed else (None, None))


def test_attribution_goes_to_the_latest_event_attended_not_a_later_one(people):
    app, ids = people
    attend(app, ids["old"], ON - timedelta(days=20), "salons")
    latest = attend(app, ids["old"], ON - timedelta(days=5), "birthday")
    attend(app, ids["old"], ON + timedelta(days=2), "salons")
    attend(app, ids["other"], ON - timedelta(days=1), "salons")  # someone else's event
    refer(app, ids["old"], ids["friend"])
    assert (stored(app, ids["friend"])["event_id"], stored(app, ids["friend"])["campaign_id"]) == (latest, "birthday")


def test_a_shorter_window_from_config(people):
    app, ids = people
    attend(app, ids["old"], ON - timedelta(days=8))
    refer(app, ids["old"], ids["friend"], window=7)
    assert stored(app, ids["friend"])["event_id"] is None


def test_unattributed_referrals_from_an_import_are_attributed_later(people):
    app, ids = people
    event_id = attend(app, ids["old"], ON - timedelta(days=3))
    with app.engine.begin() as conn:
        for referrer, referee in (("old", "friend"), ("other", "third")):  # as the customers import writes them
            conn.execute(insert(models.Referral.__table__).values(referrer_id=ids[referrer], referee_id=ids[referee], source="import", referred_on=ON))
        assert referrals.attribute_unattributed(conn, 30, SHANGHAI) == 1
        assert referrals.attribute_unattributed(conn, 30, SHANGHAI) == 0
    assert stored(app, ids["friend"])["event_id"] == event_id and stored(app, ids["third"])["event_id"] is None


def test_conversion_is_the_referees_first_deposit(people):
    app, ids = people
    refer(app, ids["old"], ids["friend"])
    refer(app, ids["old"], ids["other"])
    with app.engine.begin() as conn:
        assert referrals.update_conversions(conn) == 0
        add_holding(conn, ids["friend"], 20_000, "6m", ON + timedelta(days=9))
        add_holding(conn, ids["friend"], 50_000, "1y", ON + timedelta(days=20))
        assert referrals.update_conversions(conn) == 1
        assert referrals.update_conversions(conn) == 0  # set-based and idempotent
        add_holding(conn, ids["friend"], 10_000, "2m", ON + timedelta(days=4))  # an earlier one imported late
        assert referrals.update_conversions(conn) == 1
    assert stored(app, ids["friend"])["converted_on"] == ON + timedelta(days=4)
    assert stored(app, ids["other"])["converted_on"] is None


def test_referrals_list_names_both_sides(people):
    app, ids = people
    refer(app, ids["old"], ids["friend"])
    refer(app, ids["friend"], ids["other"], on=ON + timedelta(days=1))
    with app.engine.connect() as conn:
        rows = referrals.referrals_list(conn)
        mine = referrals.referrals_list(conn, referrer_id=ids["old"])
    assert [(r["referrer_name"], r["referee_name"]) for r in rows] == [("朋友", "别人"), ("老客户", "朋友")]
    assert [r["referee_name"] for r in mine] == ["朋友"]
