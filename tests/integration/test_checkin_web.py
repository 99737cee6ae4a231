"""The door page over HTTP (Flask's test client): nothing without the staff token, check-in with it."""

from __future__ import annotations

import pytest

from tests.integration.checkin_site import TOKEN, door_scene, flask_app
from web.checkin import COOKIE, StaffGate


@pytest.fixture
def door(app):
    seed = door_scene(app)
    return flask_app(app).test_client(), seed, app


def signed_in(client):
    response = client.post("/checkin/login", data={"token": TOKEN})
    assert response.status_code == 303
    return client


def test_without_the_token_there_is_only_the_sign_in_form(door):
    client, _, _ = door
    page = client.get("/checkin/")
    assert page.status_code == 200 and 'name="token"' in page.text and "周一沙龙" not in page.text
    assert client.post("/checkin/", data={"who": "HAHXYZ"}).status_code == 401
    refused = client.post("/checkin/api", json={"who": "HAHXYZ"})
    assert refused.status_code == 401 and "王芳" not in refused.text


@pytest.mark.parametrize("headers, cookie", [
    ({"Authorization": "Bearer wrong"}, None), ({}, "9999999999.deadbeef"), ({}, "1.abc"), ({}, "garbage"),
], ids=["wrong-bearer", "forged-cookie", "expired-cookie", "garbage-cookie"])
def test_forged_credentials_are_refused(door, headers, cookie):
    client, _, _ = door
    if cookie:
        client.set_cookie(COOKIE, cookie, path="/checkin")
    assert client.post("/checkin/api", json={"who": "HAHXYZ"}, headers=headers).status_code == 401


def test_a_wrong_token_does_not_sign_in(door):
    client, _, _ = door
    response = client.post("/checkin/login", data={"token": "guess"})
    assert response.status_code == 401 and "Wrong token" in response.text and COOKIE not in response.headers.get("Set-Cookie", "")


def test_signed_in_staff_check_a_guest_in(door):
    client, seed, _ = door
    response = signed_in(client).post("/checkin/", data={"who": "hah xyz", "event_id": ""})
    assert response.status_code == 200
    assert "王芳" in response.text and 'id="visits">1<' in response.text and "福字红包" in response.text
    assert "李娜 (138****0002)" in response.text and "+8613800000001" not in response.text  # phones masked


def test_the_cookie_is_signed_expiring_and_http_only(door):
    client, _, _ = door
    cookie = client.post("/checkin/login", data={"token": TOKEN}).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/checkin" in cookie and TOKEN not in cookie


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
    signed_in(client)
    assert client.post("/checkin/api", json={"who": "HAHXYZ"}).status_code == 200
    client.post("/checkin/logout")
    assert client.post("/checkin/api", json={"who": "HAHXYZ"}).status_code == 401
    old = flask_app(app).test_client()
    signed_in(old)
    rotated = flask_app(app, token="new-token").test_client()
    rotated.set_cookie(COOKIE, old.get_cookie(COOKIE, path="/checkin").value, path="/checkin")
    assert rotated.post("/checkin/api", json={"who": "HAHXYZ"}).status_code == 401


def test_without_a_configured_token_the_page_is_disabled(app):
    door_scene(app)
    client = flask_app(app, token="").test_client()
    assert client.get("/checkin/").status_code == 503 and "JINLI_STAFF_TOKEN" in client.get("/checkin/").text
    assert client.post("/checkin/login", data={"token": ""}).status_code == 503
    assert client.post("/checkin/api", json={"who": "HAHXYZ"}, headers={"Authorization": "Bearer "}).status_code == 503


def test_the_token_comes_from_the_environment_by_default(app, monkeypatch):
    door_scene(app)
    monkeypatch.setenv("JINLI_STAFF_TOKEN", "from-env")
    client = flask_app(app, token=None).test_client()
    assert client.post("/checkin/api", json={"who": "HAHXYZ"}, headers={"Authorization": "Bearer from-env"}).status_code == 200


@pytest.mark.parametrize("now, valid", [(1000, True), (1000 + 12 * 3600 - 1, True), (1000 + 12 * 3600, False)])
def test_staff_cookie_expiry(now, valid):
    gate = StaffGate("t", 12)
    assert gate.cookie_ok(gate.cookie_for(1000), now) is valid
    assert not StaffGate("other", 12).cookie_ok(gate.cookie_for(1000), 1000)
