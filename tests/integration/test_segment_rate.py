"""The sending rate, measured where the texts arrive: a real HTTP server in Twilio's place records when
each POST from the twilio client comes in, and from which number.

Twilio lets a sender out of the US send 10 segments a second; a two-segment text costs two.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from datetime import date, timedelta
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import insert

from messaging.dispatch import send_due_messages
from messaging.gateways.twilio import TwilioGateway
from messaging.segments import count_segments
from records import models
from tests.factories import add_customer
from tests.integration.twilio_mock import ACCOUNT_SID, AUTH_TOKEN
from tests.integration.web_server import running

pytestmark = pytest.mark.integration

SENDERS = ("+15005550006", "+15005550007")
PER_SENDER = 45  # 44 intervals of 0.2 s: a 9 s run whose first-to-last span dwarfs any jitter
TWO_SEGMENTS = "【金福金行】王芳您好，您的月月返产品本月收益已于6月18日发放至您尾号8000的账户，" \
               "请注意查收。本周六上午十点门店举办黄金投资沙龙，欢迎携亲友莅临。回T退订"
ENV = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the rate is the gateway's business, not the database's


class Arrivals:
    """A WSGI app answering like Twilio's Messages API; keeps (From, monotonic arrival time) per POST."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        at = time.monotonic()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = dict(parse_qsl(environ["wsgi.input"].read(length).decode("utf-8")))
        with self._lock:
            self.seen.append((form.get("From", ""), at))
            sid = f"SM{len(self.seen):032x}"
        body = json.dumps({"sid": sid, "status": "queued", "to": form.get("To"), "from": form.get("From")}).encode()
        start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def times(self, sender: str | None = None) -> list[float]:
        return sorted(at for who, at in self.seen if sender is None or who == sender)


def per_second(times: list[float]) -> float:
    """Arrivals a second, from the first arrival to the last."""
    return (len(times) - 1) / (times[-1] - times[0])


def plan_texts(app, count: int) -> None:
    with app.engine.begin() as conn:
        for n in range(count):
            customer_id = add_customer(conn, f"+86137{n:08d}")
            conn.execute(insert(models.OutboxMessage.__table__).values(
                key=f"notice·{n}", campaign_id="notice", occurrence_on=date(2025, 6, 2), step="notice",
                customer_id=customer_id, phone=f"+86137{n:08d}", body=TWO_SEGMENTS, segments=2,
                message_class="notice", state="planned", due_at=app.now(), planned_at=app.now() - timedelta(hours=1)))


def twilio_settings(app, base_url: str):
    s = app.settings
    return dataclasses.replace(
        s, sms=dataclasses.replace(s.sms, gateway="twilio", rate_per_second=10.0),
        twilio=dataclasses.replace(s.twilio, from_numbers=list(SENDERS), api_base_url=base_url))


def test_two_segment_texts_arrive_at_ten_segments_a_second_per_sender_and_two_senders_double_it(app):
    assert count_segments(TWO_SEGMENTS).count == 2
    plan_texts(app, PER_SENDER * len(SENDERS))
    arrivals = Arrivals()
    with running(arrivals, "twilio-arrivals", threads=4) as url:
        settings = twilio_settings(app, url)
        gateway = TwilioGateway.from_settings(settings, environ=ENV)
        summary = send_due_messages(app.engine, gateway, settings, app.now(), worker="w1")

    assert summary.sent == PER_SENDER * len(SENDERS)
    for sender in SENDERS:
        assert len(arrivals.times(sender)) == PER_SENDER
        assert per_second(arrivals.times(sender)) == pytest.approx(5.0, rel=0.05)  # 10 segments/s
    assert per_second(arrivals.times()) == pytest.approx(10.0, rel=0.05)
