import io
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from errors import ConfigError, GatewayError
from messaging.gateways import (
    ConsoleGateway,
    DryRunGateway,
    FailureKind,
    FileGateway,
    OutgoingSms,
    RecordingGateway,
    SendError,
    SendResult,
    failure_kind,
    make_gateway,
)
from messaging.gateways.twilio import RebasedHttpClient, _transport_kind
from settings import settings_from_dict

SMS = OutgoingSms(message_id=7, to="+8613812348000", body="【金福金行】张女士您好\n周六见回T退订")
OTHER = OutgoingSms(message_id=8, to="+8613912349999", body="王先生您好")


def send_from_threads(gateway, messages, threads=8):
    """Send every message, spread over ``threads`` threads; returns the results."""
    results, lock = [], threading.Lock()

    def worker(chunk):
        for sms in chunk:
            result = gateway.send(sms)
            with lock:
                results.append(result)

    workers = [threading.Thread(target=worker, args=(messages[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


def many(n):
    return [OutgoingSms(message_id=i, to=f"+86138{i:08d}", body=f"第{i}条") for i in range(n)]


# --- SendError and kinds -------------------------------------------------------------------------

@pytest.mark.parametrize("kind, retryable", [(k, k is FailureKind.RETRYABLE) for k in FailureKind], ids=str)
def test_send_error_is_retryable_only_for_retryable_kind(kind, retryable):
    error = SendError("x", kind=kind, code="21610")
    assert isinstance(error, GatewayError)
    assert (error.retryable, error.kind, error.code, failure_kind(error)) == (retryable, kind, "21610", kind)


@pytest.mark.parametrize(
    "error, kind",
    [(GatewayError("x", retryable=True), FailureKind.RETRYABLE), (GatewayError("x"), FailureKind.PERMANENT)],
    ids=["retryable", "not retryable"],
)
def test_failure_kind_of_a_plain_gateway_error(error, kind):
    assert failure_kind(error) is kind


# --- RecordingGateway ----------------------------------------------------------------------------

def test_recording_gateway_records_and_numbers_provider_ids():
    gateway = RecordingGateway()
    assert [gateway.send(SMS), gateway.send(OTHER)] == [SendResult("FAKE000001", "queued"), SendResult("FAKE000002", "queued")]
    assert gateway.sent == [SMS, OTHER]


def test_recording_gateway_fails_for_a_number():
    gateway, error = RecordingGateway(), SendError("opted out", kind=FailureKind.UNSUBSCRIBED, code="21610")
    gateway.fail_for(SMS.to, error)
    for _ in range(2):
        with pytest.raises(SendError) as caught:
            gateway.send(SMS)
        assert caught.value is error
    gateway.send(OTHER)
    assert (gateway.sent, gateway.attempted) == ([OTHER], [SMS, SMS, OTHER])


def test_recording_gateway_fails_a_number_a_given_number_of_times():
    gateway = RecordingGateway()
    gateway.fail_for(SMS.to, SendError("busy", kind=FailureKind.RETRYABLE), times=2)
    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(gateway.send(SMS).provider_id)
        except SendError as exc:
            outcomes.append(exc.kind)
    assert outcomes == [FailureKind.RETRYABLE, FailureKind.RETRYABLE, "FAKE000001"]


def test_recording_gateway_is_thread_safe():
    gateway, messages = RecordingGateway(), many(800)
    results = send_from_threads(gateway, messages)
    assert sorted(r.provider_id for r in results) == [f"FAKE{i:06d}" for i in range(1, 801)]
    assert sorted(s.message_id for s in gateway.sent) == list(range(800))


# --- console, file, dry run ----------------------------------------------------------------------

def test_console_gateway_prints_masked_numbers():
    stream = io.StringIO()
    result = ConsoleGateway(stream).send(SMS)
    assert result == SendResult("CONSOLE000001", "sent")
    assert stream.getvalue() == "#7 → 138****8000\n    【金福金行】张女士您好\n    周六见回T退订\n"
    assert "13812348000" not in stream.getvalue()


def test_console_gateway_defaults_to_stdout_at_send_time(capsys):
    ConsoleGateway().send(OTHER)
    assert "139****9999" in capsys.readouterr().out


FIXED = datetime(2025, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))


def test_file_gateway_appends_json_lines_and_creates_the_folder(tmp_path):
    path = tmp_path / "var" / "out" / "sent.jsonl"
    gateway = FileGateway(path, clock=lambda: FIXED)
    results = [gateway.send(SMS), gateway.send(OTHER)]
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"id": 7, "to": "+8613812348000", "body": SMS.body, "provider_id": results[0].provider_id, "at": "2025-05-01T01:30:00+00:00"},
        {"id": 8, "to": "+8613912349999", "body": "王先生您好", "provider_id": results[1].provider_id, "at": "2025-05-01T01:30:00+00:00"},
    ]
    assert "张女士" in path.read_text(encoding="utf-8")  # readable UTF-8, not \u escapes
    assert results[0].status == "sent" and results[0].provider_id != results[1].provider_id


def test_file_gateway_is_thread_safe(tmp_path):
    path = tmp_path / "sent.jsonl"
    send_from_threads(FileGateway(path), many(400))
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in records) == list(range(400))


def test_dry_run_gateway_sends_nothing():
    assert DryRunGateway().send(SMS) == SendResult("DRYRUN7", "dry-run")


# --- make_gateway --------------------------------------------------------------------------------

def settings(tmp_path, **sections):
    return settings_from_dict(sections, base_dir=tmp_path)


@pytest.mark.parametrize("name, cls", [("console", ConsoleGateway), ("file", FileGateway)])
def test_make_gateway_from_settings(tmp_path, name, cls):
    gateway = make_gateway(settings(tmp_path, sms={"gateway": name}))
    assert isinstance(gateway, cls) and gateway.name == name


def test_make_gateway_file_path_is_relative_to_the_config(tmp_path):
    gateway = make_gateway(settings(tmp_path, sms={"gateway": "file", "file_path": "out/x.jsonl"}))
    assert gateway.path == tmp_path / "out" / "x.jsonl"


def test_make_gateway_console_uses_the_given_stream(tmp_path):
    stream = io.StringIO()
    make_gateway(settings(tmp_path, sms={"gateway": "console"}), stream=stream).send(SMS)
    assert "138****8000" in stream.getvalue()


def test_make_gateway_dry_run_wins(tmp_path):
    gateway = make_gateway(settings(tmp_path, sms={"gateway": "twilio"}), dry_run=True)
    assert isinstance(gateway, DryRunGateway)


def test_make_gateway_twilio(tmp_path, monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
    gateway = make_gateway(settings(tmp_path, sms={"gateway": "twilio"}, twilio={"from_number": "+15005550006"}))
    assert gateway.name == "twilio"


@pytest.mark.parametrize(
    "env, twilio, fragment",
    [
        ({"TWILIO_AUTH_TOKEN": "secret"}, {"from_number": "+15005550006"}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_ACCOUNT_SID": "AC1"}, {"from_number": "+15005550006"}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "secret"}, {}, "from_number or messaging_service_sid"),
        (
            {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "secret"},
            {"from_number": "+15005550006", "public_base_url": "sms.example.com"},
            "public_base_url",
        ),
    ],
    ids=["no account sid", "no auth token", "no sender", "callback base not a URL"],
)
def test_make_gateway_twilio_config_errors(tmp_path, monkeypatch, env, twilio, fragment):
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=fragment):
        make_gateway(settings(tmp_path, sms={"gateway": "twilio"}, twilio=twilio))


# --- twilio: the pure parts (the real client is exercised in tests/integration) -------------------

def test_rebased_http_client_keeps_path_and_query():
    client = RebasedHttpClient("http://127.0.0.1:4010/mock/")
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=5"
    assert client.rebase(url) == "http://127.0.0.1:4010/mock/2010-04-01/Accounts/AC1/Messages.json?PageSize=5"


@pytest.mark.parametrize(
    "exc, kind",
    [
        (requests.ConnectTimeout("connect timed out"), FailureKind.RETRYABLE),
        (requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused"))), FailureKind.RETRYABLE),
        (requests.exceptions.SSLError("bad handshake"), FailureKind.RETRYABLE),
        (requests.exceptions.ProxyError("proxy down"), FailureKind.RETRYABLE),
        (requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())), FailureKind.UNKNOWN_OUTCOME),
        (requests.ReadTimeout("read timed out"), FailureKind.UNKNOWN_OUTCOME),
        (requests.exceptions.ChunkedEncodingError("cut"), FailureKind.UNKNOWN_OUTCOME),
        (requests.exceptions.InvalidURL("no host"), FailureKind.PERMANENT),
    ],
    ids=["connect timeout", "refused", "tls", "proxy", "aborted after sending", "read timeout", "cut answer", "bad url"],
)
def test_twilio_transport_errors_retry_only_what_never_left(exc, kind):
    assert _transport_kind(exc) is kind
