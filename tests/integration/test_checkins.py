"""Check-in at the door, walk-ins, replies and no-shows, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from errors import InvalidValue, NotFound
from records import checkins, events, models
from records.event_config import EventSettings
from tests.events_seed import Seed, add_salon, at, invite
from tests.factories import SHANGHAI, add_customer, add_event

SETTINGS = EventSettings()
DAY = date(2025, 5, 19)
NOW = at(DAY, 14, 5)


@pytest.fixture
def door(app):
    """One salon today with 王芳 invited (code HAHXYZ) and 李娜 known but not invited."""
    with app.engine.begin() as conn:
        seed = Seed()
        seed.phones.update(a1="+8613800000001", a2="+8613800000002", r1="+8613800000003")
        seed.ids["r1"] = add_customer(conn, seed.phones["r1"], "推荐人", referral_code="REFER88")
        seed.ids["a1"] = add_customer(conn, seed.phones["a1"], "王芳", tier="A", referrer_id=seed.ids["r1"])
        seed.ids["a2"] = add_customer(conn, seed.phones["a2"], "李娜", tier="B")
        seed.ids["E1"] = add_salon(conn, DAY, title="周一沙龙", slogan="你有我也有", capacity=2)
        invite(conn, seed, "E1", "a1", "A", "delivered")
    return app, seed


def run(app, fn, *args):
    with app.engine.begin() as conn:
        return fn(conn, *args)


def test_check_in_by_code_prints_name_visits_gift_and_referrer(door):
    app, seed = door
    result = run(app, checkins.record_check_in, "hah-xyz", None, NOW, SHANGHAI, SETTINGS)
    assert (result.name, result.event_id, result.invited, result.already, result.visits) == ("王芳", seed.ids["E1"], True, False, 1)
    assert (result.gift.step, result.gift.gift, result.gift.next_at) == (1, "福字红包", 2)
    assert (result.referrer_name, result.referrer_phone) == ("推荐人", seed.phones["r1"])
    with app.engine.connect() as conn:
        assert conn.execute(select(models.Invitation.state)).scalar_one() == "attended"


def test_checking_in_twice_is_harmless(door):
    app, seed = door
    first = run(app, checkins.record_check_in, "HAHXYZ", None, NOW, SHANGHAI, SETTINGS)
    again = run(app, checkins.record_check_in, seed.phones["a1"], None, NOW + timedelta(minutes=9), SHANGHAI, SETTINGS)
    assert (again.already, again.visits, again.checked_in_at) == (True, 1, first.checked_in_at)
    with app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(models.CheckIn)).scalar_one() == 1


def test_a_phone_finds_todays_event_and_an_uninvited_customer_counts_as_walk_in(door):
    app, seed = door
    result = run(app, checkins.record_check_in, "138 0000 0002", None, NOW, SHANGHAI, SETTINGS)
    assert (result.name, result.event_id, result.invited) == ("李娜", seed.ids["E1"], False)
    with app.engine.connect() as conn:
        row = conn.execute(select(models.CheckIn.walk_in, models.CheckIn.invitation_id)).one()
    assert tuple(row) == (True, None)


def test_the_gift_grows_with_visits(door):
    app, seed = door
    with app.engine.begin() as conn:
        for n, days in enumerate((14, 7), start=2):
            add_event(conn, DAY - timedelta(days=days))
            checkins.record_check_in(conn, seed.phones["a1"], n, at(DAY - timedelta(days=days)), SHANGHAI, SETTINGS)
    result = run(app, checkins.record_check_in, "HAHXYZ", None, NOW, SHANGHAI, SETTINGS)
    assert (result.visits, result.gift.step, result.gift.gift, result.gift.next_at) == (3, 3, "足金转运珠", 5)


@pytest.mark.parametrize("who, event, error, match", [
    ("13800000009", None, NotFound, "no invitation code, phone or referral code"),
    ("ZZZZZZ", None, NotFound, "--walk-in"),
    ("HAHXYZ", 99, InvalidValue, "invitation to event 1, not event 99"),
    ("13800000002", 99, NotFound, "event 99 not found"),
], ids=["unknown-phone", "unknown-code", "code-for-another-event", "unknown-event"])
def test_check_in_errors_name_the_value(door, who, event, error, match):
    app, _ = door
    with pytest.raises(error, match=match):
        run(app, checkins.record_check_in, who, event, NOW, SHANGHAI, SETTINGS)


def test_no_event_today_or_several(door):
    app, seed = door
    with pytest.raises(NotFound, match="no event on 2025-05-20"):
        run(app, checkins.record_check_in, seed.phones["a2"], None, NOW + timedelta(days=1), SHANGHAI, SETTINGS)
    run(app, lambda conn: add_salon(conn, DAY, title="第二场", hour=19))
    with pytest.raises(InvalidValue, match="2 events on 2025-05-19 .*pass --event"):
        run(app, checkins.record_check_in, seed.phones["a2"], None, NOW, SHANGHAI, SETTINGS)
    assert run(app, checkins.record_check_in, seed.phones["a1"], None, NOW, SHANGHAI, SETTINGS).invited  # her invitation decides


def test_walk_in_registers_a_prospect_with_the_referral(door):
    app, seed = door
    result = run(app, checkins.walk_in, "13900001111", "新朋友", "refer88", None, NOW, SHANGHAI, SETTINGS)
    with app.engine.connect() as conn:
        person = conn.execute(select(models.Customer.__table__).where(models.Customer.phone == "+8613900001111")).mappings().one()
        referral = conn.execute(select(models.Referral.__table__)).mappings().one()
    assert (result.new_customer, result.invited, result.name, result.visits) == (True, False, "新朋友", 1)
    assert (person["tier"], len(person["referral_code"]), person["joined_on"]) == ("P", 7, DAY)
    assert (person["referrer_id"], result.referrer_name, referral["referee_id"]) == (seed.ids["r1"], "推荐人", person["id"])
    assert (referral["referrer_id"], referral["source"], referral["referred_on"]) == (seed.ids["r1"], "walk_in", DAY)


def test_walk_in_twice_and_walk_in_of_a_known_customer(door):
    app, seed = door
    run(app, checkins.walk_in, "13900001111", "新朋友", seed.phones["a2"], None, NOW, SHANGHAI, SETTINGS)
    again = run(app, checkins.walk_in, "13900001111", "新朋友", seed.phones["a2"], None, NOW, SHANGHAI, SETTINGS)
    assert (again.already, again.new_customer, again.notes) == (True, False, ())
    known = run(app, checkins.walk_in, seed.phones["a1"], "王芳", seed.phones["a2"], None, NOW, SHANGHAI, SETTINGS)
    assert known.invited and not known.new_customer  # her invitation is used
    assert known.notes and "already referred by 推荐人" in known.notes[0]


def test_walk_in_needs_a_name_and_a_valid_phone(door):
    app, _ = door
    with pytest.raises(InvalidValue, match="needs a name"):
        run(app, checkins.walk_in, "13900001111", " ", None, None, NOW, SHANGHAI, SETTINGS)
    with pytest.raises(InvalidValue, match="landline"):
        run(app, checkins.walk_in, "021-12345678", "某人", None, None, NOW, SHANGHAI, SETTINGS)
    with pytest.raises(NotFound, match="customer '13900002222' not found"):
        run(app, checkins.walk_in, "13900001111", "某人", "13900002222", None, NOW, SHANGHAI, SETTINGS)


def test_replies_confirm_and_decline_the_latest_open_invitation(door):
    app, seed = door
    a1 = seed.ids["a1"]
    before = at(DAY - timedelta(days=2))
    outcome = run(app, events.apply_reply, a1, "confirm", before)
    assert (outcome.state, outcome.previous, outcome.event_id) == ("confirmed", "invited", seed.ids["E1"])
    assert run(app, events.apply_reply, a1, "decline", before).state == "declined"  # a change of mind
    assert run(app, events.apply_reply, a1, "confirm", at(DAY, 15)) is None  # the event has started
    assert run(app, events.apply_reply, seed.ids["a2"], "confirm", before) is None  # nothing to answer
    with pytest.raises(InvalidValue, match="reply intent 'maybe'"):
        run(app, events.apply_reply, a1, "maybe", before)


def test_a_reply_goes_to_the_invitation_sent_last(door):
    app, seed = door
    with app.engine.begin() as conn:
        seed.ids["E2"] = add_salon(conn, DAY + timedelta(days=3))
        invite(conn, seed, "E2", "a1", "A", "delivered")  # invited 05-18, after E1's 05-15
    assert run(app, events.apply_reply, seed.ids["a1"], "confirm", at(DAY - timedelta(days=1))).event_id == seed.ids["E2"]
    assert run(app, events.apply_reply, seed.ids["a1"], "confirm", at(DAY - timedelta(days=3))).event_id == seed.ids["E1"]


def test_no_shows_are_confirmed_guests_who_did_not_come(door):
    app, seed = door
    with app.engine.begin() as conn:
        invite(conn, seed, "E1", "a2", "B", "delivered")
        invite(conn, seed, "E1", "r1", "P", "delivered")
        for guest in ("a1", "a2"):
            events.apply_reply(conn, seed.ids[guest], "confirm", at(DAY - timedelta(days=1)))
        checkins.record_check_in(conn, "HAHXYZ", None, NOW, SHANGHAI, SETTINGS)
        assert events.mark_no_shows(conn, seed.ids["E1"]) == 1
        assert events.mark_no_shows(conn, seed.ids["E1"]) == 0
        states = dict(conn.execute(select(models.Invitation.customer_id, models.Invitation.state)).all())
        assert events.confirmed_count(conn, seed.ids["E1"]) == 2
    assert states == {seed.ids["a1"]: "attended", seed.ids["a2"]: "no_show", seed.ids["r1"]: "invited"}


def test_invitations_respect_capacity_with_over_booking(door):
    app, seed = door
    with app.engine.begin() as conn:
        assert events.invitations_left(conn, seed.ids["E1"], 1.5) == 2  # 2 seats × 1.5 = 3, one sent
        assert events.invitations_left(conn, seed.ids["E1"], 1.0) == 1
        unlimited = add_salon(conn, DAY, title="不限人数", capacity=0)
        assert events.invitations_left(conn, unlimited, 1.5) is None


@pytest.mark.parametrize("body, state", [("1", "confirmed"), (" 参加！", "confirmed"), ("2", "declined"), ("不参加", "declined"),
                                         ("好的", "invited")])
def test_a_text_reply_answers_the_invitation(door, body, state):
    import records.invitation_replies  # noqa: F401  (registers the 1 / 2 handlers)
    from messaging.replies import record_reply

    app, seed = door
    with app.engine.begin() as conn:
        record_reply(conn, "SM1", "13800000001", body, at(DAY - timedelta(days=1)))
        assert conn.execute(select(models.Invitation.state)).scalar_one() == state
        record_reply(conn, "SM-unknown", "13900009999", body, at(DAY - timedelta(days=1)))  # a stranger: nothing to answer
