"""Secrets never reach a log line, an error on the terminal or the outbox: they read ***, phones are masked."""

from __future__ import annotations

import io
import json
import logging

import click
import pytest
from click.testing import CliRunner

from cli import JinliGroup
from errors import GatewayError
from messaging.commands import outbox
from messaging.gateways import FailureKind, RecordingGateway, SendError
from schedules.logs import configure_logging
from tests.integration.test_dispatch import customer, dispatch, plan, row

pytestmark = pytest.mark.integration

TOKEN = "f00dfeedcafe0123456789abcdef4567"  # shaped like a Twilio auth token
ALIYUN = "AliyunSecret-9f8e7d6c5b4a"
TENCENT = "TencentKey-0a1b2c3d4e5f"
DB_PASSWORD = "pg-pass-771"


@pytest.fixture
def secrets(monkeypatch):
    """The provider secrets a shop's environment holds (after conftest hid the developer's own)."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", ALIYUN)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", TENCENT)
    monkeypatch.setenv("ANALYTICS_DATABASE_URL", f"postgresql://jinli:{DB_PASSWORD}@db.local/jinli")


@pytest.fixture
def log_stream():
    """configure_logging as the daemon does, to a buffer; root handlers put back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(stream=stream)
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def provider_echo(phone: str) -> SendError:
    return SendError(f"twilio: HTTP 401 for https://api.twilio.com: AC123:{TOKEN} rejected, To {phone}, "
                     f"aliyun {ALIYUN}, tencent {TENCENT}", kind=FailureKind.PERMANENT, code="20003")


def test_a_gateway_error_echoing_the_token_is_logged_stored_and_listed_as_stars(app, secrets, log_stream):
    who = customer(app)
    message_id = plan(app, who)
    gateway = RecordingGateway()
    gateway.fail_for(who[1], provider_echo(who[1]))
    assert dispatch(app, gateway).failed == 1

    logged = log_stream.getvalue()
    assert "message %s to 137****" % message_id in logged and "AC123:***" in logged
    assert TOKEN not in logged and ALIYUN not in logged and TENCENT not in logged and who[1] not in logged
    stored = row(app, message_id)["reason"]
    assert "***" in stored and TOKEN not in stored and ALIYUN not in stored and who[1] not in stored
    listed = CliRunner().invoke(outbox, ["list", "--state", "failed"], obj=app, catch_exceptions=False).output
    assert str(message_id) in listed and TOKEN not in listed and who[1][3:] not in listed


@pytest.fixture
def failing_cli():
    """A jinli-like command group whose commands raise what the test gives them."""

    @click.group(cls=JinliGroup)
    def root():
        pass

    @root.command("boom")
    @click.argument("kind")
    def boom(kind):
        text = f"HTTP 401: token {TOKEN} for +8613812348000 at postgresql://jinli:{DB_PASSWORD}@db.local/jinli"
        raise GatewayError(text) if kind == "gateway" else RuntimeError(text)

    return lambda *args: CliRunner().invoke(root, list(args), catch_exceptions=False)


@pytest.mark.parametrize("kind, code", [("gateway", 1), ("bug", 70)])
def test_the_cli_prints_errors_with_secrets_and_phones_hidden(failing_cli, secrets, kind, code):
    result = failing_cli("boom", kind)
    assert result.exit_code == code
    assert "token *** for 138****8000 at postgresql://jinli:***@db.local/jinli" in result.output
    assert TOKEN not in result.output and DB_PASSWORD not in result.output


def test_a_handler_added_after_set_up_gets_redacted_records_too(secrets, log_stream, caplog):
    with caplog.at_level(logging.INFO, logger="jinli.test"):
        logging.getLogger("jinli.test").warning("provider said %s to %s", f"bad token {TOKEN}", "+8613812348000")
    assert caplog.messages == ["provider said bad token *** to 138****8000"]
    assert log_stream.getvalue().rstrip().endswith("provider said bad token *** to 138****8000")


def test_tracebacks_are_redacted_in_text_and_json_logs(secrets):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        for json_lines in (False, True):
            stream = io.StringIO()
            configure_logging(json_lines=json_lines, stream=stream)
            try:
                raise RuntimeError(f"auth {TOKEN} for 13812348000")
            except RuntimeError:
                logging.getLogger("jinli.test").exception("send failed")
            out = stream.getvalue()
            assert TOKEN not in out and "13812348000" not in out and "auth *** for 138****8000" in out
            if json_lines:
                assert json.loads(out)["error"] == "RuntimeError: auth *** for 138****8000"
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
