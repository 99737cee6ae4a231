"""The outbox through the domestic gateways: campaign holds on configuration errors, routing by destination."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from itertools import count

import pytest
from sqlalchemy import insert, select

from messaging.dispatch import send_due_messages
from messaging.gateways import RoutingGateway, make_gateway
from messaging.gateways.aliyun import AliyunGateway
from messaging.gateways.tencent import TencentGateway
from messaging.ratelimit import Unlimited
from records import models
from tests.factories import NOW, add_customer
from tests.integration import aliyun_mock, tencent_mock

pytestmark = pytest.mark.integration
_seq = count(1)
outbox_t = models.OutboxMessage.__table__


def plan(app, phone: str, campaign: str, template: str, params: dict) -> int:
    """A customer and one planned outbox row carrying a template code and variables, due at NOW."""
    n = next(_seq)
    with app.engine.begin() as conn:
        customer_id = add_customer(conn, phone)
        return conn.execute(insert(outbox_t).values(
            key=f"{campaign}·{n}", campaign_id=campaign, occurrence_on=date(2025, 6, 2), step="invite",
            customer_id=customer_id, phone=phone, body=f"王芳您好，{campaign}邀您携友同来。拒收请回复R",
            template_code=template, template_params=json.dumps(params, ensure_ascii=False),
            due_at=NOW, planned_at=NOW - timedelta(hours=1))).inserted_primary_key[0]


def rows(app) -> dict[int, dict]:
    with app.engine.connect() as conn:
        return {r["id"]: dict(r) for r in conn.execute(select(outbox_t)).mappings()}


def holds(app) -> list[dict]:
    t = models.CampaignHold.__table__
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t)).mappings()]


def dispatch(app, gateway, settings=None, now=NOW):
    return send_due_messages(app.engine, gateway, settings or app.settings, now, worker="w1", limiter=Unlimited())


def test_a_wrong_secret_holds_the_campaign_and_fails_no_message(app, cli, tencent):
    """The Tencent mock refuses the signature; each message goes back to planned and the campaign is held."""
    ids = [plan(app, f"+86138123480{i:02d}", "salons", "2045001", {"1": "王芳"}) for i in range(3)]
    wrong = TencentGateway(tencent_mock.SECRET_ID, "not-the-secret", sign_name="金福金行",
                           sdk_app_id=tencent_mock.SDK_APP_ID, endpoint=tencent.url)
    summary = dispatch(app, wrong)

    assert (summary.sent, summary.failed, summary.stuck) == (0, 0, 0)
    assert {(r["state"], r["attempts"]) for r in rows(app).values()} == {("planned", 0)}
    [hold] = holds(app)
    assert (hold["campaign_id"], hold["error_code"], hold["message_id"] in ids) == ("salons", "AuthFailure.SignatureFailure", True)
    assert "AuthFailure.SignatureFailure" in hold["reason"] and tencent.sent == []
    refused = len(tencent.refused)

    assert dispatch(app, wrong, now=NOW + timedelta(minutes=5)).handled == 0  # held: nothing claimed
    assert len(tencent.refused) == refused
    shown = cli("outbox", "holds").output
    assert "活动 salons 自" in shown and "起挂起" in shown and "AuthFailure.SignatureFailure" in shown

    cli("outbox", "release", "salons")
    right = TencentGateway(tencent_mock.SECRET_ID, tencent_mock.SECRET_KEY, sign_name="金福金行",
                           sdk_app_id=tencent_mock.SDK_APP_ID, endpoint=tencent.url)
    assert dispatch(app, right, now=NOW + timedelta(minutes=10)).sent == 3
    assert sorted(s.session_context for s in tencent.sent) == sorted(str(i) for i in ids)
    assert holds(app) == []


def test_a_rejected_template_holds_only_its_campaign(app, aliyun):
    salon = plan(app, "+8613812348101", "salons", "SMS_465920001", {"name": "王芳"})
    birthday = [plan(app, f"+86138123482{i:02d}", "birthday", "SMS_000000000", {"name": "李雷"}) for i in range(2)]
    gateway = AliyunGateway(aliyun_mock.ACCESS_KEY_ID, aliyun_mock.ACCESS_KEY_SECRET, sign_name="金福金行", endpoint=aliyun.url)

    summary = dispatch(app, gateway)

    after = rows(app)
    assert (summary.sent, summary.failed) == (1, 0)
    assert after[salon]["state"] == "sent" and after[salon]["provider_id"] == aliyun.sent[0].biz_id
    assert [after[i]["state"] for i in birthday] == ["planned", "planned"]
    assert [(h["campaign_id"], h["error_code"]) for h in holds(app)] == [("birthday", "isv.SMS_TEMPLATE_ILLEGAL")]


def test_a_release_of_a_campaign_that_is_not_held_names_it(cli):
    result = cli("outbox", "release", "nosuch")
    assert result.exit_code != 0 and "活动 'nosuch' 未被挂起" in result.output


def test_routing_sends_china_through_aliyun_and_the_rest_through_the_file_gateway(app, aliyun, monkeypatch, tmp_path):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", aliyun_mock.ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", aliyun_mock.ACCESS_KEY_SECRET)
    s = app.settings
    settings = dataclasses.replace(
        s, sms=dataclasses.replace(s.sms, gateway="twilio", routes={"CN": "aliyun", "default": "file"},
                                   file_path=str(tmp_path / "sent.jsonl")),
        aliyun=dataclasses.replace(s.aliyun, sign_name="金福金行", endpoint=aliyun.url))
    china = plan(app, "+8613812348300", "salons", "SMS_465920001", {"name": "王芳"})
    abroad = plan(app, "+12025550123", "salons", "SMS_465920001", {"name": "Wang"})

    gateway = make_gateway(settings)
    summary = dispatch(app, gateway, settings)

    assert isinstance(gateway, RoutingGateway) and sorted(gateway.gateways) == ["aliyun", "file"]  # no twilio needed
    assert summary.sent == 2
    [sent] = aliyun.sent
    assert (sent.phone_numbers, sent.out_id, sent.template_code, sent.template_param) == (
        "13812348300", str(china), "SMS_465920001", {"name": "王芳"})
    [line] = [json.loads(x) for x in (tmp_path / "sent.jsonl").read_text(encoding="utf-8").splitlines()]
    assert (line["id"], line["to"]) == (abroad, "+12025550123")
    after = rows(app)
    assert (after[china]["state"], after[china]["provider_id"]) == ("sent", sent.biz_id)
    assert (after[abroad]["state"], after[abroad]["provider_id"]) == ("sent", line["provider_id"])
