"""Check-in at the door: by invitation code or phone, walk-ins as prospects; recording twice is harmless."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, RowMapping, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from errors import InvalidValue, NotFound, Said
from domain.phone import parse_mobile
from records import models
from records.codes import is_code
from records.event_config import EventSettings, GiftStep, gift_for
from records.events import event_today, get_event, invitation_by_code, invitation_for, todays_invitation
from records.lookup import find_customer
from records.prospects import register_prospect
from records.referrals import ReferralRefused, add_referral

customers_t = models.Customer.__table__
checkins_t = models.CheckIn.__table__
invitations_t = models.Invitation.__table__


@dataclass(frozen=True)
class CheckInResult:
    customer_id: int
    name: str
    phone: str
    tier: str
    event_id: int
    event_title: str
    starts_at: datetime | None
    checked_in_at: datetime
    invited: bool
    already: bool  # checked in before: nothing changed
    visits: int  # check-ins of this guest up to this one, this one included
    gift: GiftStep
    referrer_name: str | None = None
    referrer_phone: str | None = None
    new_customer: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


def record_check_in(conn: Connection, who: str, event_id: int | None, now: datetime, tz: ZoneInfo,
                    settings: EventSettings, region: str = "CN") -> CheckInResult:
    """Check in the guest named by an invitation code or a phone (or referral code) at the event."""
    invitation = invitation_by_code(conn, who) if is_code(who) else None
    if invitation is not None:
        if event_id is not None and event_id != invitation["event_id"]:
            raise InvalidValue(f"code {who!r} is an invitation to event {invitation['event_id']}, not event {event_id}",
                               key="checkin_code_other_event", code=who, event=invitation["event_id"], wanted=event_id)
        return check_in(conn, get_event(conn, invitation["event_id"]), invitation["customer_id"], invitation, now, settings)
    person = _customer_named(conn, who, region)
    event = _event_for(conn, person["id"], event_id, now, tz)
    return check_in(conn, event, person["id"], invitation_for(conn, event["id"], person["id"]), now, settings)


def walk_in(conn: Connection, phone_text: str, name: str, referrer_text: str | None, event_id: int | None,
            now: datetime, tz: ZoneInfo, settings: EventSettings, region: str = "CN") -> CheckInResult:
    """Check in a guest without invitation: a new phone becomes a prospect (tier P), with the referral if named."""
    phone = parse_mobile(phone_text, region)
    event = get_event(conn, event_id) if event_id is not None else event_today(conn, now, tz)
    referrer = find_customer(conn, referrer_text, region) if referrer_text else None
    today = now.astimezone(tz).date()
    known = conn.execute(select(customers_t).where(customers_t.c.phone == phone)).mappings().first()
    # A new guest belongs to the store whose event they walked into (a shop-wide event: no store yet).
    customer_id = known["id"] if known else register_prospect(conn, phone, name, today, now, event["store"] or "")
    notes: list[str] = []
    if referrer is not None and not (known and known["referrer_id"] == referrer["id"]):
        try:
            add_referral(conn, referrer["id"], customer_id, "walk_in", today, now, settings.attribution_days, tz)
        except ReferralRefused as exc:
            notes.append(Said(f"referral not recorded: {exc}", "referral_not_recorded",
                              reason=Said(str(exc), exc.key, **exc.values)))
    invitation = invitation_for(conn, event["id"], customer_id)
    result = check_in(conn, event, customer_id, invitation, now, settings)
    return replace(result, new_customer=known is None, notes=tuple(notes))


def check_in(conn: Connection, event: RowMapping, customer_id: int, invitation: RowMapping | None,
             now: datetime, settings: EventSettings) -> CheckInResult:
    """Record the attendance once (a second call changes nothing) and mark the invitation attended."""
    existing, inserted = _existing(conn, event["id"], customer_id), False
    if existing is None:
        existing, inserted = _insert(conn, event["id"], customer_id, invitation, now)
    if invitation is not None and invitation["state"] != "attended":
        conn.execute(update(invitations_t).where(invitations_t.c.id == invitation["id"]).values(state="attended"))
    return _result(conn, event, customer_id, invitation is not None, existing["checked_in_at"], not inserted, settings)


def _existing(conn: Connection, event_id: int, customer_id: int) -> dict | None:
    c = checkins_t.c
    row = conn.execute(select(checkins_t).where(c.event_id == event_id, c.customer_id == customer_id)).mappings().first()
    return dict(row) if row else None


def _insert(conn: Connection, event_id: int, customer_id: int, invitation: RowMapping | None,
            now: datetime) -> tuple[dict, bool]:
    """Insert the check-in in a savepoint: a concurrent check-in of the same guest wins harmlessly."""
    values = dict(event_id=event_id, customer_id=customer_id, invitation_id=invitation["id"] if invitation else None,
                  walk_in=invitation is None, checked_in_at=now)
    try:
        with conn.begin_nested():
            conn.execute(insert(checkins_t).values(values))
    except IntegrityError:
        return _existing(conn, event_id, customer_id), False
    return values, True


def _result(conn: Connection, event: RowMapping, customer_id: int, invited: bool, at: datetime, already: bool,
            settings: EventSettings) -> CheckInResult:
    person = conn.execute(select(customers_t).where(customers_t.c.id == customer_id)).mappings().one()
    c = checkins_t.c
    visits = conn.execute(select(func.count()).where(c.customer_id == customer_id, c.checked_in_at <= at)).scalar_one()
    referrer = None
    if person["referrer_id"] is not None:
        referrer = conn.execute(select(customers_t.c.name, customers_t.c.phone).where(customers_t.c.id == person["referrer_id"])).first()
    return CheckInResult(
        customer_id=customer_id, name=person["name"], phone=person["phone"], tier=person["tier"],
        event_id=event["id"], event_title=event["title"] or event["slogan"], starts_at=event["starts_at"],
        checked_in_at=at, invited=invited, already=already, visits=visits, gift=gift_for(visits, settings.gift_ladder),
        referrer_name=referrer.name if referrer else None, referrer_phone=referrer.phone if referrer else None,
    )


def _customer_named(conn: Connection, who: str, region: str) -> RowMapping:
    try:
        return find_customer(conn, who, region)
    except NotFound:
        raise NotFound(f"{who.strip()!r}: no invitation code, phone or referral code matches "
                       "(a new guest: check in with --walk-in PHONE --name NAME)", key="checkin_no_match",
                       who=who.strip()) from None


def _event_for(conn: Connection, customer_id: int, event_id: int | None, now: datetime, tz: ZoneInfo) -> RowMapping:
    if event_id is not None:
        return get_event(conn, event_id)
    invitation = todays_invitation(conn, customer_id, now, tz)
    return get_event(conn, invitation["event_id"]) if invitation else event_today(conn, now, tz)
