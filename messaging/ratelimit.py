"""Sending rate limits counted in SMS segments, as providers count them.

Twilio limits each sender (10 segments a second outside the US), so a Twilio number pool gets one
token bucket per number and each text goes to the number free soonest. Aliyun and Tencent limit the
account, so each gets one bucket. A two-segment text costs two tokens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from errors import ConfigError


class Limiter(Protocol):
    """Waits until a text of ``segments`` parts to ``phone`` may leave; returns the sender to use (None: the default)."""

    rate: float

    def pace(self, phone: str, segments: int = 1) -> str | None: ...


class TokenBucket:
    """``rate`` tokens a second, up to ``burst`` at once; ``acquire`` blocks until the tokens are free.

    Each caller reserves its slot under the lock and sleeps outside it (virtual scheduling), so
    many threads waiting at once still leave ``cost / rate`` seconds between their sends.
    """

    def __init__(self, rate: float, burst: int = 1, *, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0 or burst < 1:
            raise ConfigError(f"rate limit: expected a positive rate and a burst of at least 1, got {rate!r}/{burst!r}")
        self.rate = rate
        self.interval = 1.0 / rate
        self._allowance = (burst - 1) * self.interval
        self._next = float("-inf")  # when the next token is due, in monotonic seconds
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self, cost: int = 1) -> float:
        """Take ``cost`` tokens, sleeping until they are due; returns the seconds slept."""
        wait = self.reserve(cost)
        if wait:
            self._sleep(wait)
        return wait

    def reserve(self, cost: int = 1) -> float:
        """Book ``cost`` tokens without sleeping; returns how long the caller must wait for them."""
        with self._lock:
            now = self._monotonic()
            due = max(self._next, now)
            self._next = due + cost * self.interval
            return max(0.0, due - now - self._allowance)

    def free_at(self) -> float:
        """When this bucket's next token is due (monotonic seconds; -inf when idle)."""
        with self._lock:
            return self._next

    def pace(self, phone: str, segments: int = 1) -> None:
        """One account's limit: wait for ``segments`` tokens; the gateway's own sender is used."""
        self.acquire(segments)


class SenderPool:
    """Several senders (Twilio numbers), each within its own ``rate`` segments a second; each text
    goes to the sender whose bucket frees soonest, so the pool shares the work evenly."""

    def __init__(self, senders: tuple[str, ...], rate: float, *, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if not senders:
            raise ConfigError("rate limit: a sender pool needs at least one sender")
        self.senders = tuple(senders)
        self.rate = rate * len(self.senders)
        self._buckets = [TokenBucket(rate, monotonic=monotonic, sleep=sleep) for _ in self.senders]
        self._sleep = sleep
        self._lock = threading.Lock()

    def pace(self, phone: str, segments: int = 1) -> str:
        """Wait for ``segments`` tokens of the soonest-free sender; returns that sender."""
        with self._lock:  # choosing and booking together: two threads never book the same slot
            index = min(range(len(self._buckets)), key=lambda i: self._buckets[i].free_at())
            wait = self._buckets[index].reserve(segments)
        if wait:
            self._sleep(wait)
        return self.senders[index]


class Routed:
    """One limiter per gateway, chosen by the destination (as [sms] routes choose the gateway)."""

    def __init__(self, limiters: Mapping[str, Limiter], route: Callable[[str], str]):
        self.limiters = dict(limiters)
        self._route = route
        self.rate = sum(limiter.rate for limiter in self.limiters.values())

    def pace(self, phone: str, segments: int = 1) -> str | None:
        """The serving gateway's limiter decides."""
        return self.limiters[self._route(phone)].pace(phone, segments)


class Unlimited:
    """No rate limit ([sms] rate_per_second = 0)."""

    rate = 0.0

    def acquire(self, cost: int = 1) -> float:
        return 0.0

    def pace(self, phone: str, segments: int = 1) -> None:
        return None


def limiter_for(rate_per_second: float) -> TokenBucket | Unlimited:
    """One account's limiter at ``rate_per_second`` segments a second; zero or less means none."""
    return TokenBucket(rate_per_second) if rate_per_second > 0 else Unlimited()


def gateway_limiter(settings, name: str) -> Limiter:
    """A gateway's limiter: a pool of buckets for Twilio's numbers, one bucket per domestic account."""
    rate = settings.sms.rate_per_second
    if rate <= 0:
        return Unlimited()
    senders = settings.twilio.sender_pool if name == "twilio" else ()
    return SenderPool(senders, rate) if senders else TokenBucket(rate)


def sending_limiter(settings) -> Limiter:
    """The limiter for the gateway(s) [sms] gateway and [sms] routes configure."""
    from messaging.gateways import gateway_name_for

    routes = settings.sms.routes
    if not routes:
        return gateway_limiter(settings, settings.sms.gateway)
    names = set(routes.values()) | {settings.sms.gateway}
    return Routed({name: gateway_limiter(settings, name) for name in names},
                  lambda phone: gateway_name_for(settings, phone))
