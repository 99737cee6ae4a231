"""The outbox's states and the moves between them.

    planned ──claim──▶ sending ──accepted──▶ sent ──status report──▶ delivered | undelivered | failed
     │  │                ├──retryable──▶ planned, later (failed after max_attempts)
     │  │                ├──refused────▶ failed
     │  │                ├──configuration error (template, signature, credentials): planned again, campaign held
     │  │                └──unknown outcome: stays in sending, for staff (messaging.review)
     │  └──quiet hours: stays planned, due at the next allowed minute
     └──opted out, invalid phone, weekly cap, same text──▶ suppressed

Final states (delivered, undelivered, failed, suppressed) are never left.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping, Sequence

from sqlalchemy import Connection, Engine, Select, bindparam, func, select, update

from errors import GatewayError
from messaging.gateways import FailureKind, SendResult, failure_kind
from messaging.holds import held_ids, hold_campaign
from messaging.pauses import paused_ids
from messaging.optouts import mark_phone_invalid, opt_out
from domain.phone import mask
from messaging.suppression import SEND, SendPolicy, Verdict, load_customers, load_recent, verdict
from records import models
from records.transactions import write_transaction
from redaction import redact
from settings import SmsSettings

log = logging.getLogger("jinli.outbox")
outbox_t = models.OutboxMessage.__table__
# The states a provider's status report may move a message out of, per reported status.
CALLBACK_MOVES = {"sent": ("sending",), "delivered": ("sending", "sent"),
                  "undelivered": ("sending", "sent"), "failed": ("sending", "sent")}


@dataclass(frozen=True)
class Claim:
    """One decided batch: the messages now in 'sending', and how many were deferred or suppressed."""

    to_send: list[dict]
    deferred: int = 0
    suppressed: Counter = field(default_factory=Counter)

    @property
    def taken(self) -> int:
        return len(self.to_send) + self.deferred + sum(self.suppressed.values())


@dataclass(frozen=True)
class Outcome:
    """What the gateway did with one claimed message: a result, or the error it raised."""

    message: Mapping
    result: SendResult | None = None
    error: Exception | None = None


def _due(now: datetime) -> tuple:
    """Planned, due at ``now``, of a campaign neither held (configuration error) nor paused (by staff)."""
    o = outbox_t.c
    return (o.state == "planned", o.due_at <= now, o.campaign_id.not_in(held_ids()), o.campaign_id.not_in(paused_ids()))


def due_query(now: datetime, limit: int | None = None) -> Select:
    """Planned messages due at ``now`` of campaigns not held or paused, oldest first."""
    o = outbox_t.c
    return select(outbox_t).where(*_due(now)).order_by(o.due_at, o.id).limit(limit)


def count_due(conn: Connection, now: datetime) -> int:
    return conn.execute(select(func.count()).where(*_due(now))).scalar_one()


def claim_batch(engine: Engine, now: datetime, worker: str, size: int, policy: SendPolicy,
                stamp: datetime | None = None) -> Claim:
    """Decide up to ``size`` due messages and commit those to send as 'sending' before any is sent.

    ``now`` decides what is due (a simulated day's clock for `jinli run --date`); ``stamp`` (default
    ``now``) is the real time written to the rows: the outbox never records a time still to come.

    This commit is the outbox's trade-off: a crash between it and the gateway's answer leaves the
    message in 'sending' for staff to review (`jinli outbox stuck`), never a second text.
    PostgreSQL: FOR UPDATE SKIP LOCKED, so dispatchers sharing a database split the work and no
    message is claimed twice. SQLite: BEGIN IMMEDIATE, the one writer, does the same.
    """
    with write_transaction(engine) as conn:
        messages = conn.execute(due_query(now, size).with_for_update(skip_locked=True)).mappings().all()
        return _apply(conn, decide(conn, messages, now, policy, lock=True), stamp or now, worker)


def decide(conn: Connection, messages: Sequence[Mapping], now: datetime, policy: SendPolicy, *,
           lock: bool) -> list[tuple[Mapping, Verdict]]:
    """Each message with its verdict, in order: a message sent earlier in the list counts against later ones."""
    if not messages:
        return []
    customers = load_customers(conn, {m["customer_id"] for m in messages}, lock=lock)
    recent = load_recent(conn, list(messages), now)
    decided = []
    for message in messages:
        decision = verdict(message, customers[message["customer_id"]], recent, now, policy)
        if decision is SEND:
            recent.add(message)
        decided.append((message, decision))
    return decided


def _apply(conn: Connection, decided: list[tuple[Mapping, Verdict]], now: datetime, worker: str) -> Claim:
    o = outbox_t.c
    by_id = update(outbox_t).where(o.id == bindparam("mid"))
    to_send = [dict(m, state="sending", attempts=m["attempts"] + 1) for m, v in decided if v.action == "send"]
    suppressed = [{"mid": m["id"], "why": v.reason} for m, v in decided if v.action == "suppress"]
    deferred = [{"mid": m["id"], "until": v.due_at} for m, v in decided if v.action == "defer"]
    if to_send:
        conn.execute(update(outbox_t).where(o.id.in_([m["id"] for m in to_send])).values(
            state="sending", sending_at=now, claimed_by=worker, attempts=o.attempts + 1, updated_at=now))
    if suppressed:
        conn.execute(by_id.values(state="suppressed", reason=bindparam("why"), final_at=now, updated_at=now), suppressed)
    if deferred:
        conn.execute(by_id.values(due_at=bindparam("until"), updated_at=now), deferred)
    return Claim(to_send, len(deferred), Counter(s["why"] for s in suppressed))


def release(conn: Connection, messages: Sequence[Mapping], now: datetime) -> None:
    """Put claimed messages that never reached the gateway back to 'planned', as they were before the claim.

    ``messages`` are the claim's rows (attempts already counted, the rest as read before the claim).
    """
    if not messages:
        return
    o = outbox_t.c
    conn.execute(update(outbox_t).where(o.id == bindparam("mid"), o.state == "sending").values(
        state="planned", attempts=bindparam("was_attempts"), sending_at=bindparam("was_sending_at"),
        claimed_by=bindparam("was_claimed_by"), updated_at=now),
        [{"mid": m["id"], "was_attempts": m["attempts"] - 1, "was_sending_at": m["sending_at"],
          "was_claimed_by": m["claimed_by"]} for m in messages])


def suppress_claimed(conn: Connection, messages: Sequence[Mapping], reason: str, now: datetime) -> int:
    """Claimed messages found unsendable at the last moment (an opt-out committed after the claim): suppressed."""
    if not messages:
        return 0
    o = outbox_t.c
    return conn.execute(update(outbox_t).where(o.id.in_([m["id"] for m in messages]), o.state == "sending").values(
        state="suppressed", reason=reason, final_at=now, updated_at=now)).rowcount


def record_outcomes(conn: Connection, outcomes: Sequence[Outcome], now: datetime, sms: SmsSettings,
                    stamp: datetime | None = None) -> Counter:
    """Write what the gateway said about each message; counts them as 'sent', 'retried', 'failed' or 'stuck'.

    ``now`` is the run's clock (retries are due after it); ``stamp`` (default ``now``) the real time
    recorded as ``sent_at``, never a simulated day's."""
    stamp = stamp or now
    sent = [{"mid": x.message["id"], "sid": x.result.provider_id} for x in outcomes if x.result is not None]
    if sent:  # the common case, in one round trip
        o = outbox_t.c
        conn.execute(update(outbox_t).where(o.id == bindparam("mid"), o.state == "sending").values(
            state="sent", provider_id=bindparam("sid"), sent_at=stamp, reason=None, error_code=None, updated_at=stamp),
            sent)
    labels = Counter(sent=len(sent))
    labels.update(record_failure(conn, x.message, x.error, now, sms, stamp) for x in outcomes if x.result is None)
    return labels


def record_failure(conn: Connection, message: Mapping, error: Exception, now: datetime, sms: SmsSettings,
                   stamp: datetime | None = None) -> str:
    """Retry later, fail for good, leave in 'sending' (unknown outcome) or hold the campaign; returns which."""
    due_base, now = now, stamp or now  # retries count from the run's clock; rows record the real time
    kind = failure_kind(error) if isinstance(error, GatewayError) else FailureKind.UNKNOWN_OUTCOME
    code = getattr(error, "code", None)
    # Provider text may echo credentials: the outbox (and `outbox list`) keeps it redacted.
    error_code, reason = (str(code) if code else None), redact(str(error) or type(error).__name__)
    if kind is FailureKind.CONFIGURATION:  # not this message's fault: back to planned, as before the claim
        _update(conn, message, now, state="planned", attempts=message["attempts"] - 1, reason=reason, error_code=error_code)
        hold_campaign(conn, message["campaign_id"], reason, error_code, message["id"], now)
        return "held"
    if kind is FailureKind.RETRYABLE and message["attempts"] < sms.max_attempts:
        due = retry_at(due_base, message["attempts"], sms.retry_base_seconds)
        _update(conn, message, now, state="planned", due_at=due, reason=reason, error_code=error_code)
        return "retried"
    if kind is FailureKind.UNKNOWN_OUTCOME:
        _update(conn, message, now, reason=reason, error_code=error_code)
        return "stuck"
    if kind is FailureKind.RETRYABLE:
        reason = f"gave up after {message['attempts']} attempts: {reason}"
    _update(conn, message, now, state="failed", final_at=now, reason=reason, error_code=error_code)
    _learn_from_refusal(conn, message, kind, error_code, now)
    return "failed"


def retry_at(now: datetime, attempts: int, base_seconds: int) -> datetime:
    """Exponential backoff: ``base * 2**(attempts-1)`` seconds after ``now``."""
    return now + timedelta(seconds=base_seconds * 2 ** (attempts - 1))


def _update(conn: Connection, message: Mapping, now: datetime, **values) -> None:
    o = outbox_t.c
    conn.execute(update(outbox_t).where(o.id == message["id"], o.state == "sending").values(updated_at=now, **values))


def _learn_from_refusal(conn: Connection, message: Mapping, kind: FailureKind, code: str | None, now: datetime) -> None:
    if kind is FailureKind.UNSUBSCRIBED:
        detail = f"message {message['id']}: error {code or 'unsubscribed'}"
        opt_out(conn, message["customer_id"], message["phone"], "provider", now, detail)
    elif kind is FailureKind.INVALID_NUMBER:
        mark_phone_invalid(conn, message["customer_id"], now)
        log.info("phone %s of customer %s marked invalid", mask(message["phone"]), message["customer_id"])


def apply_status(conn: Connection, provider_id: str, status: str, error_code: str | None, now: datetime) -> str:
    """Apply a provider's status report; returns 'updated', 'ignored' (stale or no move) or 'unknown'.

    The update names the states it may leave, so late or repeated reports never move a message back.
    """
    o = outbox_t.c
    sources = CALLBACK_MOVES.get(status)
    if sources:
        values = {"state": status, "updated_at": now}
        values.update({"sent_at": now} if status == "sent" else {"final_at": now})
        if status in ("undelivered", "failed"):
            values["error_code"] = error_code or None
        moved = conn.execute(update(outbox_t).where(o.provider_id == provider_id, o.state.in_(sources)).values(**values))
        if moved.rowcount:
            return "updated"
    known = conn.execute(select(o.id).where(o.provider_id == provider_id).limit(1)).first()
    return "ignored" if known else "unknown"
