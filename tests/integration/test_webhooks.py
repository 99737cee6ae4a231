"""Twilio's webhooks through the real server (waitress on a loopback port), signed as Twilio signs them."""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import func, insert, select
from twilio.request_validator import RequestValidator

from app import App
from errors import ConfigError
from messaging import replies
from records import models
from tests.factories import NOW, add_customer
from tests.integration.web_server import swappable
from web.app import create_app

pytestmark = pytest.mark.integration

TOKEN = "webhook-test-token"
PUBLIC = "https://sms.example.com/jinli"
PHONE = "+8613800000001"


class Twilio:
    """Posts forms to the server as Twilio does: signed with the auth token over the public URL."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def post(self, path: str, form: dict, *, token: str = TOKEN, signed_url: str | None = None,
             signed_form: dict | None = None, signature: str | None = None) -> requests.Response:
        if signature is None:
            signature = RequestValidator(token).compute_signature(signed_url or PUBLIC + path, signed_form or form)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        return requests.post(self.base_url + path, data=form, headers=headers, timeout=10)

    def status(self, sid: str, status: str, error_code: str = "", **options) -> requests.Response:
        form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC123", **({"ErrorCode": error_code} if error_code else {})}
        return self.post("/twilio/status", form, **options)

    def reply(self, sid: str, body: str, phone: str = PHONE, **options) -> requests.Response:
        return self.post("/twilio/inbound", {"MessageSid": sid, "From": phone, "To": "+15005550006", "Body": body}, **options)


@pytest.fixture
def web(app, clock, monkeypatch) -> App:
    """The test app with a public URL and Twilio's auth token in the environment."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    twilio = dataclasses.replace(app.settings.twilio, public_base_url=PUBLIC)
    return App(dataclasses.replace(app.settings, twilio=twilio), clock=clock)


@pytest.fixture(scope="module")
def server():
    """One waitress server for the module, serving whichever app the test put in ``current``."""
    with swappable("test-webhooks") as served:
        yield served


@pytest.fixture
def twilio(server, web):
    current, base_url = server
    current[0] = create_app(web)
    yield Twilio(base_url)
    current[0] = None


def customer(web, phone: str = PHONE, **extra) -> int:
    with web.engine.begin() as conn:
        return add_customer(conn, phone, **extra)


def sent_message(web, customer_id: int, provider_id: str, phone: str = PHONE) -> int:
    values = dict(key=f"k·{provider_id}", campaign_id="salons", occurrence_on=date(2025, 6, 2), step="invite",
                  customer_id=customer_id, phone=phone, body="周六沙龙", state="sent", provider_id=provider_id,
                  due_at=NOW, planned_at=NOW, sending_at=NOW, sent_at=NOW, attempts=1)
    with web.engine.begin() as conn:
        return conn.execute(insert(models.OutboxMessage.__table__).values(values)).inserted_primary_key[0]


def message(web, message_id: int):
    t = models.OutboxMessage.__table__
    with web.engine.connect() as conn:
        return tuple(conn.execute(select(t.c.state, t.c.error_code, t.c.final_at).where(t.c.id == message_id)).one())


def person(web, customer_id: int):
    t = models.Customer.__table__
    with web.engine.connect() as conn:
        return tuple(conn.execute(select(t.c.opted_out, t.c.opted_out_at).where(t.c.id == customer_id)).one())


def count(web, model) -> int:
    with web.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def events(web):
    t = models.OptOutEvent.__table__
    with web.engine.connect() as conn:
        return conn.execute(select(t.c.customer_id, t.c.phone, t.c.action, t.c.source).order_by(t.c.id)).all()


# --- delivery reports -------------------------------------------------------------------------------

def test_delivery_reports_move_a_message_forward_and_never_back(web, twilio, clock):
    message_id = sent_message(web, customer(web), "SM1")
    clock.advance(seconds=5)
    assert twilio.status("SM1", "delivered").status_code == 200
    delivered = ("delivered", None, NOW + timedelta(seconds=5))
    assert message(web, message_id) == delivered
    clock.advance(seconds=5)
    for late in ("sent", "sending", "queued", "failed", "undelivered"):  # out of order or repeated: no effect
        assert twilio.status("SM1", late, "30003" if late in ("failed", "undelivered") else "").status_code == 200
    assert message(web, message_id) == delivered


def test_an_undelivered_report_keeps_the_error_code(web, twilio):
    message_id = sent_message(web, customer(web), "SM2")
    assert twilio.status("SM2", "undelivered", "30003").status_code == 200
    assert message(web, message_id) == ("undelivered", "30003", NOW)
    twilio.status("SM2", "delivered")
    assert message(web, message_id) == ("undelivered", "30003", NOW)


def test_a_report_for_an_unknown_message_is_accepted_and_changes_nothing(web, twilio, caplog):
    message_id = sent_message(web, customer(web), "SM3")
    with caplog.at_level(logging.INFO, logger="jinli"):
        assert twilio.status("SMnobody", "delivered").status_code == 200
    assert message(web, message_id) == ("sent", None, None)
    assert "status delivered for SMnobody: unknown message" in caplog.text


# --- signatures and size -------------------------------------------------------------------------------

@pytest.mark.parametrize("options", [
    {"signature": ""},
    {"signature": "bm90IGEgc2lnbmF0dXJl"},
    {"token": "someone-elses-token"},
    {"signed_url": "https://attacker.example.com/twilio/inbound"},
    {"signed_form": {"MessageSid": "SMin", "From": PHONE, "To": "+15005550006", "Body": "你好"}},
], ids=["unsigned", "garbage", "wrong token", "other url", "body changed after signing"])
def test_requests_twilio_did_not_sign_are_refused_and_change_nothing(web, twilio, options):
    customer_id = customer(web)
    message_id = sent_message(web, customer_id, "SM4")
    assert twilio.reply("SMin", "TD", **options).status_code == 403
    if "signed_form" in options:
        options = {"signed_form": {"MessageSid": "SM4", "MessageStatus": "failed", "AccountSid": "AC123"}}
    assert twilio.status("SM4", "delivered", **options).status_code == 403
    assert (count(web, models.InboundMessage), person(web, customer_id), events(web)) == (0, (False, None), [])
    assert message(web, message_id) == ("sent", None, None)


def test_an_oversized_body_is_refused(web, twilio):
    customer_id = customer(web)
    response = twilio.reply("SMbig", "TD" + " " * 70_000)  # correctly signed, but no SMS is 64 KiB
    assert response.status_code == 413
    assert (count(web, models.InboundMessage), person(web, customer_id)) == (0, (False, None))


@pytest.mark.parametrize("environ, public_url, problem", [
    ({}, PUBLIC, "TWILIO_AUTH_TOKEN is not set"),
    ({"TWILIO_AUTH_TOKEN": TOKEN}, "", "public_base_url is not set"),
    ({"TWILIO_AUTH_TOKEN": TOKEN}, "sms.example.com", "expected an http(s):// URL, got 'sms.example.com'"),
])
def test_the_server_refuses_to_start_without_a_token_or_public_url(app, monkeypatch, environ, public_url, problem):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings = dataclasses.replace(app.settings, twilio=dataclasses.replace(app.settings.twilio, public_base_url=public_url),
                                   sms=dataclasses.replace(app.settings.sms, gateway="twilio"))
    with pytest.raises(ConfigError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        create_app(App(settings, clock=app.clock))


def test_without_twilio_the_server_serves_the_door_page_and_no_webhooks(app):
    """A shop on the file gateway, no public URL: /checkin/ is there, /twilio/* is not (404, nothing unchecked)."""
    web = create_app(app).test_client()
    assert web.post("/twilio/inbound", data={"From": "+8613800000000", "Body": "TD", "MessageSid": "SM1"}).status_code == 404
    door = web.get("/checkin/")  # nobody signed in: the sign-in page, nothing of the door
    assert door.status_code == 303 and door.headers["Location"].startswith("/signin")


# --- replies ------------------------------------------------------------------------------------------

def test_td_opts_the_customer_out_at_once_and_only_once(web, twilio, caplog):
    customer_id = customer(web)
    with caplog.at_level(logging.INFO, logger="jinli"):
        response = twilio.reply("SMr1", " ＴＤ ")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml") and response.text.endswith("<Response/>")
    assert person(web, customer_id) == (True, NOW)
    assert twilio.reply("SMr1", " ＴＤ ").status_code == 200  # Twilio retried: same MessageSid
    t = models.InboundMessage.__table__
    with web.engine.connect() as conn:
        stored = conn.execute(select(t.c.provider_id, t.c.phone, t.c.customer_id, t.c.body, t.c.intent)).all()
    assert [tuple(r) for r in stored] == [("SMr1", PHONE, customer_id, " ＴＤ ", "opt_out")]
    assert events(web) == [(customer_id, PHONE, "out", "sms")]
    assert PHONE not in caplog.text and "138****0001" in caplog.text
    assert 'POST /twilio/inbound" 200' in caplog.text


def test_start_opts_back_in(web, twilio, clock):
    customer_id = customer(web, opted_out=True, opted_out_at=NOW - timedelta(days=3))
    twilio.reply("SMr2", "start")
    assert person(web, customer_id) == (False, None)
    assert events(web) == [(customer_id, PHONE, "in", "sms")]


def test_a_reply_from_an_unknown_number_is_still_recorded_and_its_opt_out_kept(web, twilio):
    assert twilio.reply("SMr3", "退订", phone="+8613900000099").status_code == 200
    assert events(web) == [(None, "+8613900000099", "out", "sms")]
    assert count(web, models.InboundMessage) == 1


def test_invitation_answers_reach_the_hooks(web, twilio, monkeypatch):
    customer_id = customer(web)
    heard = []
    monkeypatch.setitem(replies._handlers, "confirm", [lambda conn, reply: heard.append((reply.intent, reply.customer_id))])
    twilio.reply("SMr4", "参加")
    twilio.reply("SMr5", "2")
    twilio.reply("SMr6", "几点开始?")
    assert heard == [("confirm", customer_id)]
    t = models.InboundMessage.__table__
    with web.engine.connect() as conn:
        assert [i for (i,) in conn.execute(select(t.c.intent).order_by(t.c.id))] == ["confirm", "decline", "other"]
    assert person(web, customer_id) == (False, None)


# --- malformed forms ------------------------------------------------------------------------------------

SECRET_BODY = "我的私事短信内容"


@pytest.mark.parametrize("route, form, field", [
    ("/twilio/inbound", {"MessageSid": "SMw1", "From": "whatsapp:" + PHONE, "Body": SECRET_BODY}, "From"),
    ("/twilio/inbound", {"MessageSid": "SM" + "a" * 4998, "From": PHONE, "Body": SECRET_BODY}, "MessageSid"),
    ("/twilio/inbound", {"MessageSid": "SMn1", "From": PHONE, "Body": SECRET_BODY + "\x00"}, "Body"),
    ("/twilio/inbound", {"MessageSid": "SMn2\x00", "From": PHONE, "Body": SECRET_BODY}, "MessageSid"),
    ("/twilio/status", {"MessageSid": "SM" + "a" * 4998, "MessageStatus": "delivered"}, "MessageSid"),
    ("/twilio/status", {"MessageSid": "SMs1\x00", "MessageStatus": "delivered"}, "MessageSid"),
    ("/twilio/status", {"MessageSid": "SMs1", "MessageStatus": "failed", "ErrorCode": "3" * 30}, "ErrorCode"),
], ids=["whatsapp From", "5000-char MessageSid", "NUL in Body", "NUL in MessageSid", "5000-char status sid",
        "NUL in status sid", "30-digit ErrorCode"])
def test_a_malformed_form_gets_400_and_one_log_line_without_personal_data(web, twilio, caplog, route, form, field):
    customer_id = customer(web)
    message_id = sent_message(web, customer_id, "SMs1")
    with caplog.at_level(logging.DEBUG):
        response = twilio.post(route, {**form, "To": "+15005550006", "AccountSid": "AC123"})
    assert response.status_code == 400
    refusals = [r for r in caplog.records if "refused (400)" in r.getMessage()]
    assert len(refusals) == 1 and f"form field {field}" in refusals[0].getMessage()
    assert PHONE not in caplog.text and SECRET_BODY not in caplog.text and "Traceback" not in caplog.text
    assert not any(r.exc_info for r in caplog.records)
    assert (count(web, models.InboundMessage), person(web, customer_id), events(web)) == (0, (False, None), [])
    assert message(web, message_id) == ("sent", None, None)


def test_a_database_outage_gets_503_for_twilio_to_retry_and_logs_no_parameters(web, twilio, caplog, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def outage(*args, **kwargs):
        raise OperationalError("UPDATE outbox SET ...", {"phone": PHONE, "body": SECRET_BODY}, Exception("server closed the connection"))

    monkeypatch.setattr("messaging.webhooks.record_reply", outage)
    with caplog.at_level(logging.DEBUG):
        response = twilio.reply("SMdown", SECRET_BODY)
    assert response.status_code == 503
    assert "refused (503): database: Exception: server closed the connection" in caplog.text
    assert PHONE not in caplog.text and SECRET_BODY not in caplog.text and not any(r.exc_info for r in caplog.records)
