"""Contract tests: the real Aliyun and Tencent SDKs over HTTP against local mocks that verify their signatures."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from messaging.gateways import FailureKind, OutgoingSms, SendError
from messaging.gateways.aliyun import AliyunGateway
from messaging.gateways.tencent import TencentGateway
from tests.integration import aliyun_mock, tencent_mock
from tests.integration.aliyun_mock import AliyunSent
from tests.integration.tencent_mock import TencentSent

pytestmark = pytest.mark.integration

PHONE = "+8613812348000"


def real_now() -> datetime:
    """The real clock, read when a test runs (not at import: a slow suite may reach it minutes later);
    the SDKs sign with it and the mocks check it."""
    return datetime.now(timezone.utc)


def aliyun_gateway(url: str, *, secret: str = aliyun_mock.ACCESS_KEY_SECRET, key_id: str = aliyun_mock.ACCESS_KEY_ID,
                   timeout: float = 5.0) -> AliyunGateway:
    return AliyunGateway(key_id, secret, sign_name="【金福金行】", endpoint=url, timeout=timeout)


def tencent_gateway(url: str, *, secret: str = tencent_mock.SECRET_KEY, secret_id: str = tencent_mock.SECRET_ID,
                    timeout: float = 5.0) -> TencentGateway:
    return TencentGateway(secret_id, secret, sign_name="金福金行", sdk_app_id=tencent_mock.SDK_APP_ID, endpoint=url,
                          timeout=timeout)


def aliyun_sms(to: str = PHONE, template: str | None = "SMS_465920001", message_id: int = 42) -> OutgoingSms:
    return OutgoingSms(message_id, to, "王芳您好，周六沙龙邀您携友同来。拒收请回复R", template_code=template,
                       template_params={"name": "王芳"})


def tencent_sms(to: str = PHONE, template: str | None = "2045001", message_id: int = 42) -> OutgoingSms:
    return OutgoingSms(message_id, to, "王芳您好，周六沙龙邀您携友同来。拒收请回复R", template_code=template,
                       template_params={"1": "王芳"})


def failure(gateway, sms: OutgoingSms) -> SendError:
    with pytest.raises(SendError) as caught:
        gateway.send(sms)
    return caught.value


# --- what reaches the provider ------------------------------------------------------------------

def test_aliyun_receives_template_code_sign_name_variables_and_the_outbox_id(aliyun):
    result = aliyun_gateway(aliyun.url).send(aliyun_sms())
    [sent] = aliyun.sent
    assert sent == AliyunSent(phone_numbers="13812348000", sign_name="金福金行", template_code="SMS_465920001",
                              template_param={"name": "王芳"}, out_id="42", biz_id=result.provider_id,
                              send_date=sent.send_date)
    assert (result.provider_id, result.status) == ("900619746936498440^0", "queued")


def test_tencent_receives_template_id_sign_name_positional_variables_and_the_outbox_id(tencent):
    sms = OutgoingSms(7, PHONE, "王芳您好，周六沙龙", template_code="2045002", template_params={"2": "周六", "1": "王芳"})
    tencent.templates["2045002"] = 2
    result = tencent_gateway(tencent.url).send(sms)
    [sent] = tencent.sent
    assert sent == TencentSent(phone=PHONE, sign_name="金福金行", template_id="2045002", params=["王芳", "周六"],
                               session_context="7", serial_no=result.provider_id, sent_at=sent.sent_at)
    assert result.provider_id.startswith("5000:")


@pytest.mark.parametrize("make, sms", [(aliyun_gateway, aliyun_sms), (tencent_gateway, tencent_sms)], ids=["aliyun", "tencent"])
def test_a_message_without_a_template_code_is_a_configuration_error_and_nothing_is_sent(aliyun, tencent, make, sms):
    mock = aliyun if make is aliyun_gateway else tencent
    error = failure(make(mock.url), sms(template=None))
    assert error.kind is FailureKind.CONFIGURATION
    assert "no template code" in str(error) and "138****8000" in str(error)
    assert mock.sent == [] and mock.refused == []


@pytest.mark.parametrize("value", ["王 芳&=+/?%", "Zoë 100% ~ok"], ids=["cjk-and-reserved", "latin"])
def test_aliyun_signature_holds_for_variables_with_spaces_and_reserved_characters(aliyun, value):
    sms = OutgoingSms(1, PHONE, "…", template_code="SMS_465920001", template_params={"name": value})
    aliyun_gateway(aliyun.url).send(sms)
    assert [s.template_param for s in aliyun.sent] == [{"name": value}] and aliyun.refused == []


@pytest.mark.parametrize("make, sms", [(aliyun_gateway, aliyun_sms), (tencent_gateway, tencent_sms)], ids=["aliyun", "tencent"])
def test_concurrent_sends_from_many_threads_each_arrive_once(aliyun, tencent, make, sms):
    mock = aliyun if make is aliyun_gateway else tencent
    gateway = make(mock.url)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: gateway.send(sms(to=f"+86138123481{n:02d}", message_id=n)), range(24)))
    ids = sorted(int(getattr(s, "out_id", None) or s.session_context) for s in mock.sent)
    assert ids == list(range(24)) and len({r.provider_id for r in results}) == 24


# --- error mapping ------------------------------------------------------------------------------

@pytest.mark.parametrize("script, sms, kind, code", [
    ({"13812348000": "isv.BUSINESS_LIMIT_CONTROL"}, aliyun_sms(), FailureKind.RETRYABLE, "isv.BUSINESS_LIMIT_CONTROL"),
    ({}, aliyun_sms(to="+86123"), FailureKind.INVALID_NUMBER, "isv.MOBILE_NUMBER_ILLEGAL"),
    ({}, aliyun_sms(template="SMS_000000000"), FailureKind.CONFIGURATION, "isv.SMS_TEMPLATE_ILLEGAL"),
], ids=["throttled", "invalid-number", "template-rejected"])
def test_aliyun_refusals_map_to_failure_kinds(aliyun, script, sms, kind, code):
    for phone, answer in script.items():
        aliyun.answer_for(phone, answer)
    error = failure(aliyun_gateway(aliyun.url), sms)
    assert (error.kind, error.code, error.retryable) == (kind, code, kind is FailureKind.RETRYABLE)
    assert aliyun.sent == [] and [r["code"] for r in aliyun.refused] == [code]


def test_aliyun_signature_rejected_is_a_configuration_error(aliyun):
    aliyun.sign_names = {"别的签名"}
    error = failure(aliyun_gateway(aliyun.url), aliyun_sms())
    assert (error.kind, error.code) == (FailureKind.CONFIGURATION, "isv.SMS_SIGNATURE_ILLEGAL")


@pytest.mark.parametrize("script, sms, kind, code", [
    ({PHONE: "LimitExceeded.PhoneNumberThirtySecondLimit"}, tencent_sms(), FailureKind.RETRYABLE,
     "LimitExceeded.PhoneNumberThirtySecondLimit"),
    ({}, tencent_sms(to="+86123"), FailureKind.INVALID_NUMBER, "InvalidParameterValue.IncorrectPhoneNumber"),
    ({}, tencent_sms(template="999999"), FailureKind.CONFIGURATION, "FailedOperation.TemplateIncorrectOrUnapproved"),
    ({PHONE: "FailedOperation.PhoneNumberInBlacklist"}, tencent_sms(), FailureKind.UNSUBSCRIBED,
     "FailedOperation.PhoneNumberInBlacklist"),
], ids=["throttled", "invalid-number", "template-rejected", "blacklisted"])
def test_tencent_refusals_map_to_failure_kinds(tencent, script, sms, kind, code):
    for phone, answer in script.items():
        tencent.answer_for(phone, answer)
    error = failure(tencent_gateway(tencent.url), sms)
    assert (error.kind, error.code, error.retryable) == (kind, code, kind is FailureKind.RETRYABLE)
    assert tencent.sent == [] and [r["code"] for r in tencent.refused] == [code]


@pytest.mark.parametrize("options, code", [
    ({"secret": "not-the-secret"}, "SignatureDoesNotMatch"),
    ({"key_id": "LTAI5tSomeoneElse0000000"}, "InvalidAccessKeyId.NotFound"),
], ids=["wrong-secret", "unknown-key"])
def test_aliyun_mock_refuses_a_wrong_signature_and_jinli_calls_it_a_configuration_error(aliyun, options, code):
    error = failure(aliyun_gateway(aliyun.url, **options), aliyun_sms())
    assert (error.kind, error.code) == (FailureKind.CONFIGURATION, code)
    assert aliyun.sent == [] and [r["code"] for r in aliyun.refused] == [code]
    assert "not-the-secret" not in str(error)


@pytest.mark.parametrize("options, code", [
    ({"secret": "not-the-secret"}, "AuthFailure.SignatureFailure"),
    ({"secret_id": "AKIDsomeoneElse"}, "AuthFailure.SecretIdNotFound"),
], ids=["wrong-secret", "unknown-id"])
def test_tencent_mock_refuses_a_wrong_signature_and_jinli_calls_it_a_configuration_error(tencent, options, code):
    error = failure(tencent_gateway(tencent.url, **options), tencent_sms())
    assert (error.kind, error.code) == (FailureKind.CONFIGURATION, code)
    assert tencent.sent == [] and [r["code"] for r in tencent.refused] == [code]


# --- transport ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("make, sms", [(aliyun_gateway, aliyun_sms), (tencent_gateway, tencent_sms)], ids=["aliyun", "tencent"])
def test_connection_refused_is_retryable(make, sms):
    error = failure(make(f"http://127.0.0.1:{free_port()}"), sms())
    assert (error.kind, error.retryable) == (FailureKind.RETRYABLE, True)
    assert "ConnectionError" in str(error)


@pytest.mark.parametrize("make, sms", [(aliyun_gateway, aliyun_sms), (tencent_gateway, tencent_sms)], ids=["aliyun", "tencent"])
def test_a_read_timeout_is_an_unknown_outcome_not_a_retry(make, sms):
    with socket.socket() as silent:  # accepts the connection (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        error = failure(make(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.2), sms())
    assert (error.kind, error.retryable) == (FailureKind.UNKNOWN_OUTCOME, False)
    assert "ReadTimeout" in str(error)


# --- what the provider says it sent -------------------------------------------------------------

def test_aliyun_find_sent_matches_the_outbox_id_in_query_send_details(aliyun):
    gateway, now = aliyun_gateway(aliyun.url), real_now()
    first = gateway.send(aliyun_sms(message_id=41))
    gateway.send(aliyun_sms(message_id=42))
    aliyun.receipts[first.provider_id] = 3
    window = dict(phone=PHONE, body="", since=now - timedelta(hours=1), until=now + timedelta(minutes=5))
    [record] = gateway.find_sent(message_id=41, **window)
    assert record.status == "delivered" and abs(record.sent_at - now) < timedelta(minutes=5)
    assert [r.status for r in gateway.find_sent(message_id=42, **window)] == ["waiting"]
    assert gateway.find_sent(message_id=43, **window) == []


def test_tencent_find_sent_matches_the_session_context_in_pulled_receipts(tencent):
    gateway, now = tencent_gateway(tencent.url), real_now()
    first = gateway.send(tencent_sms(message_id=41))
    gateway.send(tencent_sms(message_id=42))
    window = dict(phone=PHONE, body="", since=now - timedelta(hours=1), until=now + timedelta(minutes=5))
    [record] = gateway.find_sent(message_id=41, **window)
    assert (record.provider_id, record.status) == (first.provider_id, "SUCCESS")
    assert gateway.find_sent(message_id=43, **window) == []


@pytest.mark.parametrize("make", [aliyun_gateway, tencent_gateway], ids=["aliyun", "tencent"])
def test_find_sent_cannot_answer_when_the_provider_is_unreachable(make):
    gateway = make(f"http://127.0.0.1:{free_port()}")
    assert gateway.find_sent(message_id=1, phone=PHONE, body="", since=real_now() - timedelta(hours=1), until=real_now()) is None
