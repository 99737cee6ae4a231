"""The door's decisions, in the door's words: which event a code, a phone or a walk-in belongs to.

Every refusal is a ``DoorProblem`` naming a label key of the catalogue and its values, never a CLI
message: the page shows it in the shop's language and keeps what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from errors import InvalidValue, NotFound
from domain.phone import parse_mobile
from records import audit, checkins, models
from records.checkins import CheckInResult
from records.codes import is_code
from records.event_config import EventSettings
from records.events import CONFIRMED_STATES, events_on, get_event, invitation_by_code, invitation_for
from records.lookup import find_customer
from records.staff import Staff

invitations_t = models.Invitation.__table__
checkins_t = models.CheckIn.__table__
customers_t = models.Customer.__table__
referrals_t = models.Referral.__table__
unlinked_t = models.UnlinkedReferral.__table__
EXPECTED_STATES = ("invited", "confirmed", "attended")


class DoorProblem(Exception):
    """A refusal the door understands: a label key and the values its text names."""

    def __init__(self, key: str, status: int = 400, **values):
        super().__init__(key)
        self.key, self.status, self.values = key, status, values

    def text(self, t: dict) -> str:
        return t[self.key].format(**self.values)


@dataclass
class Door:
    """One request's frame: who works the door, now, today's events they see and the one they chose."""

    conn: Connection
    staff: Staff
    now: datetime
    tz: object
    settings: EventSettings
    region: str
    events: list = field(default_factory=list)
    chosen: int | None = None

    def event(self, event_id: int | None = None):
        """The chosen (or given) event among today's; the only one when there is one; else DoorProblem."""
        wanted = event_id or self.chosen
        if wanted is not None and any(e["id"] == wanted for e in self.events):
            return next(e for e in self.events if e["id"] == wanted)
        if len(self.events) == 1 and wanted is None:
            return self.events[0]
        raise DoorProblem("no_event_today" if not self.events else "pick_event")


def todays_events(conn: Connection, staff: Staff, now: datetime, tz) -> list:
    """Today's events (local day) the staff member sees, earliest first; a cancelled event is not worked at the door."""
    return [e for e in events_on(conn, now.astimezone(tz).date(), tz)
            if staff.sees_event(e["store"]) and e.get("state") != "cancelled"]


def check_in(door: Door, who: str, via: str) -> CheckInResult:
    """Check in by invitation code (its own event) or by phone / referral code (the one invitation today, else the chosen event)."""
    who = who.strip()
    if not who:
        raise DoorProblem("who_missing")
    invitation = invitation_by_code(door.conn, who) if is_code(who) else None
    if invitation is not None:
        return _by_code(door, who, invitation, via)
    person = _person(door, who)
    event = _invited_today(door, person["id"]) or door.event()
    return _record(door, event, person["id"], via)


def _by_code(door: Door, who: str, invitation, via: str) -> CheckInResult:
    event = get_event(door.conn, invitation["event_id"])
    if not any(e["id"] == event["id"] for e in door.events):
        local = event["starts_at"].astimezone(door.tz)
        same_day = local.date() == door.now.astimezone(door.tz).date()
        raise DoorProblem("code_other_store" if same_day else "code_other_day", code=who.upper(),
                          event=event["title"] or event["slogan"], day=f"{local.month}月{local.day}日")
    return _record(door, event, invitation["customer_id"], via)


def _person(door: Door, who: str):
    try:
        return find_customer(door.conn, who, door.region)
    except (NotFound, InvalidValue):
        raise DoorProblem("who_unknown", 404, who=who) from None


def _invited_today(door: Door, customer_id: int):
    """The one event today (among those seen) the guest is invited to; None for none or several."""
    ids = [e["id"] for e in door.events]
    i = invitations_t.c
    found = list(door.conn.execute(select(i.event_id).where(i.customer_id == customer_id, i.event_id.in_(ids))).scalars())
    return next(e for e in door.events if e["id"] == found[0]) if len(found) == 1 else None


def _record(door: Door, event, customer_id: int, via: str) -> CheckInResult:
    invitation = invitation_for(door.conn, event["id"], customer_id)
    result = checkins.check_in(door.conn, event, customer_id, invitation, door.now, door.settings)
    if not result.already:
        audit.record(door.conn, actor=door.staff.actor, action="checkin.add", subject="event", subject_id=event["id"],
                     customer_id=customer_id, now=door.now, detail={"via": via, "invited": invitation is not None})
    return result


@dataclass(frozen=True)
class WalkIn:
    result: CheckInResult
    unknown_referrer: str = ""  # what was typed, when nobody matched it: the referral waits for staff
    referral_refused: bool = False


def walk_in(door: Door, phone: str, name: str, referrer: str) -> WalkIn:
    """Register and check in a guest without invitation; an unknown referrer is noted for staff to link."""
    event = door.event()
    try:
        parse_mobile(phone, door.region)
    except InvalidValue:
        raise DoorProblem("phone_invalid", phone=phone) from None
    if not name.strip():
        raise DoorProblem("name_missing")
    referrer = referrer.strip()
    known = _referrer_known(door, referrer) if referrer else True
    result = checkins.walk_in(door.conn, phone, name.strip(), referrer if known else None, event["id"], door.now,
                              door.tz, door.settings, door.region)
    if not known:
        _note_unlinked(door, result.customer_id, event["id"], referrer)
    if not result.already:
        audit.record(door.conn, actor=door.staff.actor, action="checkin.walk_in", subject="event", subject_id=event["id"],
                     customer_id=result.customer_id, now=door.now,
                     detail={"new_customer": result.new_customer, "referrer": referrer or None})
    return WalkIn(replace(result, notes=()), "" if known else referrer, bool(result.notes))


def _referrer_known(door: Door, referrer: str) -> bool:
    try:
        find_customer(door.conn, referrer, door.region)
    except (NotFound, InvalidValue):
        return False
    return True


def _note_unlinked(door: Door, customer_id: int, event_id: int, given: str) -> None:
    door.conn.execute(insert(unlinked_t).values(customer_id=customer_id, event_id=event_id, referrer_given=given[:64],
                                                noted_by=door.staff.actor, noted_at=door.now))
    audit.record(door.conn, actor=door.staff.actor, action="referral.unlinked", subject="customer", subject_id=customer_id,
                 customer_id=customer_id, now=door.now, detail={"referrer_given": given, "event_id": event_id})


def rsvp(door: Door, code: str, intent: str) -> str:
    """Staff record a guest's answer (a phone call at the door: "I am coming"): confirmed or declined; the guest's name."""
    invitation = invitation_by_code(door.conn, code) if is_code(code) else None
    if invitation is None or not any(e["id"] == invitation["event_id"] for e in door.events):
        raise DoorProblem("who_unknown", 404, who=code)
    state = {"confirm": "confirmed", "decline": "declined"}[intent]
    if invitation["state"] in ("invited", "confirmed", "declined") and invitation["state"] != state:
        door.conn.execute(update(invitations_t).where(invitations_t.c.id == invitation["id"])
                          .values(state=state, replied_at=door.now))
        audit.record(door.conn, actor=door.staff.actor, action=f"invitation.{intent}", subject="event",
                     subject_id=invitation["event_id"], customer_id=invitation["customer_id"], now=door.now,
                     detail={"from": invitation["state"], "to": state})
    return door.conn.execute(select(customers_t.c.name).where(customers_t.c.id == invitation["customer_id"])).scalar_one()


def expected(conn: Connection, event_id: int) -> list[dict]:
    """The event's invited, confirmed and arrived guests, arrived last, then by name."""
    i, cu = invitations_t.c, customers_t.c
    rows = conn.execute(select(i.code, i.state, i.tier, cu.id, cu.name, cu.phone).join(customers_t, cu.id == i.customer_id)
                        .where(i.event_id == event_id, i.state.in_(EXPECTED_STATES))
                        .order_by(i.state == "attended", cu.name, cu.id))
    return [dict(row._mapping) for row in rows]


def counts(conn: Connection, event_id: int) -> dict:
    """Arrived (invited guests checked in), expected (invited, confirmed, arrived), confirmed, walk-ins."""
    i, c = invitations_t.c, checkins_t.c
    states = dict(conn.execute(select(i.state, func.count()).where(i.event_id == event_id).group_by(i.state)).all())
    walk_ins = conn.execute(select(func.count()).where(c.event_id == event_id, c.invitation_id.is_(None))).scalar_one()
    return {"arrived": states.get("attended", 0), "expected": sum(states.get(s, 0) for s in EXPECTED_STATES),
            "confirmed": sum(states.get(s, 0) for s in CONFIRMED_STATES), "walk_ins": walk_ins}


def unlinked(conn: Connection, stores: tuple[str, ...] | None) -> list[dict]:
    """Walk-ins whose named referrer was not found and who still have no referral, oldest first."""
    u, cu, e = unlinked_t.c, customers_t.c, models.Event.__table__.c
    linked = select(referrals_t.c.id).where(referrals_t.c.referee_id == u.customer_id).exists()
    query = (select(u.id, u.referrer_given, u.noted_by, u.noted_at, cu.id.label("customer_id"), cu.name, cu.phone,
                    e.title, e.slogan, e.store)
             .join(customers_t, cu.id == u.customer_id).outerjoin(models.Event.__table__, e.id == u.event_id)
             .where(~linked).order_by(u.noted_at, u.id))
    if stores is not None:
        query = query.where(e.store.in_(stores))
    return [dict(row._mapping) for row in conn.execute(query)]
