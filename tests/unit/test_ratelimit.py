"""The token bucket honours its rate on a fake clock: nothing here sleeps."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from errors import ConfigError
from messaging.ratelimit import Routed, SenderPool, TokenBucket, Unlimited, limiter_for, sending_limiter
from settings import settings_from_dict


class FakeTime:
    """A monotonic clock that only moves when someone sleeps; records every sleep (thread-safe)."""

    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def bucket(time: FakeTime, rate: float, burst: int = 1) -> TokenBucket:
    return TokenBucket(rate, burst, monotonic=time.monotonic, sleep=time.sleep)


def test_back_to_back_acquires_are_spaced_one_interval_apart():
    time = FakeTime()
    limiter = bucket(time, rate=10)
    waits = [limiter.acquire() for _ in range(21)]
    assert waits[0] == 0
    assert waits == pytest.approx([i * 0.1 for i in range(21)])  # each reserved the next free slot
    assert time.slept == pytest.approx(waits[1:])


def test_time_that_passed_is_not_slept_again_and_idle_time_does_not_accumulate():
    time = FakeTime()
    limiter = bucket(time, rate=2)
    limiter.acquire()
    time.advance(0.2)
    assert limiter.acquire() == pytest.approx(0.3)  # due 0.5 s after the first
    time.advance(60)
    assert [limiter.acquire() for _ in range(3)] == pytest.approx([0, 0.5, 1.0])  # burst 1: no saved-up tokens


def test_a_burst_goes_out_at_once_then_the_rate_applies():
    time = FakeTime()
    limiter = bucket(time, rate=4, burst=3)
    assert [limiter.acquire() for _ in range(5)] == pytest.approx([0, 0, 0, 0.25, 0.5])


def test_threads_share_the_rate():
    time = FakeTime()
    limiter = bucket(time, rate=5)
    threads = [threading.Thread(target=lambda: [limiter.acquire() for _ in range(10)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 80 tokens at 5/s on a clock that never moved: slots 0, 0.2, ... 15.8 s, each handed out once.
    assert sorted(time.slept) == pytest.approx([i * 0.2 for i in range(1, 80)])


@pytest.mark.parametrize("rate, expected", [(10.0, TokenBucket), (0.5, TokenBucket), (0, Unlimited), (-1, Unlimited)])
def test_a_rate_of_zero_means_no_limit(rate, expected):
    assert isinstance(limiter_for(rate), expected)


def test_a_bucket_needs_a_positive_rate():
    with pytest.raises(ConfigError, match="-2"):
        TokenBucket(-2)


# --- segments as the cost, senders and accounts ----------------------------------------------------

def test_a_two_segment_text_costs_two_tokens():
    time = FakeTime()
    limiter = bucket(time, rate=10)
    assert [limiter.acquire(2) for _ in range(4)] == pytest.approx([0, 0.2, 0.4, 0.6])


def test_a_sender_pool_alternates_its_numbers_each_at_its_own_rate():
    time = FakeTime()
    pool = SenderPool(("+15005550006", "+15005550007"), 10, monotonic=time.monotonic, sleep=time.sleep)
    chosen = [pool.pace("+8613800000000", 2) for _ in range(6)]
    assert chosen == ["+15005550006", "+15005550007"] * 3
    assert sorted(time.slept) == pytest.approx([0.2, 0.2, 0.4, 0.4])  # per number: 0, 0.2, 0.4 s
    assert pool.rate == 20


def settings_for(**sections) -> object:
    return settings_from_dict(sections, base_dir=Path("."))


def test_twilio_gets_a_bucket_per_number_and_a_domestic_account_one_bucket():
    settings = settings_for(sms={"gateway": "twilio", "rate_per_second": 10.0, "routes": {"CN": "aliyun", "default": "twilio"}},
                            twilio={"from_number": "+15005550006", "from_numbers": ["+15005550007"]})
    limiter = sending_limiter(settings)
    assert isinstance(limiter, Routed)
    twilio, aliyun = limiter.limiters["twilio"], limiter.limiters["aliyun"]
    assert isinstance(twilio, SenderPool) and twilio.senders == ("+15005550006", "+15005550007")
    assert isinstance(aliyun, TokenBucket) and aliyun.rate == 10


def test_a_messaging_service_without_numbers_is_paced_as_one_sender():
    settings = settings_for(sms={"gateway": "twilio"}, twilio={"messaging_service_sid": "MG" + "0" * 32})
    limiter = sending_limiter(settings)
    assert isinstance(limiter, TokenBucket) and limiter.pace("+8613800000000") is None


def test_a_pool_number_that_is_not_e164_is_refused():
    with pytest.raises(ConfigError, match=r"\[twilio\] from_numbers: '5550006' is not an E.164 number"):
        settings_for(twilio={"from_numbers": ["+15005550006", "5550006"]})
