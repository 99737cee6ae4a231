"""Referrals (转介绍): refused when unsound, attributed to the referrer's latest event, converted on a first deposit.

A referral links referrer → referee and keeps ``customers.referrer_id`` in step (tiers count it).
Chains are kept: a referee may refer in turn; only loops are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, RowMapping, and_, func, insert, or_, select, update

from errors import InvalidValue, Said
from domain.phone import mask
from records import models
from records.events import day_bounds
from records.referrer_links import creates_cycle

customers_t = models.Customer.__table__
referrals_t = models.Referral.__table__
holdings_t = models.Holding.__table__
checkins_t = models.CheckIn.__table__
events_t = models.Event.__table__
SOURCES = ("import", "walk_in", "staff")


class ReferralRefused(InvalidValue):
    """A referral that cannot be recorded; the message says why in the staff's terms."""


@dataclass(frozen=True)
class Attribution:
    event_id: int | None = None
    campaign_id: str | None = None


def _who(person: RowMapping) -> Said:
    name, phone = person["name"], mask(person["phone"])
    return Said(f"{name} ({phone})", "referral_who", name=name, phone=phone)


def _customer(conn: Connection, customer_id: int) -> RowMapping:
    return conn.execute(select(customers_t).where(customers_t.c.id == customer_id)).mappings().one()


def refusal(conn: Connection, referrer: RowMapping, referee: RowMapping, on: date) -> str | None:
    """Why referrer → referee cannot be recorded on ``on``, or None when it can."""
    if referrer["id"] == referee["id"] or referrer["phone"] == referee["phone"]:
        return Said(f"self-referral: {_who(referee)} cannot refer themself", "referral_self", who=_who(referee))
    earlier = conn.execute(select(referrals_t).where(referrals_t.c.referee_id == referee["id"])).mappings().first()
    by_id = earlier["referrer_id"] if earlier else referee["referrer_id"]
    if by_id is not None:
        first = _customer(conn, by_id)
        day = earlier["referred_on"].isoformat() if earlier else None
        when = Said(f" on {day}", "referral_on", day=day) if day else ""
        if by_id == referrer["id"]:
            return Said(f"duplicate: {_who(referrer)} already referred {_who(referee)}{when}", "referral_duplicate",
                        referrer=_who(referrer), referee=_who(referee), when=when)
        return Said(f"{_who(referee)} was already referred by {_who(first)}{when}", "referral_taken",
                    referee=_who(referee), first=_who(first), when=when)
    first_deposit = conn.execute(
        select(func.min(holdings_t.c.start_on)).where(holdings_t.c.customer_id == referee["id"], holdings_t.c.start_on <= on)
    ).scalar()
    if first_deposit is not None:
        return Said(f"{_who(referee)} is already a customer (first deposit {first_deposit.isoformat()})",
                    "referral_already_customer", referee=_who(referee), day=first_deposit.isoformat())
    if creates_cycle(conn, referrer["id"], referee["id"]):
        return Said(f"cycle: {_who(referrer)} was themself referred (directly or through others) by {_who(referee)}",
                    "referral_cycle", referrer=_who(referrer), referee=_who(referee))
    return None


def attribution(conn: Connection, referrer_id: int, on: date, window_days: int, tz: ZoneInfo) -> Attribution:
    """The latest event the referrer attended from ``on - window_days`` to ``on`` (local days, inclusive)."""
    since, _ = day_bounds(on - timedelta(days=window_days), tz)
    _, until = day_bounds(on, tz)
    c, e = checkins_t.c, events_t.c
    row = conn.execute(
        select(e.id, e.campaign_id).join(events_t, e.id == c.event_id)
        .where(c.customer_id == referrer_id, c.checked_in_at >= since, c.checked_in_at < until)
        .order_by(c.checked_in_at.desc(), e.id.desc()).limit(1)
    ).first()
    return Attribution(row.id, row.campaign_id) if row else Attribution()


def add_referral(conn: Connection, referrer_id: int, referee_id: int, source: str, on: date, now: datetime,
                 window_days: int, tz: ZoneInfo) -> int:
    """Record referrer → referee (refused with the reason when unsound); returns the referral's id."""
    if source not in SOURCES:
        raise InvalidValue(f"referral source {source!r}: expected one of {', '.join(SOURCES)}")
    referrer, referee = _customer(conn, referrer_id), _customer(conn, referee_id)
    reason = refusal(conn, referrer, referee, on)
    if reason:
        raise ReferralRefused(reason, key=reason.key, **reason.values)
    where = attribution(conn, referrer_id, on, window_days, tz)
    conn.execute(update(customers_t).where(customers_t.c.id == referee_id).values(referrer_id=referrer_id, updated_at=now))
    return conn.execute(insert(referrals_t).values(
        referrer_id=referrer_id, referee_id=referee_id, source=source, referred_on=on,
        event_id=where.event_id, campaign_id=where.campaign_id, created_at=now,
    )).inserted_primary_key[0]


def attribute_unattributed(conn: Connection, window_days: int, tz: ZoneInfo) -> int:
    """Attribute referrals recorded without an event (e.g. from an import) whose referrer attended one in time."""
    r, c = referrals_t.c, checkins_t.c
    attended = select(c.id).where(c.customer_id == r.referrer_id).exists()
    pending = conn.execute(select(r.id, r.referrer_id, r.referred_on).where(r.event_id.is_(None), attended)).all()
    done = 0
    for row in pending:
        where = attribution(conn, row.referrer_id, row.referred_on, window_days, tz)
        if where.event_id is not None:
            conn.execute(update(referrals_t).where(r.id == row.id).values(event_id=where.event_id, campaign_id=where.campaign_id))
            done += 1
    return done


def update_conversions(conn: Connection) -> int:
    """Set each referral's ``converted_on`` to its referee's first deposit (earliest holding start); returns changes.

    Set-based, for the end of a holdings or movements import. A holding imported later with an
    earlier start moves the date back; a referee without holdings stays unconverted.
    """
    r, h = referrals_t.c, holdings_t.c
    first = select(func.min(h.start_on)).where(h.customer_id == r.referee_id).scalar_subquery()
    result = conn.execute(
        update(referrals_t).where(first.is_not(None), or_(r.converted_on.is_(None), r.converted_on != first))
        .values(converted_on=first)
    )
    return result.rowcount


def referrals_list(conn: Connection, referrer_id: int | None = None, campaign_id: str | None = None,
                   limit: int = 200) -> list[dict]:
    """Referrals newest first, with both people's names and phones, the event and the conversion date."""
    r = referrals_t.c
    referrer, referee = customers_t.alias("referrer"), customers_t.alias("referee")
    query = (
        select(r.id, r.source, r.referred_on, r.event_id, r.campaign_id, r.converted_on,
               referrer.c.name.label("referrer_name"), referrer.c.phone.label("referrer_phone"),
               referee.c.name.label("referee_name"), referee.c.phone.label("referee_phone"))
        .join_from(referrals_t, referrer, referrer.c.id == r.referrer_id)
        .join(referee, referee.c.id == r.referee_id)
        .order_by(r.referred_on.desc(), r.id.desc()).limit(limit)
    )
    conditions = [cond for cond in (
        r.referrer_id == referrer_id if referrer_id is not None else None,
        r.campaign_id == campaign_id if campaign_id is not None else None,
    ) if cond is not None]
    if conditions:
        query = query.where(and_(*conditions))
    return [dict(row) for row in conn.execute(query).mappings()]
