"""Opt-outs and opt-ins from every source (a reply, the provider, staff), and numbers found invalid.

Each change is also an ``OptOutEvent``, so staff can tell who opted out, when and how.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, Select, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import aliased

from domain.phone import mask
from records import models

log = logging.getLogger("jinli.outbox")
customers_t = models.Customer.__table__
events_t = models.OptOutEvent.__table__


def opt_out(conn: Connection, customer_id: int | None, phone: str, source: str, now: datetime, detail: str = "") -> None:
    """Record an opt-out of ``phone`` from ``source``; the customer (if known) gets no more texts."""
    if customer_id is not None:
        c = customers_t.c
        # Only a customer not yet opted out gets a new opted_out_at: the first opt-out is the one that counts.
        conn.execute(update(customers_t).where(c.id == customer_id, c.opted_out.is_(False))
                     .values(opted_out=True, opted_out_at=now, updated_at=now))
    _event(conn, customer_id, phone, "out", source, now, detail)
    log.info("opt-out of %s (customer %s) from %s", mask(phone), customer_id, source)


def opt_in(conn: Connection, customer_id: int | None, phone: str, source: str, now: datetime, detail: str = "") -> None:
    """Record an opt-in of ``phone`` from ``source``: the customer may be texted again."""
    if customer_id is not None:
        conn.execute(update(customers_t).where(customers_t.c.id == customer_id)
                     .values(opted_out=False, opted_out_at=None, updated_at=now))
    _event(conn, customer_id, phone, "in", source, now, detail)
    log.info("opt-in of %s (customer %s) from %s", mask(phone), customer_id, source)


def opted_out_phones() -> Select:
    """SELECT of the phones whose latest opt-out event is an opt-out: customers or not (yet)."""
    e = events_t.c
    later = aliased(events_t)
    newer = select(later.c.id).where(later.c.phone == e.phone,
                                     or_(later.c.at > e.at, and_(later.c.at == e.at, later.c.id > e.id))).exists()
    return select(e.phone).where(e.action == "out", ~newer)


def apply_pending_opt_outs(conn: Connection) -> int:
    """Opt out every customer whose phone opted out before it was a customer (set-based); returns how many.

    The events recorded against the bare phone are linked to the customer too.
    """
    c, e = customers_t.c, events_t.c
    latest_out = (select(e.at).where(e.phone == c.phone, e.action == "out").order_by(e.at.desc(), e.id.desc())
                 .limit(1).scalar_subquery())
    moved = conn.execute(update(customers_t).where(c.opted_out.is_(False), c.phone.in_(opted_out_phones()))
                         .values(opted_out=True, opted_out_at=latest_out)).rowcount
    owner = select(c.id).where(c.phone == e.phone).scalar_subquery()
    conn.execute(update(events_t).where(e.customer_id.is_(None), e.phone.in_(select(c.phone)))
                 .values(customer_id=owner))
    return moved


def is_opted_out(conn: Connection, customer_id: int, phone: str) -> bool:
    """Whether the customer, or their phone, has opted out (one query on two indexes): the last word before a send."""
    return bool(conn.execute(_opted_out_query(), {"customer_id": customer_id, "phone": phone}).scalar())


@lru_cache(maxsize=1)
def _opted_out_query() -> Select:
    """is_opted_out's query, built once: the dispatcher asks it before every text, and building it
    (an aliased table, two EXISTS) each time was a third of the check's cost."""
    c = customers_t.c
    flagged = select(c.id).where(c.id == bindparam("customer_id"), c.opted_out.is_(True)).exists()
    by_phone = opted_out_phones().where(events_t.c.phone == bindparam("phone")).exists()
    return select(or_(flagged, by_phone))


def mark_phone_invalid(conn: Connection, customer_id: int, now: datetime) -> None:
    """The gateway cannot text this customer's number: no more texts until staff correct it."""
    conn.execute(update(customers_t).where(customers_t.c.id == customer_id).values(phone_status="invalid", updated_at=now))


def _event(conn: Connection, customer_id: int | None, phone: str, action: str, source: str, now: datetime,
           detail: str) -> None:
    conn.execute(insert(events_t).values(customer_id=customer_id, phone=phone, action=action, source=source,
                                         detail=detail, at=now))
