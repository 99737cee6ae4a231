"""send_due_messages: claim the due messages, send them in parallel at the allowed rate, record each outcome."""

from __future__ import annotations

import logging
import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Callable, Mapping

from sqlalchemy import Engine

from errors import GatewayError
from messaging.gateways import OutgoingSms, SmsGateway
from messaging.outbox import Claim, Outcome, claim_batch, count_due, decide, due_query, record_outcomes
from messaging.phone import mask, mask_in_text
from messaging.ratelimit import TokenBucket, Unlimited, limiter_for
from messaging.suppression import SendPolicy
from records.transactions import write_transaction
from settings import Settings

log = logging.getLogger("jinli.outbox")
STATUS_CALLBACK_PATH = "/twilio/status"  # served by messaging.webhooks
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

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.deferred + self.retried + self.stuck + sum(self.suppressed.values())

    def __add__(self, other: DispatchSummary) -> DispatchSummary:
        return DispatchSummary(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __str__(self) -> str:
        suppressed = ", ".join(f"{reason} {n}" for reason, n in sorted(self.suppressed.items())) or "none"
        return (f"sent {self.sent}, retried {self.retried}, failed {self.failed}, deferred {self.deferred}, "
                f"stuck {self.stuck}, suppressed: {suppressed}")


def send_due_messages(engine: Engine, gateway: SmsGateway, settings: Settings, now: datetime, *, worker: str,
                      limit: int | None = None, dry_run: bool = False, on_progress: Progress | None = None,
                      limiter: TokenBucket | Unlimited | None = None, batch_size: int | None = None,
                      stop: Callable[[], bool] | None = None) -> DispatchSummary:
    """Send each message due at ``now`` once (at most ``limit`` handled); a dry run claims and sends nothing.

    ``stop`` is asked between batches: a stopping daemon finishes and records the batch in flight and
    claims no other, so a clean stop leaves nothing in 'sending'.
    """
    policy = SendPolicy.from_settings(settings)
    if dry_run:
        return preview(engine, now, policy, limit)
    run = _Run(engine, gateway, settings, now, worker, limiter or limiter_for(settings.sms.rate_per_second))
    with engine.connect() as conn:
        total = min(count_due(conn, now), limit if limit is not None else math.inf)
    size = batch_size or max(settings.sms.concurrency, 1)
    with ThreadPoolExecutor(max(settings.sms.concurrency, 1), thread_name_prefix="jinli-send") as pool:
        while (wanted := min(size, _left(limit, run.tally))) > 0 and not (stop and stop()):
            claim = claim_batch(engine, now, worker, wanted, policy)
            if not claim.taken:
                break
            run.record(claim, list(pool.map(run.send, claim.to_send)))
            if on_progress:
                on_progress(run.tally.handled, max(total, run.tally.handled))
    log.info("%s at %s: %s", worker, now.isoformat(), run.tally)
    return run.tally


def _left(limit: int | None, done: DispatchSummary) -> int | float:
    return math.inf if limit is None else limit - done.handled


def preview(engine: Engine, now: datetime, policy: SendPolicy, limit: int | None = None) -> DispatchSummary:
    """What a run at ``now`` would do with the due messages, without locking or changing anything."""
    with engine.connect() as conn:
        decided = decide(conn, conn.execute(due_query(now, limit)).mappings().all(), now, policy, lock=False)
    actions = Counter(v.action for _, v in decided)
    suppressed = Counter(v.reason for _, v in decided if v.action == "suppress")
    return DispatchSummary(sent=actions["send"], deferred=actions["defer"], suppressed=suppressed)


def status_callback_url(settings: Settings) -> str | None:
    """Where the provider reports delivery: ``<public_base_url>/twilio/status``, when there is a public URL."""
    base = settings.twilio.public_base_url.rstrip("/")
    return base + STATUS_CALLBACK_PATH if base else None


class _Run:
    """One run's collaborators and running totals."""

    def __init__(self, engine: Engine, gateway: SmsGateway, settings: Settings, now: datetime, worker: str, limiter):
        self.engine, self.gateway, self.sms, self.now, self.worker = engine, gateway, settings.sms, now, worker
        self.limiter = limiter
        self.callback = status_callback_url(settings)
        self.tally = DispatchSummary()

    def send(self, message: Mapping) -> Outcome:
        """Send one claimed message (in a pool thread); any exception becomes the outcome."""
        self.limiter.acquire()
        sms = OutgoingSms(message["id"], message["phone"], message["body"], self.callback)
        try:
            return Outcome(message, result=self.gateway.send(sms))
        except Exception as exc:  # noqa: BLE001 - even a bug must be recorded: the text may have left
            return Outcome(message, error=exc)

    def record(self, claim: Claim, outcomes: list[Outcome]) -> None:
        """Write the batch's outcomes in one transaction and add them to the totals."""
        with write_transaction(self.engine) as conn:
            labels = record_outcomes(conn, outcomes, self.now, self.sms)
        for outcome in outcomes:
            _log(outcome)
        self.tally += DispatchSummary(sent=labels["sent"], failed=labels["failed"], retried=labels["retried"],
                                      stuck=labels["stuck"], deferred=claim.deferred, suppressed=claim.suppressed)


def _log(outcome: Outcome) -> None:
    message = outcome.message
    if outcome.result is not None:
        log.debug("message %s to %s: sent as %s", message["id"], mask(message["phone"]), outcome.result.provider_id)
        return
    error = outcome.error
    log.warning("message %s to %s (attempt %s): %s", message["id"], mask(message["phone"]), message["attempts"],
                mask_in_text(str(error) or type(error).__name__), exc_info=None if isinstance(error, GatewayError) else error)
