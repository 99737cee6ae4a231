"""The real twilio client, through messaging.gateways.twilio, against Twilio's spec and canned answers."""

import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

import pytest
from twilio.base.exceptions import TwilioException

from errors import GatewayError
from messaging.gateways import FailureKind, OutgoingSms, SendError
from messaging.gateways.twilio import TwilioGateway
from settings import settings_from_dict
from tests.integration.counting_twilio import CountingTwilio
from tests.integration.twilio_mock import ACCOUNT_SID, AUTH_TOKEN, MESSAGES_PATH, CannedAnswer, free_port, twilio_error

pytestmark = pytest.mark.integration

FROM = "+15005550006"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
BODY = "【金福金行】张女士您好,周六沙龙「你敢我也敢」邀您携友同来,随手礼已备好🎁回T退订"
SMS = OutgoingSms(message_id=42, to="+8613812348000", body=BODY)
ENV = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}


def gateway(tmp_path, base_url, timeout=10.0, **twilio):
    settings = settings_from_dict({"twilio": twilio or {"from_number": FROM}}, base_dir=tmp_path)
    return TwilioGateway.from_settings(settings, environ=ENV, base_url=base_url, timeout=timeout)


def send_failure(gw, sms=SMS) -> SendError:
    with pytest.raises(SendError) as caught:
        gw.send(sms)
    return caught.value


# --- against Prism (Twilio's OpenAPI contract) ---------------------------------------------------

def test_chinese_sms_reaches_twilio_with_sender_body_and_basic_auth(tmp_path, twilio_mock):
    result = gateway(tmp_path, twilio_mock.base_url).send(SMS)
    [request] = twilio_mock.received
    assert (request.method, request.path, request.status) == ("POST", MESSAGES_PATH, 201)
    assert request.basic_auth() == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert request.form == {"To": "+8613812348000", "From": FROM, "Body": BODY}
    assert result.provider_id.startswith("SM") and result.status == "queued"


def test_messaging_service_sid_instead_of_a_from_number(tmp_path, twilio_mock):
    gateway(tmp_path, twilio_mock.base_url, messaging_service_sid=SERVICE_SID).send(SMS)
    [request] = twilio_mock.received
    assert request.form == {"To": "+8613812348000", "MessagingServiceSid": SERVICE_SID, "Body": BODY}


@pytest.mark.parametrize(
    "public_base_url, per_message, expected",
    [
        ("", None, None),
        ("https://sms.example.com", None, "https://sms.example.com/twilio/status"),
        ("https://sms.example.com/jinli/", None, "https://sms.example.com/jinli/twilio/status"),
        ("https://sms.example.com", "https://other.example.com/cb?id=42", "https://other.example.com/cb?id=42"),
    ],
    ids=["no public url, no callback", "callback from public url", "public url with a path", "per-message callback wins"],
)
def test_status_callback_only_with_a_public_base_url(tmp_path, twilio_mock, public_base_url, per_message, expected):
    gw = gateway(tmp_path, twilio_mock.base_url, from_number=FROM, public_base_url=public_base_url)
    gw.send(OutgoingSms(message_id=1, to="+8613812348000", body="您好", status_callback=per_message))
    [request] = twilio_mock.received
    assert (request.status, request.form.get("StatusCallback")) == (201, expected)


def test_a_request_the_spec_rejects_is_a_permanent_failure(tmp_path, twilio_mock):
    sms = OutgoingSms(message_id=43, to="+8613812348000", body="您好", status_callback="not a url")
    error = send_failure(gateway(tmp_path, twilio_mock.base_url), sms)
    assert [r.status for r in twilio_mock.received] == [422]
    assert (error.kind, error.retryable, error.code) == (FailureKind.PERMANENT, False, None)
    assert str(error).startswith("twilio: message 43 to 138****8000: HTTP 422")


def test_concurrent_sends_from_many_threads(tmp_path, twilio_mock):
    gw = gateway(tmp_path, twilio_mock.base_url)
    messages = [OutgoingSms(message_id=i, to=f"+86138{i:08d}", body=f"第{i}条") for i in range(24)]
    threads = [threading.Thread(target=lambda chunk=messages[i::6]: [gw.send(m) for m in chunk]) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    received = twilio_mock.received
    assert sorted((r.form["To"], r.form["Body"]) for r in received) == sorted((m.to, m.body) for m in messages)
    assert {r.status for r in received} == {201}
    assert {r.basic_auth() for r in received} == {(ACCOUNT_SID, AUTH_TOKEN)}


# --- against a canned server (Twilio's error answers, broken networks) ---------------------------

@pytest.mark.parametrize(
    "answer, kind, code",
    [
        (twilio_error(21610, message="Attempt to send to unsubscribed recipient"), FailureKind.UNSUBSCRIBED, "21610"),
        (twilio_error(21211, message="The 'To' number +8613812348000 is not a valid phone number."), FailureKind.INVALID_NUMBER, "21211"),
        (twilio_error(21614, message="'To' number is not a valid mobile number"), FailureKind.INVALID_NUMBER, "21614"),
        (twilio_error(20429, status=429, message="Too Many Requests"), FailureKind.RETRYABLE, "20429"),
        (twilio_error(20500, status=500, message="Internal Server Error"), FailureKind.RETRYABLE, "20500"),
        (CannedAnswer(503, "<html>Service Unavailable</html>"), FailureKind.RETRYABLE, None),
        (CannedAnswer(429, {"message": "slow down", "status": 429}), FailureKind.RETRYABLE, None),
        (twilio_error(21611, message="This 'From' number has exceeded the maximum number of queued messages"), FailureKind.RETRYABLE, "21611"),
        (twilio_error(21408, message="Permission to send an SMS has not been enabled for the region"), FailureKind.PERMANENT, "21408"),
        (twilio_error(20003, status=401, message="Authenticate"), FailureKind.PERMANENT, "20003"),
        (
            CannedAnswer(400, {"type": "https://www.twilio.com/docs/errors/21610", "title": "Unsubscribed recipient",
                               "status": 400, "code": 21610, "detail": "Attempt to send to unsubscribed recipient"}),
            FailureKind.UNSUBSCRIBED,
            "21610",
        ),
        (CannedAnswer(201, "this is not JSON"), FailureKind.UNKNOWN_OUTCOME, None),
        (CannedAnswer(201, {"status": "queued"}), FailureKind.UNKNOWN_OUTCOME, None),
    ],
    ids=["21610 unsubscribed", "21211 invalid To", "21614 not a mobile", "429 rate limited", "500", "503 html",
         "429 without code", "21611 queue full", "21408 region not enabled", "401 bad credentials",
         "rfc 9457 problem", "2xx not JSON", "2xx without sid"],
)
def test_twilio_errors_map_to_failure_kinds(tmp_path, canned_twilio, answer, kind, code):
    canned_twilio.answer(answer)
    error = send_failure(gateway(tmp_path, canned_twilio.base_url))
    assert (error.kind, error.retryable, error.code) == (kind, kind is FailureKind.RETRYABLE, code)
    assert isinstance(error, GatewayError) and str(error).startswith("twilio: message 42 to 138****8000: ")


def test_errors_name_the_message_mask_numbers_and_leak_nothing_of_twilio(tmp_path, canned_twilio):
    canned_twilio.answer(twilio_error(21211, message="The 'To' number +8613812348000 is not a valid phone number."))
    error = send_failure(gateway(tmp_path, canned_twilio.base_url))
    assert str(error) == (
        "twilio: message 42 to 138****8000: HTTP 400, Twilio error 21211: "
        "Unable to create record: The 'To' number 138****8000 is not a valid phone number."
    )
    assert not isinstance(error, TwilioException) and error.__cause__ is None and error.__suppress_context__


def test_a_read_timeout_is_an_unknown_outcome_not_a_retry(tmp_path, canned_twilio):
    canned_twilio.answer(CannedAnswer(delay=1.0))
    error = send_failure(gateway(tmp_path, canned_twilio.base_url, timeout=0.2))
    assert (error.kind, error.retryable) == (FailureKind.UNKNOWN_OUTCOME, False)
    assert "ReadTimeout" in str(error)


def test_connection_refused_is_retryable(tmp_path):
    error = send_failure(gateway(tmp_path, f"http://127.0.0.1:{free_port()}"))
    assert (error.kind, error.retryable) == (FailureKind.RETRYABLE, True)
    assert "ConnectionError" in str(error)


def test_success_against_the_canned_server(tmp_path, canned_twilio):
    result = gateway(tmp_path, canned_twilio.base_url).send(SMS)
    assert (result.provider_id, result.status) == (f"SM{1:032x}", "queued")


# --- what Twilio sent: the reconciler's list query -----------------------------------------------------

def test_the_list_query_is_one_twilio_s_contract_accepts(tmp_path, twilio_mock):
    since = datetime(2025, 6, 2, 1, 0, tzinfo=timezone.utc)
    found = gateway(tmp_path, twilio_mock.base_url).find_sent(message_id=42, phone=SMS.to, body=BODY, since=since,
                                                             until=since + timedelta(minutes=11))
    request = twilio_mock.received[0]  # Prism's example page links to itself: the client reads up to its limit
    assert (request.method, request.path.split("?")[0]) == ("GET", MESSAGES_PATH)
    assert {(r.method, r.status) for r in twilio_mock.received} == {("GET", 200)}
    query = dict(parse_qsl(request.path.split("?")[1]))
    assert {k: query[k] for k in ("To", "From", "DateSent>", "DateSent<")} == {
        "To": SMS.to, "From": FROM, "DateSent>": "2025-06-02", "DateSent<": "2025-06-02"}
    assert isinstance(found, list)  # an answer (Prism's example messages are not ours), not "cannot say"


def test_find_sent_finds_what_twilio_accepted_by_number_body_and_day(tmp_path):
    server = CountingTwilio()
    try:
        gw = gateway(tmp_path, server.base_url)
        since = datetime.now(timezone.utc)
        sid = gw.send(SMS).provider_id
        gw.send(OutgoingSms(message_id=43, to=SMS.to, body="另一条"))
        gw.send(OutgoingSms(message_id=44, to="+8613812348001", body=BODY))
        until = since + timedelta(minutes=10)
        [found] = gw.find_sent(message_id=42, phone=SMS.to, body=BODY, since=since, until=until)
        assert (found.provider_id, found.status) == (sid, "sent")
        assert abs(found.sent_at - since) < timedelta(minutes=1)
        assert gw.find_sent(message_id=45, phone=SMS.to, body="从未发过", since=since, until=until) == []
        tomorrow = since + timedelta(days=1)
        assert gw.find_sent(message_id=42, phone=SMS.to, body=BODY, since=tomorrow, until=tomorrow) == []
    finally:
        server.close()


def test_find_sent_cannot_say_when_twilio_cannot_be_reached(tmp_path):
    gw = gateway(tmp_path, f"http://127.0.0.1:{free_port()}")
    now = datetime.now(timezone.utc)
    assert gw.find_sent(message_id=42, phone=SMS.to, body=BODY, since=now, until=now) is None
