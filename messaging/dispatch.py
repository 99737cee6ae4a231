"""send_due_messages: claim the due messages, send them in parallel at the allowed rate, record each outcome.

The pipeline: claim a batch (committed as 'sending'), hand it to the pool, record outcomes in chunks as
they come back, claim the next batch while the pool still has work.
"""

from __future__ import annotations

import json
import logging
import math
import queue
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Callable, Iterator, Mapping

from sqlalchemy import Connection, Engine

from errors import GatewayError
from messaging.gateways import FailureKind, OutgoingSms, SmsGateway, failure_kind
from messaging.optouts import is_opted_out
from messaging.outbox import Outcome, claim_batch, count_due, decide, due_query, record_outcomes, release, suppress_claimed
from domain.phone import mask, mask_in_text
from messaging.ratelimit import Limiter, sending_limiter
from messaging.segments import count_segments
from messaging.suppression import SendPolicy
from records.transactions import write_transaction
from settings import Settings, SmsSettings

log = logging.getLogger("jinli.outbox")
STATUS_CALLBACK_PATH = "/twilio/status"  # served by messaging.webhooks
RECORD_EVERY, RECORD_AFTER_S = 50, 0.5  # outcomes are recorded this many at a time, or this long after coming back
CLAIM_SECONDS = 2.0  # under a rate limit, a claim holds at most about this many seconds of sends
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DispatchSummary:
    """What one run did (a dry run: would do); ``stuck`` messages stay in 'sending' for staff."""

    sent: int = 0
    failed: int = 0
    deferred: int = 0
    retried: int = 0
    stuck: int = 0
    suppressed: Counter = field(default_factory=Counter)
    held: int = 0  # put back to planned: their campaign is held for a configuration error

    @property
    def handled(self) -> int:
        return (self.sent + self.failed + self.deferred + self.retried + self.stuck + self.held
                + sum(self.suppressed.values()))

    def __add__(self, other: DispatchSummary) -> DispatchSummary:
        return DispatchSummary(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __str__(self) -> str:
        suppressed = ", ".join(f"{reason} {n}" for reason, n in sorted(self.suppressed.items())) or "none"
        return (f"sent {self.sent}, retried {self.retried}, failed {self.failed}, deferred {self.deferred}, "
                f"stuck {self.stuck}, held {self.held}, suppressed: {suppressed}")


def send_due_messages(engine: Engine, gateway: SmsGateway, settings: Settings, now: datetime, *, worker: str,
                      limit: int | None = None, dry_run: bool = False, on_progress: Progress | None = None,
                      limiter: Limiter | None = None, batch_size: int | None = None,
                      stop: Callable[[], bool] | None = None, stamp: datetime | None = None) -> DispatchSummary:
    """Send each message due at ``now`` once (at most ``limit`` handled); a dry run claims and sends nothing.

    ``stamp`` is the real time recorded on the rows (sending_at, sent_at) when ``now`` is a simulated
    day's clock (`jinli run --date`); by default ``now`` itself.

    Messages are claimed ``[sms] claim_size`` at a time (``batch_size`` overrides it) and committed as
    'sending' before any is sent; the pool sends them while their outcomes are recorded in chunks as
    they come back, and the next claim is made before the pool runs dry.

    ``stop`` is asked before each claim and before each send: a stopping daemon claims no more, lets
    the sends already under way finish and records them, and puts the claimed messages that never
    reached the gateway back to 'planned', so a clean stop leaves nothing in 'sending'.
    """
    policy = SendPolicy.from_settings(settings)
    if dry_run:
        return preview(engine, now, policy, limit)
    limiter = limiter or sending_limiter(settings)
    run = _Run(engine, gateway, settings, now, worker, limiter, stop, stamp)
    with engine.connect() as conn:
        total = min(count_due(conn, now), limit if limit is not None else math.inf)
    run.dispatch(policy, batch_size or claim_size(settings.sms, limiter), limit,
                 (lambda: on_progress(run.tally.handled, max(total, run.tally.handled))) if on_progress else None)
    log.info("%s at %s: %s", worker, now.isoformat(), run.tally)
    return run.tally


def claim_size(sms: SmsSettings, limiter: Limiter) -> int:
    """Messages claimed per transaction: ``[sms] claim_size``, but under a rate limit no more than about
    CLAIM_SECONDS' worth (at least ``concurrency``), so a crash strands few messages in 'sending'."""
    size = sms.claim_size
    rate = getattr(limiter, "rate", None)
    if rate:
        size = min(size, max(sms.concurrency, math.ceil(rate * CLAIM_SECONDS)))
    return max(size, 1)


def preview(engine: Engine, now: datetime, policy: SendPolicy, limit: int | None = None) -> DispatchSummary:
    """What a run at ``now`` would do with the due messages, without locking or changing anything."""
    with engine.connect() as conn:
        decided = decide(conn, conn.execute(due_query(now, limit)).mappings().all(), now, policy, lock=False)
    actions = Counter(v.action for _, v in decided)
    suppressed = Counter(v.reason for _, v in decided if v.action == "suppress")
    return DispatchSummary(sent=actions["send"], deferred=actions["defer"], suppressed=suppressed)


def status_callback_url(settings: Settings) -> str | None:
    """Where the provider reports delivery: ``<public_base_url>/twilio/status``, when there is a public URL."""
    base = settings.public_base_url
    return base + STATUS_CALLBACK_PATH if base else None


class _Unsent:
    """A claimed message the pool never handed to the gateway (the run was stopping)."""

    __slots__ = ("message",)

    def __init__(self, message: Mapping):
        self.message = message


class _OptedOut:
    """A claimed message whose customer opted out after the claim: checked just before the send, never sent."""

    __slots__ = ("message",)

    def __init__(self, message: Mapping):
        self.message = message


class _Run:
    """One run's collaborators, its pipeline of claimed messages and its running totals.

    The calling thread claims and records (every database write); the pool's threads only send.
    Each send puts its Outcome (or _Unsent) on ``done``; the calling thread records them in chunks
    of RECORD_EVERY, or RECORD_AFTER_S after the oldest unrecorded one came back, whichever first.
    """

    def __init__(self, engine: Engine, gateway: SmsGateway, settings: Settings, now: datetime, worker: str, limiter,
                 stop: Callable[[], bool] | None = None, stamp: datetime | None = None):
        self.engine, self.gateway, self.sms, self.now, self.worker = engine, gateway, settings.sms, now, worker
        self.stamp = stamp or now
        self.limiter = limiter
        self.callback = status_callback_url(settings)
        self.stop = stop or (lambda: False)
        self.halt = threading.Event()  # the calling thread failed: send nothing more
        self.held: set[str] = set()  # campaigns a configuration error stopped in this run: send no more of them
        self.done: queue.SimpleQueue = queue.SimpleQueue()
        self.tally = DispatchSummary()
        self.readers = threading.local()  # each pool thread's connection for the opt-out check
        self.opened: list[Connection] = []
        self.opened_lock = threading.Lock()

    def dispatch(self, policy: SendPolicy, size: int, limit: int | None, progress: Callable[[], None] | None) -> None:
        threads = max(self.sms.concurrency, 1)
        # Claim again when no more than this is in flight, so the pool never waits for a claim; never
        # more than one claim ahead, so at most size + low_water messages are in 'sending' at once.
        low_water = min(size - 1, max(2 * threads, size // 4))
        taken, in_flight, drained = 0, 0, False
        back: list[Outcome | _Unsent | _OptedOut] = []  # came back, not yet recorded
        oldest = 0.0
        with self.reading(), ThreadPoolExecutor(threads, thread_name_prefix="jinli-send") as pool:
            try:
                while True:
                    wanted = size if limit is None else min(size, limit - taken)
                    if not drained and wanted > 0 and in_flight <= low_water and not self.stop():
                        claim = claim_batch(self.engine, self.now, self.worker, wanted, policy, self.stamp)
                        taken, drained = taken + claim.taken, claim.taken == 0
                        for message in claim.to_send:
                            pool.submit(self.send, message)
                            in_flight += 1
                        if claim.deferred or claim.suppressed:
                            self.tally += DispatchSummary(deferred=claim.deferred, suppressed=claim.suppressed)
                            if progress:
                                progress()
                        continue
                    if not in_flight:
                        break
                    wait = None if not back else max(0.0, oldest + RECORD_AFTER_S - time.monotonic())
                    try:
                        item = self.done.get(timeout=wait)
                    except queue.Empty:
                        item = None
                    if item is not None:
                        if not back:
                            oldest = time.monotonic()
                        back.append(item)
                        in_flight -= 1
                        while in_flight and len(back) < RECORD_EVERY:
                            try:
                                back.append(self.done.get_nowait())
                            except queue.Empty:
                                break
                            in_flight -= 1
                    if back and (len(back) >= RECORD_EVERY or not in_flight
                                 or time.monotonic() - oldest >= RECORD_AFTER_S):
                        self.record(back)
                        back = []
                        if progress:
                            progress()
            except BaseException:
                self.halt.set()  # the sends not yet started come back unsent
                self._settle(back, in_flight)
                raise

    def _settle(self, back: list, in_flight: int) -> None:
        """After a failure in the calling thread: wait for the sends under way and record what came back."""
        while in_flight:
            back.append(self.done.get())
            in_flight -= 1
        try:
            self.record(back)
        except Exception:  # noqa: BLE001 - the first error is the one raised; this one is logged
            log.exception("%s: could not record %s outcomes after an error; they stay in 'sending'", self.worker, len(back))

    def send(self, message: Mapping) -> None:
        """Send one claimed message (in a pool thread) and hand back its outcome; never raises."""
        outcome: Outcome | _Unsent | _OptedOut = _Unsent(message)
        try:
            if self.halt.is_set() or self.stop() or message["campaign_id"] in self.held:
                return
            # Providers limit segments, not messages: a two-part text costs two tokens.
            sender = self.limiter.pace(message["phone"], count_segments(message["body"]).count)
            if self.halt.is_set() or self.stop():  # stopped while waiting for a token
                return
            if self.opted_out(message):
                outcome = _OptedOut(message)
                return
            sms = OutgoingSms(message["id"], message["phone"], message["body"], self.callback,
                              message.get("template_code"), _params(message.get("template_params")), sender)
            try:
                outcome = Outcome(message, result=self.gateway.send(sms))
            except Exception as exc:  # noqa: BLE001 - even a bug must be recorded: the text may have left
                outcome = Outcome(message, error=exc)
                if isinstance(exc, GatewayError) and failure_kind(exc) is FailureKind.CONFIGURATION:
                    self.held.add(message["campaign_id"])
        except Exception:  # noqa: BLE001 - before the gateway was called: nothing left, put it back
            log.exception("message %s: not sent", message["id"])
        finally:
            self.done.put(outcome)

    def opted_out(self, message: Mapping) -> bool:
        """Asked in the pool thread right before the gateway: an opt-out committed since the claim wins.

        What remains is the instant between this read and the provider receiving the request. Each pool
        thread asks on its own connection, kept for the run in autocommit (each read sees the latest
        commit; an open read transaction would keep SQLite's snapshot): a pool checkout and a rollback
        per text halved the dispatcher's rate (README, Benchmarks).
        """
        conn = getattr(self.readers, "conn", None)
        if conn is None:
            conn = self.readers.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with self.opened_lock:
                self.opened.append(conn)
        return is_opted_out(conn, message["customer_id"], message["phone"])

    @contextmanager
    def reading(self) -> Iterator[None]:
        """The pool threads' opt-out connections, closed once the pool has finished."""
        try:
            yield
        finally:
            for conn in self.opened:
                conn.close()
            self.opened.clear()

    def record(self, back: list[Outcome | _Unsent | _OptedOut]) -> None:
        """Write these outcomes in one transaction (and put unsent messages back), adding them to the totals."""
        outcomes = [x for x in back if isinstance(x, Outcome)]
        unsent = [x.message for x in back if isinstance(x, _Unsent)]
        opted_out = [x.message for x in back if isinstance(x, _OptedOut)]
        if not outcomes and not unsent and not opted_out:
            return
        with write_transaction(self.engine) as conn:
            labels = record_outcomes(conn, outcomes, self.now, self.sms, self.stamp)
            release(conn, unsent, self.stamp)
            suppress_claimed(conn, opted_out, "opted_out", self.stamp)
        if opted_out:
            log.info("%s: %s claimed messages not sent: opted out after the claim", self.worker, len(opted_out))
            self.tally += DispatchSummary(suppressed=Counter(opted_out=len(opted_out)))
        if unsent:
            log.info("%s: %s claimed messages put back to planned, unsent", self.worker, len(unsent))
        for outcome in outcomes:
            _log(outcome)
        self.tally += DispatchSummary(sent=labels["sent"], failed=labels["failed"], retried=labels["retried"],
                                      stuck=labels["stuck"], held=labels["held"])


def _params(text: str | None) -> dict[str, str] | None:
    """The outbox's template_params (a JSON object) for OutgoingSms."""
    return json.loads(text) if text else None


def _log(outcome: Outcome) -> None:
    message = outcome.message
    if outcome.result is not None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("message %s to %s: sent as %s", message["id"], mask(message["phone"]), outcome.result.provider_id)
        return
    error = outcome.error
    log.warning("message %s to %s (attempt %s): %s", message["id"], mask(message["phone"]), message["attempts"],
                mask_in_text(str(error) or type(error).__name__), exc_info=None if isinstance(error, GatewayError) else error)
