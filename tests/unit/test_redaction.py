"""redaction: which environment values are secrets, and what a redacted line looks like."""

from __future__ import annotations

import pytest

from redaction import redact, redact_secrets, secret_values

ENV = {
    "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
    "JINLI_STAFF_TOKEN": "door-secret-2025",
    "ALIYUN_ACCESS_KEY_SECRET": "aliyun-secret-value",
    "TENCENTCLOUD_SECRET_KEY": "tencent-secret-value",
    "PGPASSWORD": "libpq-password",  # named, though it has no underscore before PASSWORD
    "PASSWORDLESS": "not-a-secret-name",
    "SMTP_PASSWORD": "smtp-password-1",
    "JINLI_DATABASE_URL": "postgresql+psycopg://jinli:p%40ss-word-9@db.local:5432/jinli",
    "SOME_FEATURE_KEY": "1",  # too short to be a secret; replacing "1" would garble every line
    "HOME": "/root",
}


def test_secret_values_by_name_suffix_and_url_password():
    assert secret_values(ENV) == {"0123456789abcdef0123456789abcdef", "door-secret-2025", "aliyun-secret-value",
                                  "tencent-secret-value", "smtp-password-1", "p@ss-word-9", "libpq-password"}


@pytest.mark.parametrize("text, expected", [
    ("401 for token 0123456789abcdef0123456789abcdef", "401 for token ***"),
    ("aliyun-secret-value/tencent-secret-value", "***/***"),
    ("login p@ss-word-9 refused", "login *** refused"),
    ("redis://user:short@cache:6379/0 down", "redis://user:***@cache:6379/0 down"),
    ("send to +8613812348000 and 13912345678", "send to 138****8000 and 139****5678"),
    ("SOME_FEATURE_KEY=1 and id 1", "SOME_FEATURE_KEY=1 and id 1"),
])
def test_redact(text, expected):
    assert redact(text, ENV) == expected


def test_a_secret_containing_another_is_hidden_whole():
    env = {"A_TOKEN": "abcdefgh", "B_TOKEN": "abcdefgh-ijkl"}
    assert redact_secrets("x abcdefgh-ijkl y abcdefgh", env) == "x *** y ***"
