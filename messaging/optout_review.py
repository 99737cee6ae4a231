"""Who is opted out now, and one number's opt-out history: what `jinli optout list|show` read."""

from __future__ import annotations

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.orm import aliased

from records import models

customers_t = models.Customer.__table__
events_t = models.OptOutEvent.__table__


def current(conn: Connection, limit: int) -> list[dict]:
    """Every number opted out now, newest first: its latest opt-out event (with the customer when known), then
    customers flagged opted out without any event."""
    e, c = events_t.c, customers_t.c
    later = aliased(events_t)
    newer = select(later.c.id).where(later.c.phone == e.phone,
                                     or_(later.c.at > e.at, and_(later.c.at == e.at, later.c.id > e.id))).exists()
    found = conn.execute(
        select(e.phone, e.source, e.detail, e.at, c.id.label("customer_id"), c.name)
        .select_from(events_t.outerjoin(customers_t, c.phone == e.phone))
        .where(e.action == "out", ~newer).order_by(e.at.desc(), e.id.desc()).limit(limit)).mappings().all()
    flagged = conn.execute(
        select(c.phone, c.opted_out_at.label("at"), c.id.label("customer_id"), c.name)
        .where(c.opted_out.is_(True), ~select(e.id).where(e.phone == c.phone).exists())
        .order_by(c.id).limit(limit)).mappings().all()
    return [dict(r) for r in found] + [{**r, "source": "record", "detail": ""} for r in flagged][:max(0, limit - len(found))]


def history(conn: Connection, customer_id: int | None, phone: str) -> list[dict]:
    """The opt-out and opt-in events of a customer or a number, oldest first."""
    e = events_t.c
    who = e.phone == phone if customer_id is None else or_(e.customer_id == customer_id, e.phone == phone)
    rows = conn.execute(select(e.action, e.source, e.detail, e.at).where(who).order_by(e.at, e.id)).mappings()
    return [dict(r) for r in rows]
