"""Priority under the weekly cap: a higher-priority message displaces the customer's lowest-priority unsent one.

The audience query (campaigns.audience) lets a customer at the cap through when enough of the
messages in their cap window are still 'planned' and of lower priority; planning then suppresses
that many of them here, lowest priority first (the latest first among equals), with reason
``cap_preempted``. Already-sent texts are never displaced, and equal priorities never displace each
other (the first planned keeps its place).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from campaigns.audience import cap_window
from campaigns.occurrences import Occurrence
from records import models
from records.events import drop_unsent_invitations

PREEMPTED = "cap_preempted"
outbox_t = models.OutboxMessage.__table__


def to_displace(conn: Connection, customer_id: int, occurrence: Occurrence, priority: int, needed: int) -> list:
    """The ``needed`` messages a message of ``priority`` to the customer would displace (id, campaign_id,
    event_id, step, customer_id), lowest priority first; fewer when there are not enough."""
    o = outbox_t.c
    return conn.execute(
        select(o.id, o.campaign_id, o.event_id, o.step, o.customer_id)
        .where(o.customer_id == customer_id, o.state == "planned", o.priority < priority, *cap_window(occurrence))
        .order_by(o.priority, o.due_at.desc(), o.id.desc()).limit(needed)).all()


def displace(conn: Connection, customer_id: int, occurrence: Occurrence, priority: int, needed: int,
             now: datetime) -> list[str]:
    """Suppress ``needed`` of the customer's displaceable messages around ``occurrence`` as cap_preempted;
    returns the campaign id of each (none when there are not enough: then nothing changes)."""
    rows = to_displace(conn, customer_id, occurrence, priority, needed)
    if len(rows) < needed:
        return []
    o = outbox_t.c
    conn.execute(update(outbox_t).where(o.id.in_([r.id for r in rows]), o.state == "planned").values(
        state="suppressed", reason=PREEMPTED, final_at=now, updated_at=now))
    drop_unsent_invitations(conn, rows)
    return [r.campaign_id for r in rows]
