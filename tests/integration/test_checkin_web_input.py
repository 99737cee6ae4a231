"""Bad input on the door page (JSON API and forms): 400 with a message in Chinese, and nothing written."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from records import models
from tests.integration.checkin_site import TOKEN, door_scene, flask_app, post_form, sign_in

BEARER = {"Authorization": f"Bearer {TOKEN}"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
HUGE = "9" * 25
WALK = {"walk_in": True, "phone": "13900001234", "name": "周敏"}


@pytest.fixture
def door(app):
    door_scene(app)
    return flask_app(app).test_client(), app


def snapshot(app) -> dict[str, list[str]]:
    """Every row of every table, as text: what "nothing changed" compares."""
    with app.engine.connect() as conn:
        return {t.name: sorted(map(str, conn.execute(select(t)).all())) for t in models.SQLModel.metadata.sorted_tables}


BAD_JSON_BODIES = {
    "array": [{"who": "HAHXYZ"}],
    "string": "HAHXYZ",
    "number": 5,
    "null": None,
    "event-id-25-digits": {"who": "HAHXYZ", "event_id": int(HUGE)},
    "event-id-25-digit-text": {"who": "HAHXYZ", "event_id": HUGE},
    "event-id-over-int32": {"who": "HAHXYZ", "event_id": 2**31},
    "event-id-negative": {"who": "HAHXYZ", "event_id": -1},
    "event-id-float": {"who": "HAHXYZ", "event_id": 1.5},
    "event-id-bool": {"who": "HAHXYZ", "event_id": True},
    "event-id-superscript-digit": {"who": "HAHXYZ", "event_id": "²"},
    "who-list": {"who": ["HAHXYZ"]},
    "who-object": {"who": {"code": "HAHXYZ"}},
    "who-nul-byte": {"who": "HAH\x00XYZ"},
    "who-id-25-digits": {"who": f"id:{HUGE}"},
    "who-10k-chars": {"who": "H" * 10_000},
    "walk-in-not-a-flag": {**WALK, "walk_in": "maybe"},
    "walk-in-name-5000-chars": {**WALK, "name": "周" * 5000},
    "walk-in-name-nul-byte": {**WALK, "name": "周\x00敏"},
    "walk-in-name-number": {**WALK, "name": 42},
    "walk-in-phone-nul-byte": {**WALK, "phone": "1390000\x001234"},
    "walk-in-phone-1000-digits": {**WALK, "phone": "1" * 1000},
    "walk-in-referrer-id-25-digits": {**WALK, "referrer": f"id:{HUGE}"},
    "walk-in-referrer-5000-chars": {**WALK, "referrer": "L" * 5000},
}


@pytest.mark.parametrize("body", BAD_JSON_BODIES.values(), ids=BAD_JSON_BODIES.keys())
def test_bad_json_gets_400_with_a_chinese_message_and_changes_nothing(door, body):
    client, app = door
    before = snapshot(app)
    response = client.post("/checkin/api", data=json.dumps(body), content_type="application/json", headers=BEARER)
    assert response.status_code == 400, response.text
    assert CHINESE.search(response.get_json()["error"])
    assert snapshot(app) == before


@pytest.mark.parametrize("raw, content_type", [
    ('{"who": "HAHXYZ"', "application/json"), ("\xff\xfe", "application/json"), ("who=HAHXYZ", "application/x-www-form-urlencoded"),
], ids=["cut-json", "not-utf8", "not-json"])
def test_a_body_that_is_not_json_gets_400(door, raw, content_type):
    client, app = door
    before = snapshot(app)
    response = client.post("/checkin/api", data=raw.encode("latin-1"), content_type=content_type, headers=BEARER)
    assert response.status_code == 400 and CHINESE.search(response.get_json()["error"])
    assert snapshot(app) == before


BAD_FORMS = {
    "event-id-25-digits": {"who": "HAHXYZ", "event_id": HUGE},
    "who-nul-byte": {"who": "HAH\x00XYZ"},
    "who-id-25-digits": {"who": f"id:{HUGE}"},
    "walk-in-name-5000-chars": {"walk_in": "1", "phone": "13900001234", "name": "周" * 5000},
    "walk-in-referrer-nul-byte": {"walk_in": "1", "phone": "13900001234", "name": "周敏", "referrer": "LNA\x008888"},
}


@pytest.mark.parametrize("form", BAD_FORMS.values(), ids=BAD_FORMS.keys())
def test_bad_form_fields_get_400_on_the_page_and_change_nothing(door, form):
    client, app = door
    assert sign_in(client).status_code == 303
    before = snapshot(app)
    response = post_form(client, "/checkin/", form)
    assert response.status_code == 400 and 'id="message"' in response.text
    message = re.search(r'id="message">([^<]*)<', response.text).group(1)
    assert CHINESE.search(message)
    assert snapshot(app) == before


def test_good_input_still_checks_in_after_validation(door):
    client, _ = door
    data = client.post("/checkin/api", json={"who": "HAHXYZ", "event_id": None}, headers=BEARER).get_json()
    assert (data["name"], data["visits"]) == ("王芳", 1)
    walk = client.post("/checkin/api", json={**WALK, "phone": 13900001234, "referrer": "LNA8888"}, headers=BEARER)
    assert walk.status_code == 200 and walk.get_json()["referrer"] == "李娜 (138****0002)"
