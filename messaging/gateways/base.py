"""What every SMS gateway accepts, returns and raises, plus the recording test double.

A gateway sends one message and returns the provider's id, or raises ``SendError`` whose ``kind``
tells the outbox what to do next: retry later, record an opt-out, mark the number invalid, fail
the message for good, or hold it for review when it may already be on its way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from errors import GatewayError


@dataclass(frozen=True)
class OutgoingSms:
    """One text to send: the outbox row it comes from, an E.164 number and the final body.

    Domestic Chinese gateways (aliyun, tencent) send no free text: they send ``template_code`` with
    ``template_params`` (the variables by name, in the approved template's order) and refuse a
    message without a template code as a configuration error.
    """

    message_id: int
    to: str
    body: str
    status_callback: str | None = None
    template_code: str | None = None
    template_params: dict[str, str] | None = None
    sender: str | None = None  # the pool's number the rate limiter chose (Twilio); None: the gateway's own


@dataclass(frozen=True)
class SendResult:
    """What the provider said: its id for the message and its status ('queued', 'sent', ...)."""

    provider_id: str
    status: str


@dataclass(frozen=True)
class SentRecord:
    """One message the provider says it accepted: its id, when it left (if known), its status word."""

    provider_id: str
    sent_at: datetime | None
    status: str | None  # the provider's own status word, if it gave one


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt: the outbox id it names (OutId / SessionContext) or the provider's id, and the outcome."""

    message_id: int | None
    provider_id: str | None
    phone: str  # digits as the provider wrote them (national, or with the country code)
    status: str  # delivered | undelivered
    error_code: str | None = None


@dataclass(frozen=True)
class InboundText:
    """A reply from a phone, with the key that makes it idempotent across callback and pull."""

    key: str
    phone: str
    body: str
    at: datetime | None


class FailureKind(StrEnum):
    """Why a send failed, in the terms the outbox acts on."""

    RETRYABLE = "retryable"  # rate limit, provider 5xx, could not connect: try again later
    UNSUBSCRIBED = "unsubscribed"  # the recipient opted out at the provider (Twilio 21610)
    INVALID_NUMBER = "invalid_number"  # not a number the provider can text (21211, 21614)
    PERMANENT = "permanent"  # anything else the provider refused: retrying changes nothing
    # The request left but no answer came back (a read timeout, a dropped connection): the text
    # may have been sent. Not retryable, because a duplicate text is worse than a late one.
    UNKNOWN_OUTCOME = "unknown_outcome"
    # Our side is wrong, not this message: template or signature not approved, wrong credentials,
    # account out of credit. Every message of the campaign would fail the same way, so the outbox
    # puts the message back and holds the campaign until staff fix the cause and release it.
    CONFIGURATION = "configuration"


class SendError(GatewayError):
    """A failed send; ``kind`` says why and ``retryable`` is true only for RETRYABLE."""

    def __init__(self, message: str, *, kind: FailureKind, code: str | None = None):
        super().__init__(message, code=code, retryable=kind is FailureKind.RETRYABLE)
        self.kind = kind


def failure_kind(error: GatewayError) -> FailureKind:
    """The kind of any GatewayError, also one raised without a kind (then from ``retryable``)."""
    kind = getattr(error, "kind", None)
    if kind is not None:
        return FailureKind(kind)
    return FailureKind.RETRYABLE if error.retryable else FailureKind.PERMANENT


class SmsGateway(Protocol):
    """Sends one SMS; failures raise GatewayError (usually SendError with a kind)."""

    name: str

    def send(self, sms: OutgoingSms) -> SendResult: ...

    # Optional, where the provider can answer (twilio, aliyun, tencent):
    # def find_sent(self, *, message_id: int, phone: str, body: str, since: datetime, until: datetime) -> list[SentRecord] | None:
    #     """What the provider says it sent for this outbox message: [] = nothing found, None = cannot answer."""
    # def fetch_status(self, provider_id: str) -> tuple[str, str | None] | None:
    #     """The message's current (status, error code) at the provider, or None if it cannot say now."""


class RecordingGateway:
    """The test double: records what was sent, fakes provider ids, fails on demand; thread-safe."""

    name = "recording"

    def __init__(self) -> None:
        self.sent: list[OutgoingSms] = []
        self.attempted: list[OutgoingSms] = []
        self._failures: dict[str, tuple[GatewayError, int | None]] = {}
        self._lock = threading.Lock()

    def fail_for(self, to: str, error: GatewayError, *, times: int | None = None) -> None:
        """Raise ``error`` for sends to ``to``: always, or only the next ``times`` attempts."""
        with self._lock:
            self._failures[to] = (error, times)

    def send(self, sms: OutgoingSms) -> SendResult:
        """Record ``sms`` and return FAKE000001, FAKE000002, ...; or raise the failure set for it."""
        with self._lock:
            self.attempted.append(sms)
            self._raise_failure(sms.to)
            self.sent.append(sms)
            return SendResult(provider_id=f"FAKE{len(self.sent):06d}", status="queued")

    def find_sent(self, *, message_id: int, phone: str, body: str, since: datetime,
                  until: datetime) -> list[SentRecord] | None:
        """What this double accepted to ``phone`` with ``body`` (times unknown: it keeps none)."""
        with self._lock:
            return [SentRecord(f"FAKE{n:06d}", None, "queued") for n, sms in enumerate(self.sent, 1)
                    if (sms.to, sms.body) == (phone, body)]

    def _raise_failure(self, to: str) -> None:
        error, times = self._failures.get(to, (None, None))
        if error is None:
            return
        if times == 1:
            del self._failures[to]
        elif times is not None:
            self._failures[to] = (error, times - 1)
        raise error
