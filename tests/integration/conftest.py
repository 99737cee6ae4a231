"""Fixtures for tests against real services: the Twilio mock, a canned Twilio, ..."""

from __future__ import annotations

import pytest

from tests.integration.aliyun_mock import AliyunMock
from tests.integration.tencent_mock import TencentMock
from tests.integration.twilio_mock import CannedTwilio, TwilioMock, missing_tools
from tests.services import unavailable, why_missing


@pytest.fixture(scope="session")
def twilio_mock_server(tmp_path_factory):
    """Prism serving Twilio's OpenAPI spec behind a recording proxy; started once per run."""
    reason = missing_tools()
    if reason:
        unavailable(why_missing("twilio_mock", reason))
    mock = TwilioMock(log=tmp_path_factory.mktemp("prism") / "prism.log")
    yield mock
    mock.close()


@pytest.fixture
def twilio_mock(twilio_mock_server):
    """The session's Twilio mock, its record of received requests emptied for this test."""
    twilio_mock_server.clear()
    return twilio_mock_server


@pytest.fixture
def canned_twilio():
    """A loopback server answering like Twilio with whatever the test sets via ``.answer()``."""
    server = CannedTwilio()
    yield server
    server.close()


@pytest.fixture
def aliyun():
    """The Aliyun SMS mock (signature-verifying), on a free loopback port; a module may define its own."""
    mock = AliyunMock()
    yield mock
    mock.close()


@pytest.fixture
def tencent():
    """The Tencent Cloud SMS mock (signature-verifying), on a free loopback port."""
    mock = TencentMock()
    yield mock
    mock.close()
