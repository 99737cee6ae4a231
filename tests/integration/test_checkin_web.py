"""The door page over HTTP (Flask's test client): nothing without signing in, check-in once signed in."""

from __future__ import annotations

import pytest

from tests.integration.checkin_site import TOKEN, door_scene, flask_app, post_form, sign_in


@pytest.fixture
def door(app):
    seed = door_scene(app)
    return flask_app(app).test_client(), seed, app


def test_without_signing_in_there_is_only_the_sign_in_page(door):
    client, _, _ = door
    page = client.get("/checkin/")
    assert page.status_code == 303 and page.headers["Location"].startswith("/signin?next=/checkin/")
    signin = client.get("/signin")
    assert 'name="password"' in signin.text and "周一沙龙" not in signin.text
    refused = client.post("/checkin/api", json={"who": "HAHXYZ"})
    assert refused.status_code == 401 and "王芳" not in refused.text


@pytest.mark.parametrize("headers, cookie", [
    ({"Authorization": "Bearer wrong"}, None), ({}, "9999999999.deadbeef"), ({}, "garbage"),
], ids=["wrong-bearer", "forged-cookie", "garbage-cookie"])
def test_forged_credentials_are_refused(door, headers, cookie):
    client, _, _ = door
    if cookie:
        client.set_cookie("jinli_session", cookie)
    assert client.post("/checkin/api", json={"who": "HAHXYZ"}, headers=headers).status_code == 401


def test_a_wrong_token_does_not_sign_in(door):
    client, _, _ = door
    response = sign_in(client, password="guess")
    assert response.status_code == 401 and "账号或密码不对" in response.text
    assert client.get("/checkin/").status_code == 303


def test_signed_in_staff_check_a_guest_in(door):
    client, _, _ = door
    assert sign_in(client).status_code == 303
    response = post_form(client, "/checkin/", {"who": "hah xyz"})
    assert response.status_code == 200
    assert "王芳" in response.text and 'id="visits">1<' in response.text and "福字红包" in response.text
    assert "李娜 (138****0002)" in response.text and "+8613800000001" not in response.text  # phones masked


def test_the_session_cookie_is_http_only_lax_and_holds_no_token(door):
    client, _, _ = door
    cookie = sign_in(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and TOKEN not in cookie and "Secure" not in cookie


def test_the_json_api_with_a_bearer_token(door):
    client, seed, _ = door
    headers = {"Authorization": f"Bearer {TOKEN}"}
    data = client.post("/checkin/api", json={"who": "13800000001"}, headers=headers).get_json()
    assert (data["name"], data["visits"], data["already"], data["referrer"]) == ("王芳", 1, False, "李娜 (138****0002)")
    again = client.post("/checkin/api", json={"who": "HAHXYZ"}, headers=headers).get_json()
    assert again["already"] is True and again["visits"] == 1
    walk = client.post("/checkin/api", json={"walk_in": True, "phone": "13900001234", "name": "周敏", "referrer": "LNA8888"},
                       headers=headers).get_json()
    assert (walk["name"], walk["new_customer"], walk["referrer"]) == ("周敏", True, "李娜 (138****0002)")
    missing = client.post("/checkin/api", json={"who": "ZZZZZZ"}, headers=headers)
    assert missing.status_code == 404 and "ZZZZZZ" in missing.get_json()["error"]


def test_signing_out_and_rotating_the_token(door):
    client, _, app = door
    sign_in(client)
    assert client.get("/checkin/").status_code == 200
    post_form(client, "/signout", {})
    assert client.get("/checkin/").status_code == 303
    old = flask_app(app).test_client()
    sign_in(old)
    rotated = flask_app(app, token="new-token").test_client()
    rotated.set_cookie("jinli_session", old.get_cookie("jinli_session").value)
    assert rotated.get("/checkin/").status_code == 303


def test_without_a_token_or_accounts_nobody_signs_in(app):
    door_scene(app)
    client = flask_app(app, token="").test_client()
    assert sign_in(client, password="").status_code == 401
    assert client.post("/checkin/api", json={"who": "HAHXYZ"}, headers={"Authorization": "Bearer "}).status_code == 401


def test_the_token_comes_from_the_environment_by_default(app, monkeypatch):
    door_scene(app)
    monkeypatch.setenv("JINLI_STAFF_TOKEN", "from-env")
    client = flask_app(app, token=None).test_client()
    assert client.post("/checkin/api", json={"who": "HAHXYZ"}, headers={"Authorization": "Bearer from-env"}).status_code == 200
