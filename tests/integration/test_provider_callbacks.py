"""Aliyun's and Tencent's receipts and replies: pushed by the mocks to the real server (waitress), or pulled
by the reconciler when the push never came; both ways idempotent (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from itertools import count

import pytest
import requests
from sqlalchemy import func, insert, select

from messaging.dispatch import send_due_messages
from messaging.gateways.aliyun import AliyunGateway
from messaging.gateways.tencent import TencentGateway
from messaging.ratelimit import Unlimited
from messaging.reconcile import reconcile
from records import models
from tests.factories import NOW, add_customer, add_event
from tests.integration import aliyun_mock, tencent_mock
from tests.integration.aliyun_mock import AliyunMock
from tests.integration.provider_mock import ProviderMock
from tests.integration.tencent_mock import TencentMock
from tests.integration.web_server import swappable
from web.app import create_app
from web.provider_callbacks import provider_callbacks_blueprint

pytestmark = pytest.mark.integration
SECRET = "cb-0123456789abcdefXYZ"
LATER = NOW + timedelta(hours=2)  # the reconciler's run: receipts silent for over an hour
_seq = count(1)
outbox_t, inbound_t = models.OutboxMessage.__table__, models.InboundMessage.__table__
customers_t, invitations_t = models.Customer.__table__, models.Invitation.__table__


@pytest.fixture(scope="module")
def server():
    """One waitress server for the module, serving whichever app the test puts in ``current``."""
    with swappable("test-callbacks") as served:
        yield served


@pytest.fixture
def serve(server, app):
    """Serve ``app``'s callbacks with the given environment and allow-list; returns the base URL."""
    current, base_url = server

    def start(environ: dict | None = None, allow_from: list[str] | None = None) -> str:
        import dataclasses

        settings = app.settings
        if allow_from is not None:
            settings = dataclasses.replace(settings, callbacks=dataclasses.replace(settings.callbacks, allow_from=allow_from))
        site = type(app)(settings, clock=app.clock)
        env = {"JINLI_CALLBACK_SECRET": SECRET} if environ is None else environ
        current[0] = create_app(site, [lambda a: provider_callbacks_blueprint(a, env)])
        return base_url

    yield start
    current[0] = None


@pytest.fixture
def aliyun():
    mock = AliyunMock(clock=lambda: NOW)
    yield mock
    mock.close()


def aliyun_gateway(mock: AliyunMock) -> AliyunGateway:
    return AliyunGateway(aliyun_mock.ACCESS_KEY_ID, aliyun_mock.ACCESS_KEY_SECRET, sign_name=aliyun_mock.SIGN_NAME,
                         endpoint=mock.url)


def tencent_gateway(mock: TencentMock) -> TencentGateway:
    return TencentGateway(tencent_mock.SECRET_ID, tencent_mock.SECRET_KEY, sign_name=tencent_mock.SIGN_NAME,
                          sdk_app_id=tencent_mock.SDK_APP_ID, endpoint=mock.url)


def invited(app, phone: str, template: str, params: dict) -> tuple[int, int]:
    """A customer invited to Thursday's salon, with the invitation text planned (due now); (customer, message)."""
    n = next(_seq)
    with app.engine.begin() as conn:
        customer_id = add_customer(conn, phone)
        event_id = add_event(conn, date(2025, 6, 5))
        conn.execute(insert(invitations_t).values(event_id=event_id, customer_id=customer_id, code=f"CODE{n:02d}",
                                                  state="invited", tier="A", invited_at=NOW - timedelta(hours=1)))
        message_id = conn.execute(insert(outbox_t).values(
            key=f"salons·{n}", campaign_id="salons", occurrence_on=date(2025, 6, 2), step="invitation",
            customer_id=customer_id, event_id=event_id, phone=phone, body="王芳您好，周四沙龙邀您参加。回T退订",
            template_code=template, template_params=json.dumps(params, ensure_ascii=False), due_at=NOW,
            planned_at=NOW - timedelta(hours=1))).inserted_primary_key[0]
    return customer_id, message_id


def send(app, gateway) -> None:
    assert send_due_messages(app.engine, gateway, app.settings, NOW, worker="w1", limiter=Unlimited()).sent >= 1


def state(app, message_id: int) -> tuple:
    with app.engine.connect() as conn:
        return tuple(conn.execute(select(outbox_t.c.state, outbox_t.c.error_code).where(outbox_t.c.id == message_id)).one())


def provider_id(app, message_id: int) -> str:
    with app.engine.connect() as conn:
        return conn.execute(select(outbox_t.c.provider_id).where(outbox_t.c.id == message_id)).scalar_one()


def customer(app, customer_id: int) -> tuple:
    """(opted out, invitation state) of the customer."""
    with app.engine.connect() as conn:
        opted = conn.execute(select(customers_t.c.opted_out).where(customers_t.c.id == customer_id)).scalar_one()
        invitation = conn.execute(select(invitations_t.c.state).where(invitations_t.c.customer_id == customer_id)).scalar_one()
    return opted, invitation


def replies_stored(app) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(inbound_t)).scalar_one()


# --- pushed ------------------------------------------------------------------------------------

def test_aliyun_receipts_and_replies_pushed_to_the_callbacks(app, serve, aliyun):
    wang, to_wang = invited(app, "+8613812340001", "SMS_465920001", {"name": "王芳"})
    li, to_li = invited(app, "+8613812340002", "SMS_465920001", {"name": "李娜"})
    send(app, aliyun_gateway(aliyun))
    base = serve() + f"/callbacks/{SECRET}/aliyun"

    answer = ProviderMock.push(base + "/report", [aliyun.report(provider_id(app, to_wang)),
                                                  aliyun.report(provider_id(app, to_li), success=False, err_code="MK:0001")])
    assert answer == (200, {"code": 0, "msg": "成功"})
    assert (state(app, to_wang), state(app, to_li)) == (("delivered", None), ("undelivered", "MK:0001"))
    # A late "delivered" for the undelivered one (Aliyun pushes again on a timeout) moves nothing back.
    ProviderMock.push(base + "/report", [aliyun.report(provider_id(app, to_li))])
    assert state(app, to_li) == ("undelivered", "MK:0001")

    replies = [aliyun.reply("13812340001", "参加", 7001), aliyun.reply("13812340002", " 退订 ", 7002)]
    assert ProviderMock.push(base + "/reply", replies) == (200, {"code": 0, "msg": "成功"})
    assert ProviderMock.push(base + "/reply", replies)[0] == 200  # pushed twice: stored once
    assert customer(app, wang) == (False, "confirmed") and customer(app, li) == (True, "invited")
    assert replies_stored(app) == 2


def test_tencent_receipts_and_replies_pushed_to_the_callbacks(app, serve, tencent):
    wang, to_wang = invited(app, "+8613812340011", "2045001", {"1": "王芳"})
    send(app, tencent_gateway(tencent))
    base = serve() + f"/callbacks/{SECRET}/tencent"

    answer = ProviderMock.push(base + "/report", tencent.deliver(provider_id(app, to_wang)))
    assert answer == (200, {"result": 0, "errmsg": "OK"}) and state(app, to_wang) == ("delivered", None)
    reply = tencent.reply("+8613812340011", "1", int(NOW.timestamp()) + 300)
    assert ProviderMock.push(base + "/reply", reply) == (200, {"result": 0, "errmsg": "OK"})
    assert customer(app, wang) == (False, "confirmed") and replies_stored(app) == 1


def test_a_malformed_push_gets_400_and_changes_nothing(app, serve, aliyun):
    _wang, to_wang = invited(app, "+8613812340021", "SMS_465920001", {"name": "王芳"})
    send(app, aliyun_gateway(aliyun))
    base = serve() + f"/callbacks/{SECRET}/aliyun/report"
    good = aliyun.report(provider_id(app, to_wang))
    status, _answer = ProviderMock.push(base, [good, {"phone_number": "13812340021", "success": True}])  # no biz_id
    assert status == 400 and state(app, to_wang) == ("sent", None)
    assert requests.post(base, data=b"not json", timeout=10).status_code == 400


# --- refused ------------------------------------------------------------------------------------

def test_callbacks_on_a_wrong_path_from_elsewhere_or_without_the_secret_are_refused(app, serve, aliyun):
    wang, to_wang = invited(app, "+8613812340031", "SMS_465920001", {"name": "王芳"})
    send(app, aliyun_gateway(aliyun))
    receipt, reply = [aliyun.report(provider_id(app, to_wang))], [aliyun.reply("13812340031", "退订", 7031)]
    base = serve()
    refused = [
        ProviderMock.push(f"{base}/callbacks/wrong-secret-0123456789/aliyun/report", receipt),
        ProviderMock.push(f"{base}/callbacks/{SECRET[:-1]}/aliyun/reply", reply),
        ProviderMock.push(f"{base}/callbacks/{SECRET}/aliyun/unknown", receipt),
        ProviderMock.push(f"{base}/callbacks/{SECRET}/other/report", receipt),
        ProviderMock.push(f"{base}/aliyun/report", receipt),
        (requests.get(f"{base}/callbacks/{SECRET}/aliyun/report", timeout=10).status_code, None),
    ]
    base = serve(allow_from=["203.0.113.0/24"])  # the provider's range; the test calls from 127.0.0.1
    refused.append(ProviderMock.push(f"{base}/callbacks/{SECRET}/aliyun/report", receipt))
    base = serve(environ={})  # no JINLI_CALLBACK_SECRET: no callbacks at all
    refused.append(ProviderMock.push(f"{base}/callbacks/{SECRET}/aliyun/reply", reply))

    assert [status for status, _ in refused] == [404] * 8
    assert state(app, to_wang) == ("sent", None) and customer(app, wang) == (False, "invited") and replies_stored(app) == 0
    base = serve(allow_from=["127.0.0.0/8"])
    assert ProviderMock.push(f"{base}/callbacks/{SECRET}/aliyun/report", receipt)[0] == 200
    assert state(app, to_wang) == ("delivered", None)


def test_a_short_secret_stops_the_server(app):
    from errors import ConfigError

    with pytest.raises(ConfigError, match="JINLI_CALLBACK_SECRET"):
        provider_callbacks_blueprint(app, {"JINLI_CALLBACK_SECRET": "short"})


# --- pulled ------------------------------------------------------------------------------------

def test_a_dropped_aliyun_receipt_is_filled_in_by_a_pull(app, aliyun):
    _wang, to_wang = invited(app, "+8613812340041", "SMS_465920001", {"name": "王芳"})
    _li, to_li = invited(app, "+8613812340042", "SMS_465920001", {"name": "李娜"})
    gateway = aliyun_gateway(aliyun)
    send(app, gateway)
    aliyun.report(provider_id(app, to_wang))  # the carrier answered; the push never reached jinli
    aliyun.report(provider_id(app, to_li), success=False, err_code="MK:0012")

    counts = reconcile(app.engine, gateway, LATER)

    assert counts["pulled_receipts"] == 2
    assert (state(app, to_wang), state(app, to_li)) == (("delivered", None), ("undelivered", "MK:0012"))
    assert reconcile(app.engine, gateway, LATER)["pulled_receipts"] == 0  # asked again: nothing moves


def test_dropped_tencent_receipts_and_replies_are_filled_in_by_a_pull_and_a_late_push_changes_nothing(app, serve, tencent):
    wang, to_wang = invited(app, "+8613812340051", "2045001", {"1": "王芳"})
    gateway = tencent_gateway(tencent)
    send(app, gateway)
    pushed_receipt = tencent.deliver(provider_id(app, to_wang))  # neither reached jinli
    pushed_reply = tencent.reply("+8613812340051", "参加", int(NOW.timestamp()) + 600)

    counts = reconcile(app.engine, gateway, LATER)

    assert (counts["pulled_receipts"], counts["pulled_replies"]) == (1, 1)
    assert state(app, to_wang) == ("delivered", None) and customer(app, wang) == (False, "confirmed")
    base = serve() + f"/callbacks/{SECRET}/tencent"  # the pushes arrive after all: idempotent
    assert ProviderMock.push(base + "/report", pushed_receipt)[0] == 200
    assert ProviderMock.push(base + "/reply", pushed_reply)[0] == 200
    assert replies_stored(app) == 1 and state(app, to_wang) == ("delivered", None)
