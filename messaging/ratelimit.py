"""A token bucket for the gateway: at most ``rate`` sends a second, shared by every sending thread."""

from __future__ import annotations

import threading
import time
from typing import Callable

from errors import ConfigError


class TokenBucket:
    """``rate`` tokens a second, up to ``burst`` at once; ``acquire`` blocks until a token is free.

    Each caller reserves its slot under the lock and sleeps outside it (virtual scheduling), so
    many threads waiting at once still leave ``1 / rate`` seconds between their sends.
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

    def acquire(self) -> float:
        """Take one token, sleeping until it is due; returns the seconds slept."""
        with self._lock:
            now = self._monotonic()
            due = max(self._next, now)
            wait = max(0.0, due - now - self._allowance)
            self._next = due + self.interval
        if wait:
            self._sleep(wait)
        return wait


class Unlimited:
    """No rate limit ([sms] rate_per_second = 0)."""

    def acquire(self) -> float:
        return 0.0


def limiter_for(rate_per_second: float) -> TokenBucket | Unlimited:
    """The limiter [sms] rate_per_second asks for; zero or less means none."""
    return TokenBucket(rate_per_second) if rate_per_second > 0 else Unlimited()
