"""Why a service the suite needs is missing: the set-up's own reason (.ci/services.sh), else a default.

Read at import, before the autouse fixture hides JINLI_* variables from the code under test.
"""

from __future__ import annotations

import os

import pytest

_GAPS = {name: os.environ.get(f"JINLI_TEST_NO_{name.upper()}") for name in ("postgres", "twilio_mock", "chromium")}


def why_missing(service: str, default: str) -> str:
    """The reason to show: what .ci/services.sh said when it could not start ``service``, else ``default``."""
    said = _GAPS.get(service)
    return f"{default}; make test's set-up said: {said}" if said else default


def unavailable(reason: str) -> None:
    """On CI a missing service is a broken set-up (fail loudly); elsewhere skip, naming the reason."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)
