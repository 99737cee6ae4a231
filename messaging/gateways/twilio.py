"""The one module that knows Twilio: send an OutgoingSms with the official client, map its errors.

Nothing of Twilio's leaks out: callers get a SendResult or a SendError with a FailureKind.
Twilio has no idempotency key for creating a message, so a request that may have reached it
(read timeout, connection dropped after sending) is UNKNOWN_OUTCOME, never retried blindly.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError

from errors import ConfigError
from messaging.gateways.base import FailureKind, OutgoingSms, SendError, SendResult, SentRecord
from domain.phone import mask, mask_in_text
from settings import Settings

# Seconds, for connecting and for the answer; Twilio answers a create in well under a second,
# and a worker stuck longer than this is better spent on the next message.
DEFAULT_TIMEOUT = 10.0
STATUS_CALLBACK_PATH = "/twilio/status"

UNSUBSCRIBED_CODES = frozenset({21610})  # Attempt to send to unsubscribed recipient
INVALID_NUMBER_CODES = frozenset({21211, 21614})  # Invalid 'To' number; 'To' is not a mobile
# Too many requests, internal error, service unavailable, sender's queue full: all pass.
RETRYABLE_CODES = frozenset({20429, 20500, 20503, 21611})
# The reconciler's list query: enough for a day's texts to one number; clocks may differ by this much.
LIST_LIMIT, CLOCK_SKEW = 100, timedelta(minutes=5)


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client with every request sent to ``base_url`` (a local mock, a proxy)."""

    def __init__(self, base_url: str, *, timeout: float = DEFAULT_TIMEOUT):
        super().__init__(timeout=timeout)
        self.base = urlsplit(base_url.rstrip("/"))

    def request(self, method, url, *args, **kwargs):
        """Send as TwilioHttpClient does, to the same path on ``base_url``."""
        return super().request(method, self.rebase(url), *args, **kwargs)

    def rebase(self, url: str) -> str:
        """``https://api.twilio.com/2010-04-01/...`` -> ``<base_url>/2010-04-01/...``."""
        parts = urlsplit(url)
        return urlunsplit((self.base.scheme, self.base.netloc, self.base.path + parts.path, parts.query, ""))


class TwilioGateway:
    """Sends through Twilio's Messages API; safe to call from many threads at once."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str = "",
        from_numbers: tuple[str, ...] = (),
        messaging_service_sid: str = "",
        public_base_url: str = "",
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self._credentials = (account_sid, auth_token)
        self._sender = _sender(from_number or next(iter(from_numbers), ""), messaging_service_sid)
        self._pool = frozenset(n for n in (from_number, *from_numbers) if n)
        self._status_callback = _status_callback(public_base_url)
        self._base_url = base_url
        self._timeout = timeout
        self._local = threading.local()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        environ: Mapping[str, str] | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> TwilioGateway:
        """A gateway from [twilio] settings and TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN."""
        env = os.environ if environ is None else environ
        return cls(
            _required(env, "TWILIO_ACCOUNT_SID"),
            _required(env, "TWILIO_AUTH_TOKEN"),
            from_number=settings.twilio.from_number,
            from_numbers=tuple(settings.twilio.from_numbers),
            messaging_service_sid=settings.twilio.messaging_service_sid,
            public_base_url=settings.public_base_url,
            base_url=base_url or settings.twilio.api_base_url or None,
            timeout=settings.twilio.timeout_seconds if timeout == DEFAULT_TIMEOUT else timeout,
        )

    def send(self, sms: OutgoingSms) -> SendResult:
        """Create the message at Twilio; its SID is the provider id. Failures raise SendError."""
        try:
            message = self._client().messages.create(**self._params(sms))
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _provider_error(exc, sms) from None
        except requests.RequestException as exc:
            raise _transport_error(exc, sms) from None
        except ValueError as exc:  # a 2xx whose body is not JSON: accepted, but we cannot tell
            raise _failure(sms, f"unreadable answer: {exc}", FailureKind.UNKNOWN_OUTCOME) from None
        return _result(message.sid, message.status, sms)

    def fetch_status(self, provider_id: str) -> tuple[str, str | None] | None:
        """The message's current (status, error code) at Twilio, or None if Twilio cannot say now."""
        try:
            message = self._client().messages(provider_id).fetch()
        except (TwilioRestException, TwilioServiceException, requests.RequestException, ValueError):
            return None
        code = getattr(message, "error_code", None)
        return message.status, (str(code) if code else None)

    def find_sent(self, *, message_id: int, phone: str, body: str, since: datetime,
                  until: datetime) -> list[SentRecord] | None:
        """Twilio's messages to ``phone`` sent on the days ``since``..``until`` with this body and sender; None on any error.

        Twilio filters DateSent by whole days (UTC), so the day range is asked and the times are checked here.
        """
        try:
            listed = self._client().messages.list(
                to=phone, date_sent_after=_day(since - CLOCK_SKEW), date_sent_before=_day(until + CLOCK_SKEW),
                limit=LIST_LIMIT, **({"from_": self._sender["from_"]} if len(self._pool) == 1 else {}))
        except (TwilioException, requests.RequestException, ValueError):
            return None
        return [SentRecord(m.sid, m.date_sent, m.status) for m in listed if self._is_ours(m, body, since)]

    def _is_ours(self, message, body: str, since: datetime) -> bool:
        """Same text, from our number or service, not sent before the claim (a same-day earlier text)."""
        service = self._sender.get("messaging_service_sid")
        if service and getattr(message, "messaging_service_sid", None) not in (None, service):
            return False
        if len(self._pool) > 1 and getattr(message, "from_", None) not in self._pool:
            return False
        if message.date_sent is not None and message.date_sent < since - CLOCK_SKEW:
            return False
        return _same_text(message.body, body)

    def _params(self, sms: OutgoingSms) -> dict[str, str]:
        params = {"to": sms.to, "body": sms.body, **self._sender}
        if sms.sender:  # the pool's number the rate limiter chose for this text
            params["from_"] = sms.sender
        callback = sms.status_callback or self._status_callback
        if callback:
            params["status_callback"] = callback
        return params

    def _client(self) -> Client:
        # One client, hence one requests.Session, per thread: requests does not promise that a
        # Session is thread-safe, and a pool of one keep-alive connection per worker is plenty.
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = Client(*self._credentials, http_client=self._http_client())
        return client

    def _http_client(self) -> TwilioHttpClient:
        if self._base_url:
            return RebasedHttpClient(self._base_url, timeout=self._timeout)
        return TwilioHttpClient(timeout=self._timeout)


def _day(at: datetime) -> str:
    """Twilio's DateSent filter value: the UTC day, YYYY-MM-DD."""
    return at.astimezone(timezone.utc).date().isoformat()


def _same_text(theirs: str | None, ours: str) -> bool:
    """Equal up to Unicode compatibility forms and spacing (Twilio may normalise what it stores)."""
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).split())
    return theirs is not None and norm(theirs) == norm(ours)


def _required(env: Mapping[str, str], variable: str) -> str:
    value = env.get(variable, "").strip()
    if not value:
        raise ConfigError(f'{variable} is not set in the environment ([sms] gateway = "twilio" needs it)')
    return value


def _sender(from_number: str, messaging_service_sid: str) -> dict[str, str]:
    """Twilio's sender fields; with both set, Twilio sends from the number through the service."""
    sender = {}
    if from_number:
        sender["from_"] = from_number
    if messaging_service_sid:
        sender["messaging_service_sid"] = messaging_service_sid
    if not sender:
        raise ConfigError('[twilio] from_number or messaging_service_sid must be set for [sms] gateway = "twilio"')
    return sender


def _status_callback(public_base_url: str) -> str | None:
    if not public_base_url:
        return None
    if urlsplit(public_base_url).scheme not in {"http", "https"}:
        raise ConfigError(f"[twilio] public_base_url: expected an http(s):// URL, got {public_base_url!r}")
    return public_base_url.rstrip("/") + STATUS_CALLBACK_PATH


def _result(sid: str | None, status: str | None, sms: OutgoingSms) -> SendResult:
    if not sid:
        raise _failure(sms, "Twilio accepted the message but returned no SID", FailureKind.UNKNOWN_OUTCOME)
    return SendResult(provider_id=sid, status=status or "queued")


def _provider_error(exc: TwilioRestException | TwilioServiceException, sms: OutgoingSms) -> SendError:
    status = int(exc.status)
    # Without a Twilio code in the answer the library repeats the HTTP status as the code.
    code = exc.code if exc.code and exc.code != status else None
    text = exc.msg if isinstance(exc, TwilioRestException) else (exc.detail or exc.title)
    problem = f"HTTP {status}" + (f", Twilio error {code}" if code else "") + f": {text}"
    return _failure(sms, problem, _kind(status, code), code=str(code) if code else None)


def _kind(status: int, code: int | None) -> FailureKind:
    if code in UNSUBSCRIBED_CODES:
        return FailureKind.UNSUBSCRIBED
    if code in INVALID_NUMBER_CODES:
        return FailureKind.INVALID_NUMBER
    if status == 429 or status >= 500 or code in RETRYABLE_CODES:
        return FailureKind.RETRYABLE
    return FailureKind.PERMANENT


def _transport_error(exc: requests.RequestException, sms: OutgoingSms) -> SendError:
    return _failure(sms, f"{type(exc).__name__}: {exc}", _transport_kind(exc))


def _transport_kind(exc: requests.RequestException) -> FailureKind:
    """Retry only what cannot have reached Twilio; a request that may have reached it is unknown."""
    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.SSLError, requests.exceptions.ProxyError)):
        return FailureKind.RETRYABLE
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        # urllib3's NewConnectionError (refused, DNS) is a ConnectTimeoutError too: nothing was sent.
        return FailureKind.RETRYABLE if isinstance(reason, ConnectTimeoutError) else FailureKind.UNKNOWN_OUTCOME
    if isinstance(exc, (requests.ReadTimeout, requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return FailureKind.UNKNOWN_OUTCOME
    return FailureKind.PERMANENT  # a malformed URL or header: our configuration, not the network


def _failure(sms: OutgoingSms, problem: str, kind: FailureKind, *, code: str | None = None) -> SendError:
    where = f"twilio: message {sms.message_id} to {mask(sms.to)}"
    return SendError(f"{where}: {' '.join(mask_in_text(problem).split())}", kind=kind, code=code)
