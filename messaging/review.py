"""What staff look at and decide: the outbox by state or campaign, and messages stuck in 'sending'.

A message stays in 'sending' when the process died between claiming and recording it, or when
the gateway could not tell whether the text left. Only a person can check (the provider's
console, the customer) and say whether it was sent or should be tried again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, RowMapping, and_, select, update

from errors import InvalidValue, NotFound
from records import models

outbox_t = models.OutboxMessage.__table__
STUCK_AFTER = timedelta(minutes=5)  # far longer than any send takes, gateway timeouts included
LISTED = ("id", "phone", "campaign_id", "step", "state", "reason", "error_code", "attempts", "claimed_by",
          "due_at", "sending_at", "sent_at", "provider_id")


def stuck_messages(conn: Connection, now: datetime, older_than: timedelta = STUCK_AFTER) -> list[RowMapping]:
    """Messages in 'sending' since before ``now - older_than``, oldest first."""
    o = outbox_t.c
    query = (select(*[o[name] for name in LISTED]).where(o.state == "sending", o.sending_at <= now - older_than)
             .order_by(o.sending_at, o.id))
    return conn.execute(query).mappings().all()


def list_messages(conn: Connection, *, state: str | None = None, campaign: str | None = None,
                  limit: int = 50) -> list[RowMapping]:
    """The latest ``limit`` messages, optionally of one state and one campaign, newest first."""
    o = outbox_t.c
    query = select(*[o[name] for name in LISTED]).order_by(o.due_at.desc(), o.id.desc()).limit(limit)
    if state:
        query = query.where(o.state == state)
    if campaign:
        query = query.where(o.campaign_id == campaign)
    return conn.execute(query).mappings().all()


def resolve(conn: Connection, message_id: int, decision: Literal["sent", "retry"], now: datetime,
            older_than: timedelta = STUCK_AFTER) -> None:
    """Staff's word on a message stuck in 'sending': it was 'sent', or 'retry' it now. Anything else is refused.

    A message in 'sending' for less than ``older_than`` may still be on its way: retrying it could
    send it twice, so it is refused too.
    """
    o = outbox_t.c
    if decision == "sent":
        values = {"state": "sent", "sent_at": now}
    elif decision == "retry":
        values = {"state": "planned", "due_at": now, "claimed_by": None}
    else:
        raise InvalidValue(f"decision {decision!r}: expected 'sent' or 'retry'")
    stuck = and_(o.id == message_id, o.state == "sending", o.sending_at <= now - older_than)
    if not conn.execute(update(outbox_t).where(stuck).values(updated_at=now, **values)).rowcount:
        raise _why_not(conn, message_id, now - older_than)


def resolve_many(conn: Connection, message_ids: list[int], decision: Literal["sent", "retry"], now: datetime,
                 older_than: timedelta = STUCK_AFTER) -> int:
    """``resolve`` each message, all or none (the caller's transaction); returns how many."""
    for message_id in message_ids:
        resolve(conn, message_id, decision, now, older_than)
    return len(message_ids)


def matching_stuck(conn: Connection, now: datetime, *, campaign: str | None = None, before: datetime | None = None,
                   older_than: timedelta = STUCK_AFTER) -> list[int]:
    """Ids of the stuck messages (see ``stuck_messages``) of ``campaign`` claimed before ``before``, locked for resolving."""
    o = outbox_t.c
    query = select(o.id).where(o.state == "sending", o.sending_at <= now - older_than).order_by(o.id)
    if campaign:
        query = query.where(o.campaign_id == campaign)
    if before:
        query = query.where(o.sending_at < before)
    return list(conn.execute(query.with_for_update()).scalars())


def _why_not(conn: Connection, message_id: int, cutoff: datetime) -> Exception:
    o = outbox_t.c
    row = conn.execute(select(o.state, o.sending_at).where(o.id == message_id)).first()
    if row is None:
        return NotFound(f"outbox message {message_id} not found")
    if row.state == "sending" and row.sending_at and row.sending_at > cutoff:
        return InvalidValue(f"outbox message {message_id} has been sending only since {row.sending_at.isoformat()}: "
                            "it may still be on its way; wait until `jinli outbox stuck` lists it")
    return InvalidValue(f"outbox message {message_id} is {row.state!r}, not 'sending': only a stuck message can be resolved")
