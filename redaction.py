"""One rule for every log line and error jinli prints: secrets become ***, phone numbers are masked.

Secrets are the values of environment variables named TWILIO_AUTH_TOKEN, JINLI_STAFF_TOKEN or
anything ending in _SECRET, _TOKEN, _PASSWORD or _KEY (ALIYUN_ACCESS_KEY_SECRET, TENCENTCLOUD_SECRET_KEY
...), the passwords inside any URL-valued variable, and any ``scheme://user:password@`` in the text.
Values shorter than MIN_SECRET characters are left alone: replacing "1" or "true" everywhere would
garble every line, and such a value protects nothing.
"""

from __future__ import annotations

import logging
import os
import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from domain.phone import mask_in_text

SECRET_NAMES = frozenset({"TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET", "JINLI_STAFF_TOKEN", "PGPASSWORD"})
SECRET_SUFFIXES = ("_SECRET", "_TOKEN", "_PASSWORD", "_KEY")
MIN_SECRET = 8
HIDDEN = "***"
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)([^\s@/]+)(@)")
_PLAIN = logging.Formatter()


def secret_values(environ=None) -> frozenset[str]:
    """The secret values in ``environ`` (default: os.environ), each at least MIN_SECRET long."""
    environ = os.environ if environ is None else environ
    found = {value for name, value in environ.items() if _is_secret_name(name)}
    found |= {_url_password(value) for value in environ.values() if "://" in value}
    return frozenset(v for v in found if v and len(v) >= MIN_SECRET)


def _is_secret_name(name: str) -> bool:
    upper = name.upper()
    return upper in SECRET_NAMES or upper.endswith(SECRET_SUFFIXES)


def _url_password(value: str) -> str | None:
    try:
        password = urlsplit(value.strip()).password
    except ValueError:
        return None
    return unquote(password) if password else None


def redact_secrets(text: str, environ=None) -> str:
    """``text`` with every secret value and every URL password replaced by ***."""
    pattern = _pattern(secret_values(environ))
    if pattern is not None:
        text = pattern.sub(HIDDEN, text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + HIDDEN + m.group(3), text)


@lru_cache(maxsize=8)
def _pattern(values: frozenset[str]) -> re.Pattern | None:
    # Longest first, so a secret containing another is replaced whole.
    return re.compile("|".join(map(re.escape, sorted(values, key=len, reverse=True)))) if values else None


def redact(text: str, environ=None) -> str:
    """What may leave the process: secrets replaced by ***, then phone numbers masked (138****8000)."""
    return mask_in_text(redact_secrets(str(text), environ))


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message and traceback text redacted (arguments merged into the message)."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it at emit time; still hide what it holds
        message = str(record.msg)
    record.msg, record.args = redact(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(_PLAIN.formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install_log_redaction() -> None:
    """Redact every log record as it is made, whatever handler (added now or later) writes it. Idempotent.

    A filter on the root logger misses records of child loggers, and one on a handler misses
    handlers added later (a library's, a test's): the record factory sees them all.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "jinli_redacts", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        return redact_record(current(*args, **kwargs))

    factory.jinli_redacts = True
    logging.setLogRecordFactory(factory)
