"""Staff accounts on the web: roles by store, CSRF, sign-in throttling, expiring sessions, the proxy, the audit trail.

The scene: today two events, 南京路店's salon (E1, 王芳 invited with code HAHXYZ) and 淮海路店's
banquet (E2, 李娜 invited with code BLNXYZ); 门口小王 works the door at 南京路店 only.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from records import models, staff
from tests.events_seed import Seed, add_salon, invite
from tests.factories import add_customer
from tests.integration.checkin_site import csrf_token, flask_app, post_form, sign_in

PASSWORD = "门口-secret-1"


def two_store_scene(app) -> Seed:
    with app.engine.begin() as conn:
        seed = Seed(phones={"a1": "+8613800000001", "r1": "+8613800000002", "b1": "+8613800000003"})
        seed.ids["r1"] = add_customer(conn, seed.phones["r1"], "李娜", referral_code="LNA8888")
        seed.ids["a1"] = add_customer(conn, seed.phones["a1"], "王芳", referrer_id=seed.ids["r1"])
        seed.ids["b1"] = add_customer(conn, seed.phones["b1"], "张伟")
        seed.ids["E1"] = add_salon(conn, app.today(), title="周一沙龙", store="南京路店")
        seed.ids["E2"] = add_salon(conn, app.today(), "birthday", "banquet", title="幸运庆生宴", hour=18, store="淮海路店")
        invite(conn, seed, "E1", "a1", "A", "delivered")
        invite(conn, seed, "E2", "b1", "B", "delivered")
        staff.add_staff(conn, "门口小王", "door", ("南京路店",), PASSWORD, app.now())
        staff.add_staff(conn, "店长老陈", "manager", ("淮海路店",), PASSWORD, app.now())
    return seed


@pytest.fixture
def shop(app):
    return two_store_scene(app), flask_app(app).test_client(), app


def audit_rows(app) -> list[dict]:
    with app.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(models.AuditEntry.__table__).order_by(models.AuditEntry.id))]


def checkins(app) -> int:
    with app.engine.connect() as conn:
        return len(conn.execute(select(models.CheckIn.__table__)).all())


def test_door_staff_of_one_store_see_only_its_events_and_no_report(shop):
    seed, client, _ = shop
    assert sign_in(client, "门口小王", PASSWORD).headers["Location"] == "/checkin/"
    page = client.get("/checkin/").text
    assert "周一沙龙" in page and "幸运庆生宴" not in page and "张伟" not in page
    refused = post_form(client, "/checkin/", {"who": seed.codes[("E2", "b1")]})
    assert refused.status_code == 400 and "其他门店" in refused.text
    for path in ("/manage/", "/manage/funnel", "/manage/funnel.csv", "/manage/referrals", "/manage/followups"):
        assert client.get(path).status_code == 403, path


def test_a_cross_site_form_post_carrying_the_cookie_is_refused(shop):
    seed, client, app = shop
    sign_in(client, "门口小王", PASSWORD)
    forged = client.post("/checkin/", data={"who": seed.codes[("E1", "a1")]}, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 400 and "页面已过期" in forged.text
    wrong = client.post("/checkin/", data={"who": seed.codes[("E1", "a1")], "csrf_token": "forged"})
    assert wrong.status_code == 400 and checkins(app) == 0
    assert post_form(client, "/checkin/", {"who": seed.codes[("E1", "a1")]}).status_code == 200 and checkins(app) == 1


def test_the_json_api_on_a_session_needs_the_csrf_header(shop):
    seed, client, app = shop
    sign_in(client, "门口小王", PASSWORD)
    assert client.post("/checkin/api", json={"who": seed.codes[("E1", "a1")]}).status_code == 400 and checkins(app) == 0
    token = csrf_token(client, "/checkin/")
    done = client.post("/checkin/api", json={"who": seed.codes[("E1", "a1")]}, headers={"X-CSRFToken": token})
    assert done.status_code == 200 and checkins(app) == 1


def test_the_sixth_rapid_wrong_password_for_an_account_is_throttled(shop):
    _, client, app = shop
    for n in range(5):  # each from another address: the account's counter alone
        other = flask_app(app).test_client()
        other.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        assert sign_in(other, "门口小王", "wrong").status_code == 401
    sixth = sign_in(client, "门口小王", PASSWORD)  # even the right password waits
    assert sixth.status_code == 429 and "15 分钟后再试" in sixth.text
    app.clock.advance(minutes=15)
    assert sign_in(client, "门口小王", PASSWORD).status_code == 303


def test_the_sixth_rapid_wrong_password_from_an_address_is_throttled(shop):
    _, client, app = shop
    for name in ("甲", "乙", "丙", "丁", "戊"):
        assert sign_in(client, name, "wrong").status_code == 401
    assert sign_in(client, "店长老陈", PASSWORD).status_code == 429
    elsewhere = flask_app(app).test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert sign_in(elsewhere, "店长老陈", PASSWORD).status_code == 303


def test_sessions_expire_after_the_configured_hours(shop):
    _, client, app = shop
    sign_in(client, "门口小王", PASSWORD)
    app.clock.advance(hours=11, minutes=59)
    assert client.get("/checkin/").status_code == 200
    app.clock.advance(minutes=1)
    assert client.get("/checkin/").status_code == 303


def test_a_new_password_or_a_disabled_account_ends_open_sessions(shop):
    _, client, app = shop
    sign_in(client, "门口小王", PASSWORD)
    with app.engine.begin() as conn:
        staff.set_password(conn, "门口小王", "another-password", app.now())
    assert client.get("/checkin/").status_code == 303
    assert sign_in(client, "门口小王", "another-password").status_code == 303
    with app.engine.begin() as conn:
        staff.set_disabled(conn, "门口小王", True, app.now())
    assert client.get("/checkin/").status_code == 303
    assert sign_in(client, "门口小王", "another-password").status_code == 401


def test_behind_a_tls_proxy_the_cookie_is_secure_and_the_address_is_the_clients(app, site):
    from app import App
    from settings import load_settings

    site.write_text(site.read_text() + "\n[web]\nbehind_proxy = true\n")
    proxied = App(load_settings(site), clock=app.clock)
    two_store_scene(proxied)
    client = flask_app(proxied).test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "Referer": "https://localhost/signin"}
    token = client.get("/signin", headers=headers).text.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post("/signin", data={"name": "x", "password": "wrong", "csrf_token": token}, headers=headers)
    assert done.status_code == 401
    response = client.post("/signin", data={"name": "门口小王", "password": PASSWORD, "csrf_token": token}, headers=headers)
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]
    with proxied.engine.connect() as conn:
        keys = set(conn.execute(select(models.SigninFailure.key)).scalars())
    assert keys == {"account:x", "ip:203.0.113.7"}


def test_the_audit_trail_names_the_staff_member_for_each_web_action(shop):
    seed, client, app = shop
    sign_in(client, "门口小王", PASSWORD)
    post_form(client, "/checkin/", {"who": seed.codes[("E1", "a1")]})
    post_form(client, "/checkin/", {"walk_in": "1", "phone": "13900001234", "name": "周敏", "referrer": "13811112222"})
    post_form(client, "/checkin/", {"walk_in": "1", "phone": "13900005678", "name": "吴刚", "referrer": "LNA8888"})
    rows = [(r["actor"], r["action"], r["subject_id"]) for r in audit_rows(app)]
    e1 = str(seed.ids["E1"])
    assert rows == [("staff:门口小王", "checkin.add", e1), ("staff:门口小王", "referral.unlinked", rows[1][2]),
                    ("staff:门口小王", "checkin.walk_in", e1), ("staff:门口小王", "checkin.walk_in", e1)]
    assert json.loads(audit_rows(app)[1]["detail"])["referrer_given"] == "13811112222"


def test_staff_accounts_from_the_command_line(cli, app):
    added = cli("staff", "add", "店长老陈", "--role", "manager", "--store", "淮海路店", "--store", "南京路店",
                input="long-enough\nlong-enough\n")
    assert added.exit_code == 0, added.output
    assert cli("staff", "add", "门口", "--role", "door", "--password-stdin", input="x\n").exit_code != 0  # too short
    refused = cli("staff", "add", "门口", "--role", "door", "--password-stdin", input="long-enough\n")
    assert refused.exit_code == 1 and "--store" in refused.output
    assert cli("staff", "add", "老板", "--role", "admin", "--password-stdin", input="long-enough\n").exit_code == 0
    assert cli("staff", "passwd", "老板", "--password-stdin", input="even-longer-one\n").exit_code == 0
    assert cli("staff", "disable", "老板").exit_code == 0
    listed = json.loads(cli("staff", "list", "--json").output)
    assert [(s["name"], s["role"], s["stores"], s["disabled"]) for s in listed] == [
        ("店长老陈", "manager", ["淮海路店", "南京路店"], False), ("老板", "admin", [], True)]
    table = cli("staff", "list").output
    assert "店长/客户经理" in table and "淮海路店，南京路店" in table and "全部门店" in table and "停用" in table
    with app.engine.connect() as conn:
        assert staff.verify(conn, "店长老陈", "long-enough")[0].stores == ("淮海路店", "南京路店")
        assert staff.verify(conn, "老板", "even-longer-one") is None  # disabled
        hashed = conn.execute(select(models.StaffMember.password_hash)).scalars().first()
    assert hashed.startswith("$argon2id$")
    actions = [(r["actor"].startswith("os:"), r["action"]) for r in audit_rows(app)]
    assert actions == [(True, "staff.add"), (True, "staff.add"), (True, "staff.passwd"), (True, "staff.disable")]
