"""Staff cancel planned messages: they become 'suppressed' with reason ``cancelled`` and are never sent."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, update

from records import models
from records.events import day_bounds, drop_unsent_invitations

outbox_t = models.OutboxMessage.__table__
CANCELLED = "cancelled"


def cancel_planned(conn: Connection, now: datetime, *, campaign_id: str | None = None, day: date | None = None,
                   tz: ZoneInfo | None = None, event_id: int | None = None, except_step: str | None = None) -> list:
    """Cancel the planned (unsent) messages of a campaign (due on the local ``day``, if given) or of an
    event; returns the rows cancelled (id, campaign_id, event_id, step, customer_id). A message already
    claimed for sending is left alone: it may be on its way."""
    o = outbox_t.c
    where = [o.state == "planned"]
    if campaign_id is not None:
        where.append(o.campaign_id == campaign_id)
    if event_id is not None:
        where.append(o.event_id == event_id)
    if except_step is not None:
        where.append(o.step != except_step)
    if day is not None:
        start, end = day_bounds(day, tz)
        where += [o.due_at >= start, o.due_at < end]
    return conn.execute(update(outbox_t).where(*where).values(state="suppressed", reason=CANCELLED, final_at=now,
                                                             updated_at=now)
                        .returning(o.id, o.campaign_id, o.event_id, o.step, o.customer_id)).all()


def cancel_campaign_messages(conn: Connection, campaign_id: str, day: date | None, tz: ZoneInfo, now: datetime) -> int:
    """`jinli outbox cancel`: the campaign's planned messages (of ``day``) cancelled, and the invitations
    of cancelled invitation texts forgotten (the guest was never asked); returns how many."""
    rows = cancel_planned(conn, now, campaign_id=campaign_id, day=day, tz=tz)
    drop_unsent_invitations(conn, rows)
    return len(rows)
