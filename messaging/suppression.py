"""The last word before a text leaves: opted out, invalid phone, quiet hours, weekly cap, same text.

Planning already applied these rules, but hours or days may have passed: a customer may have
replied T, a gateway may have rejected the number, another campaign may have used the week's cap.
``verdict`` is pure; ``load_recent`` reads the history it needs for a batch in two queries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from messaging.quiet import in_quiet_hours, next_allowed
from records import models
from settings import Settings

outbox_t = models.OutboxMessage.__table__
customers_t = models.Customer.__table__

# States in which a text has left (or may have left) for the phone: they count for cap and repeats.
OUT_STATES = ("sending", "sent", "delivered")
CAP_WINDOW = timedelta(days=7)
REPEAT_WINDOW = timedelta(hours=24)  # Twilio rejects identical texts to one +86 number within 24 h


@dataclass(frozen=True)
class SendPolicy:
    """The [sms] rules the dispatcher applies at send time."""

    quiet_start: time
    quiet_end: time
    tz: ZoneInfo
    notices_ignore_quiet_hours: bool
    weekly_cap: int

    @classmethod
    def from_settings(cls, settings: Settings) -> SendPolicy:
        start, end = settings.quiet_hours
        sms = settings.sms
        return cls(start, end, settings.tz, sms.notices_ignore_quiet_hours, sms.weekly_cap)

    def quiet_for(self, message_class: str, at: datetime) -> bool:
        """Whether a message of ``message_class`` must wait at ``at``."""
        if message_class == "notice" and self.notices_ignore_quiet_hours:
            return False
        return in_quiet_hours(at, self.quiet_start, self.quiet_end, self.tz)

    def next_allowed(self, at: datetime) -> datetime:
        return next_allowed(at, self.quiet_start, self.quiet_end, self.tz)


@dataclass(frozen=True)
class Verdict:
    """What to do with one due message: 'send', 'defer' (until ``due_at``) or 'suppress' (``reason``)."""

    action: str
    reason: str | None = None
    due_at: datetime | None = None


SEND = Verdict("send")


@dataclass
class Recent:
    """What already left in the windows that matter; grows as a batch is decided."""

    marketing: Counter = field(default_factory=Counter)  # customer id -> marketing texts in 7 days
    texts: set[tuple[str, str]] = field(default_factory=set)  # (phone, body) sent within 24 h

    def add(self, message: Mapping) -> None:
        if message["message_class"] == "marketing":
            self.marketing[message["customer_id"]] += 1
        self.texts.add((message["phone"], message["body"]))


def verdict(message: Mapping, customer: Mapping, recent: Recent, now: datetime, policy: SendPolicy) -> Verdict:
    """The verdict on ``message`` for ``customer`` at ``now``; permanent reasons win over quiet hours."""
    if customer["opted_out"]:
        return Verdict("suppress", "opted_out")
    if customer["phone_status"] != "ok":
        return Verdict("suppress", "invalid_phone")
    if policy.quiet_for(message["message_class"], now):
        return Verdict("defer", due_at=policy.next_allowed(now))
    if message["message_class"] == "marketing" and recent.marketing[message["customer_id"]] >= policy.weekly_cap:
        return Verdict("suppress", "cap")
    if (message["phone"], message["body"]) in recent.texts:
        return Verdict("suppress", "duplicate_text")
    return SEND


def load_customers(conn: Connection, customer_ids: set[int], *, lock: bool) -> dict[int, Mapping]:
    """Opt-out and phone status of ``customer_ids``; ``lock`` holds their rows to the end of the transaction.

    Locking (in id order, so two dispatchers cannot deadlock) makes a second dispatcher wait until
    this one's claims are committed, so its cap and repeat counts include them.
    """
    c = customers_t.c
    query = select(c.id, c.opted_out, c.phone_status).where(c.id.in_(sorted(customer_ids))).order_by(c.id)
    if lock:
        query = query.with_for_update()
    return {row.id: row._mapping for row in conn.execute(query)}


def load_recent(conn: Connection, messages: list[Mapping], now: datetime) -> Recent:
    """The cap counts of the batch's customers and the texts their phones got within the windows.

    The cap counts messages by their send slot (``due_at``) within 7 days either side of ``now``, as
    planning does (campaigns.audience), not by the time a run happened to send them: a simulated day
    (`jinli run --date`, `jinli schedule`) and the daemon then count alike. Repeats are a carrier's
    rule about real time, so they count by when the text left."""
    o = outbox_t.c
    left_at = func.coalesce(o.sent_at, o.sending_at)
    customers = sorted({m["customer_id"] for m in messages})
    phones = sorted({m["phone"] for m in messages})
    counts = conn.execute(
        select(o.customer_id, func.count()).where(
            o.customer_id.in_(customers), o.message_class == "marketing", o.state.in_(OUT_STATES),
            o.due_at > now - CAP_WINDOW, o.due_at < now + CAP_WINDOW,
        ).group_by(o.customer_id))
    texts = conn.execute(
        select(o.phone, o.body).where(o.phone.in_(phones), o.state.in_(OUT_STATES), left_at > now - REPEAT_WINDOW))
    return Recent(Counter({customer_id: n for customer_id, n in counts}), {(phone, body) for phone, body in texts})
