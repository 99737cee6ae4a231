"""The door page on a busy day: two events today at one store, codes and phones that pick their event, errors in
the door's words with what was typed kept, walk-ins with an unknown referrer, expected guests with counts.

Today at 南京路店: E1 周一沙龙 at 14:00 (王芳 invited, code HAHXYZ; 陈静 invited, code HC1XYZ → HCHXYZ) and
E2 庆生宴 at 18:00 (张伟 invited, code BB1XYZ); 李娜 is a known customer invited to neither.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from records import models, staff
from tests.events_seed import Seed, add_salon, invite
from tests.factories import add_customer
from tests.integration.checkin_site import flask_app, post_form, sign_in

PASSWORD = "door-secret-1"
ENGLISH_OR_FLAGS = re.compile(r"--|[A-Za-z]{4,}")


def busy_day(app) -> Seed:
    with app.engine.begin() as conn:
        seed = Seed(phones={"a1": "+8613800000001", "r1": "+8613800000002", "b1": "+8613800000003", "c1": "+8613800000004"})
        seed.ids["r1"] = add_customer(conn, seed.phones["r1"], "李娜", referral_code="LNA8888")
        seed.ids["a1"] = add_customer(conn, seed.phones["a1"], "王芳")
        seed.ids["b1"] = add_customer(conn, seed.phones["b1"], "张伟")
        seed.ids["c1"] = add_customer(conn, seed.phones["c1"], "陈静")
        seed.ids["E1"] = add_salon(conn, app.today(), title="周一沙龙", store="南京路店")
        seed.ids["E2"] = add_salon(conn, app.today(), "birthday", "banquet", title="庆生宴", hour=18, store="南京路店")
        invite(conn, seed, "E1", "a1", "A", "delivered")
        invite(conn, seed, "E1", "c1", "C", "delivered")
        invite(conn, seed, "E2", "b1", "B", "delivered")
        staff.add_staff(conn, "门口小王", "door", ("南京路店",), PASSWORD, app.now())
    return seed


@pytest.fixture
def door(app):
    seed = busy_day(app)
    client = flask_app(app).test_client()
    sign_in(client, "门口小王", PASSWORD)
    return seed, client, app


def message(html: str) -> str:
    return re.search(r'id="message">([^<]*)<', html).group(1)


def attended(app) -> dict[int, set[int]]:
    with app.engine.connect() as conn:
        rows = conn.execute(select(models.CheckIn.event_id, models.CheckIn.customer_id)).all()
    return {event: {c for e, c in rows if e == event} for event in {e for e, _ in rows}}


def test_with_two_events_the_page_asks_which_once_and_remembers_it(door):
    seed, client, _ = door
    page = client.get("/checkin/").text
    assert "今天有好几场活动" in page and "周一沙龙" in page and "庆生宴" in page and 'id="who"' not in page
    post_form(client, "/checkin/event", {"event_id": str(seed.ids["E2"])})
    page = client.get("/checkin/").text
    assert re.search(r'id="event-title">18:00 庆生宴<', page) and 'id="who"' in page and "张伟" in page and "王芳" not in page
    assert "今天有好几场活动" not in client.get("/checkin/").text  # remembered


def test_a_code_and_an_invited_phone_pick_their_event_without_asking(door):
    seed, client, app = door
    post_form(client, "/checkin/event", {"event_id": str(seed.ids["E2"])})  # the door works the banquet...
    by_code = post_form(client, "/checkin/", {"who": seed.codes[("E1", "c1")].lower()})
    assert by_code.status_code == 200 and "陈静" in by_code.text and "签到成功 · 周一沙龙" in by_code.text
    by_phone = post_form(client, "/checkin/", {"who": "138 0000 0001"})  # 王芳: invited to E1 only
    assert by_phone.status_code == 200 and "签到成功 · 周一沙龙" in by_phone.text
    assert attended(app) == {seed.ids["E1"]: {seed.ids["c1"], seed.ids["a1"]}}


def test_an_uninvited_phone_before_choosing_asks_for_the_event_in_words_and_keeps_the_typing(door):
    seed, client, app = door
    response = post_form(client, "/checkin/", {"who": "13800000002"})  # 李娜: no invitation today
    assert response.status_code == 400 and message(response.text) == "今天有好几场活动，请先选择在哪一场签到。"
    assert "pass --event" not in response.text
    walk = post_form(client, "/checkin/", {"walk_in": "1", "phone": "139 0000 1234", "name": "周敏", "referrer": "LNA8888"})
    assert walk.status_code == 400 and not ENGLISH_OR_FLAGS.search(message(walk.text))
    assert 'value="139 0000 1234"' in walk.text and 'value="周敏"' in walk.text and 'value="LNA8888"' in walk.text
    assert attended(app) == {}
    chosen = post_form(client, "/checkin/event", {"event_id": str(seed.ids["E1"]), "walk_in": "1", "phone": "139 0000 1234",
                                                  "name": "周敏", "referrer": "LNA8888"})  # a tap on E1 carries on
    assert 'id="guest-name">周敏<' in chosen.text and "签到成功 · 周一沙龙" in chosen.text


@pytest.mark.parametrize("form, words", [
    ({"who": "ZZZZZZ"}, "没有找到“ZZZZZZ”"),
    ({"walk_in": "1", "phone": "12345", "name": "周敏"}, "“12345”不是有效的手机号"),
    ({"walk_in": "1", "phone": "13900001234", "name": " "}, "请填写来宾姓名"),
])
def test_errors_are_in_the_doors_words_and_keep_what_was_typed(door, form, words):
    seed, client, _ = door
    post_form(client, "/checkin/event", {"event_id": str(seed.ids["E1"])})
    response = post_form(client, "/checkin/", form)
    text = message(response.text)
    assert response.status_code in (400, 404) and words in text and not ENGLISH_OR_FLAGS.search(text.replace("ZZZZZZ", ""))
    for value in form.values():
        if value.strip() and value != "1":
            assert f'value="{value}"' in response.text


def test_a_walk_in_with_an_unknown_referrer_is_registered_with_a_warning_and_listed_for_managers(door):
    seed, client, app = door
    post_form(client, "/checkin/event", {"event_id": str(seed.ids["E1"])})
    response = post_form(client, "/checkin/", {"walk_in": "1", "phone": "13900001234", "name": "周敏", "referrer": "13955556666"})
    assert response.status_code == 200 and 'id="guest-name">周敏<' in response.text
    assert "没有找到推荐人“13955556666”" in re.search(r'id="warning"[^>]*>([^<]*)<', response.text).group(1)
    with app.engine.connect() as conn:
        noted = conn.execute(select(models.UnlinkedReferral.referrer_given, models.UnlinkedReferral.noted_by)).all()
        referrals = conn.execute(select(models.Referral.id)).all()
    assert noted == [("13955556666", "staff:门口小王")] and referrals == []
    with app.engine.begin() as conn:
        staff.add_staff(conn, "店长", "manager", ("南京路店",), PASSWORD, app.now())
    manager = flask_app(app).test_client()
    sign_in(manager, "店长", PASSWORD)
    listed = manager.get("/manage/referrals").text.split('id="unlinked"')[1]
    assert "周敏" in listed and "13955556666" in listed and "门口小王" in listed


def test_expected_guests_are_searchable_counted_and_checked_in_with_one_tap(door):
    seed, client, app = door
    post_form(client, "/checkin/event", {"event_id": str(seed.ids["E1"])})
    page = client.get("/checkin/").text
    assert (re.search(r'id="arrived">(\d+)<', page).group(1), re.search(r'id="expected">(\d+)<', page).group(1)) == ("0", "2")
    found = client.get("/checkin/?q=0004").text.split('id="guests"')[1]
    assert "陈静" in found and "王芳" not in found
    tapped = post_form(client, "/checkin/", {"who": seed.codes[("E1", "a1")], "via": "list"})
    assert "签到成功" in tapped.text and re.search(r'id="arrived">1<', tapped.text)
    assert client.get("/checkin/counts").get_json() == {"arrived": 1, "expected": 2, "confirmed": 1, "walk_ins": 0}
    confirmed = post_form(client, "/checkin/rsvp", {"code": seed.codes[("E1", "c1")], "intent": "confirm"})
    assert "已为 陈静 登记确认出席" in confirmed.text
    from records import audit

    with app.engine.connect() as conn:
        actions = [(e["actor"], e["action"]) for e in reversed(audit.entries(conn))]
    assert actions == [("staff:门口小王", "checkin.add"), ("staff:门口小王", "invitation.confirm")]


def owed_gift(app, seed) -> int:
    """李娜 (25 points) referred 王芳, who deposited: a 足金小金豆 is owed to 李娜; returns the reward's id."""
    from sqlalchemy import insert

    from records import points
    from records.loyalty_config import LoyaltySettings

    with app.engine.begin() as conn:
        points.adjust(conn, seed.ids["r1"], 25, "开业礼", LoyaltySettings(), app.today(), app.now(), "os:test")
        referral = conn.execute(insert(models.Referral.__table__).values(
            referrer_id=seed.ids["r1"], referee_id=seed.ids["a1"], source="staff", referred_on=app.today(),
            converted_on=app.today())).inserted_primary_key[0]
        return conn.execute(insert(models.ReferralReward.__table__).values(
            referral_id=referral, referrer_id=seed.ids["r1"], referee_id=seed.ids["a1"], gift="足金小金豆", state="owed",
            owed_on=app.today(), created_at=app.now())).inserted_primary_key[0]


def test_on_check_in_the_door_shows_points_and_owed_gifts_and_hands_them_over_as_the_staff_member(door):
    from records import audit

    seed, client, app = door
    reward = owed_gift(app, seed)
    post_form(client, "/checkin/event", {"event_id": str(seed.ids["E1"])})
    shown = post_form(client, "/checkin/", {"who": "13800000002"}).text  # 李娜
    assert re.search(r'id="points">25<', shown) and 'data-reward="生日蛋糕"' in shown and 'data-reward="优惠利率"' not in shown
    assert "足金小金豆" in shown and f'data-give="{reward}"' in shown and "王芳 (138****0001)" in shown
    given = post_form(client, "/checkin/give", {"customer_id": str(seed.ids["r1"]), "reward_id": str(reward)})
    assert given.status_code == 200 and "已登记发放足金小金豆" in given.text and f'data-give="{reward}"' not in given.text
    again = post_form(client, "/checkin/give", {"customer_id": str(seed.ids["r1"]), "reward_id": str(reward)})
    assert again.status_code == 409 and "已经发放过" in again.text
    spent = post_form(client, "/checkin/redeem", {"customer_id": str(seed.ids["r1"]), "reward": "生日蛋糕"})
    assert "已兑换生日蛋糕，剩余积分 5" in spent.text and re.search(r'id="points">5<', spent.text)
    with app.engine.connect() as conn:
        state = conn.execute(select(models.ReferralReward.state, models.ReferralReward.given_by)).one()
        trail = [(e["actor"], e["action"]) for e in audit.entries(conn, customer_id=seed.ids["r1"])]
    assert tuple(state) == ("given", "staff:门口小王")
    assert trail[:3] == [("staff:门口小王", "points.redeem"), ("staff:门口小王", "rewards.give"), ("staff:门口小王", "checkin.add")]


def test_the_json_api_answers_a_check_in_with_the_guests_points_and_owed_gifts(door):
    seed, client, app = door
    reward = owed_gift(app, seed)
    answer = client.post("/checkin/api", json={"who": "13800000002", "event_id": seed.ids["E1"]},
                         headers={"Authorization": "Bearer door-secret-2025"}).get_json()
    assert answer["loyalty"] == {"balance": 25, "rewards": [{"name": "生日蛋糕", "points": 20}],
                                 "owed": [{"id": reward, "gift": "足金小金豆", "owed_on": app.today().isoformat(),
                                           "referee": "王芳 (138****0001)"}]}


def test_the_door_serves_rewards_only_to_guests_checked_in_here_today(door):
    seed, client, app = door
    reward = owed_gift(app, seed)  # 李娜 has not checked in
    refused = post_form(client, "/checkin/give", {"customer_id": str(seed.ids["r1"]), "reward_id": str(reward)})
    assert refused.status_code == 403 and "只能为今天在本场签到的客人" in refused.text
    assert post_form(client, "/checkin/redeem", {"customer_id": str(seed.ids["r1"]), "reward": "生日蛋糕"}).status_code == 403
    post_form(client, "/checkin/", {"who": seed.codes[("E1", "a1")]})  # 王芳 checks in: the gift is still not hers
    other = post_form(client, "/checkin/give", {"customer_id": str(seed.ids["a1"]), "reward_id": str(reward)})
    assert other.status_code == 403
    with app.engine.connect() as conn:
        assert conn.execute(select(models.ReferralReward.state)).scalar_one() == "owed"


def test_every_label_exists_in_both_languages():
    from web.i18n import labels

    assert set(labels("zh")) == set(labels("en"))
