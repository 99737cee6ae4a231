"""Events and their invitations: which event is on today, replies (1 / 2), no-shows, seats left.

Invitation states: invited → confirmed / declined (a reply) → attended (a check-in) / no_show.
Only a *confirmed* invitation becomes a no-show: an unanswered one stays ``invited``, so
"confirmed" in reports is confirmed + attended + no_show and never shrinks when an event closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, RowMapping, delete, func, or_, select, update

from errors import InvalidValue, NotFound
from records import models
from records.codes import normalise_code
from records.event_config import invitation_quota

events_t = models.Event.__table__
invitations_t = models.Invitation.__table__
checkins_t = models.CheckIn.__table__

OPEN_STATES = ("invited", "confirmed", "declined")
CONFIRMED_STATES = ("confirmed", "attended", "no_show")
REPLY_STATES = {"confirm": "confirmed", "decline": "declined"}


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where the local day ``day`` starts and the next one starts."""
    start = datetime.combine(day, time(), tz)
    end = datetime.combine(day + timedelta(days=1), time(), tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def get_event(conn: Connection, event_id: int) -> RowMapping:
    """The event ``event_id``; NotFound names it."""
    row = conn.execute(select(events_t).where(events_t.c.id == event_id)).mappings().first()
    if row is None:
        raise NotFound(f"event {event_id} not found", key="event_not_found", id=event_id)
    return row


def events_on(conn: Connection, day: date, tz: ZoneInfo) -> list[RowMapping]:
    """The events starting on the local day ``day``, earliest first."""
    start, end = day_bounds(day, tz)
    e = events_t.c
    query = select(events_t).where(e.starts_at >= start, e.starts_at < end).order_by(e.starts_at, e.id)
    return list(conn.execute(query).mappings())


def event_today(conn: Connection, now: datetime, tz: ZoneInfo) -> RowMapping:
    """Today's one event; NotFound when there is none, InvalidValue listing them when there are several."""
    today = now.astimezone(tz).date()
    found = events_on(conn, today, tz)
    if not found:
        raise NotFound(f"no event on {today.isoformat()}: pass --event ID", key="event_none_today", day=today.isoformat())
    if len(found) > 1:
        listed = ", ".join(f"{e['id']} {e['title'] or e['slogan']}" for e in found)
        raise InvalidValue(f"{len(found)} events on {today.isoformat()} ({listed}): pass --event ID",
                           key="event_several_today", count=len(found), day=today.isoformat(), listed=listed)
    return found[0]


def invitation_by_code(conn: Connection, code: str) -> RowMapping | None:
    """The invitation whose check-in code is ``code`` (typed any case, with spaces or dashes), if any."""
    query = select(invitations_t).where(invitations_t.c.code == normalise_code(code))
    return conn.execute(query).mappings().first()


def invitation_for(conn: Connection, event_id: int, customer_id: int) -> RowMapping | None:
    i = invitations_t.c
    query = select(invitations_t).where(i.event_id == event_id, i.customer_id == customer_id)
    return conn.execute(query).mappings().first()


def todays_invitation(conn: Connection, customer_id: int, now: datetime, tz: ZoneInfo) -> RowMapping | None:
    """The customer's invitation to an event starting today (local), if any."""
    start, end = day_bounds(now.astimezone(tz).date(), tz)
    i, e = invitations_t.c, events_t.c
    query = (select(invitations_t).join(events_t, e.id == i.event_id)
             .where(i.customer_id == customer_id, e.starts_at >= start, e.starts_at < end)
             .order_by(e.starts_at).limit(1))
    return conn.execute(query).mappings().first()


@dataclass(frozen=True)
class ReplyOutcome:
    invitation_id: int
    event_id: int
    event_title: str
    starts_at: datetime | None
    state: str
    previous: str


def apply_reply(conn: Connection, customer_id: int, intent: str, now: datetime) -> ReplyOutcome | None:
    """Confirm or decline (``intent`` confirm|decline) the customer's latest open invitation to an upcoming event.

    A guest may change their mind (confirmed ↔ declined) until the event starts; None when nothing is open.
    """
    if intent not in REPLY_STATES:
        raise InvalidValue(f"reply intent {intent!r}: expected confirm or decline")
    i, e = invitations_t.c, events_t.c
    row = conn.execute(
        select(i.id, i.event_id, i.state, e.title, e.slogan, e.starts_at).join(events_t, e.id == i.event_id)
        .where(i.customer_id == customer_id, i.state.in_(OPEN_STATES), e.starts_at > now,
               or_(i.invited_at.is_(None), i.invited_at <= now))
        .order_by(i.invited_at.desc(), i.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    state = REPLY_STATES[intent]
    conn.execute(update(invitations_t).where(i.id == row.id).values(state=state, replied_at=now))
    return ReplyOutcome(row.id, row.event_id, row.title or row.slogan, row.starts_at, state, row.state)


def mark_no_shows(conn: Connection, event_id: int) -> int:
    """After an event: confirmed invitations without a check-in become no_show; returns how many."""
    i, c = invitations_t.c, checkins_t.c
    came = select(c.id).where(c.event_id == i.event_id, c.customer_id == i.customer_id).exists()
    result = conn.execute(
        update(invitations_t).where(i.event_id == event_id, i.state == "confirmed", ~came).values(state="no_show")
    )
    return result.rowcount


def invitations_left(conn: Connection, event_id: int, ratio: float) -> int | None:
    """How many more invitations the event's capacity allows with over-booking (None: no limit)."""
    event = get_event(conn, event_id)
    quota = invitation_quota(event["capacity"] or 0, ratio)
    if quota is None:
        return None
    sent = conn.execute(select(func.count()).where(invitations_t.c.event_id == event_id)).scalar_one()
    return max(quota - sent, 0)


def confirmed_count(conn: Connection, event_id: int) -> int:
    i = invitations_t.c
    query = select(func.count()).where(i.event_id == event_id, i.state.in_(CONFIRMED_STATES))
    return conn.execute(query).scalar_one()


# The outbox steps whose text is an invitation (planning records the invitation with its check-in code).
INVITING_STEPS = ("invitation", "banquet")


def drop_unsent_invitations(conn: Connection, messages) -> int:
    """Forget the invitations whose text will never be sent (cancelled, displaced): rows with
    ``event_id``, ``customer_id`` and ``step``; only invitations nobody answered or used are dropped."""
    i, c = invitations_t.c, checkins_t.c
    dropped = 0
    for m in messages:
        if m.event_id is None or m.step not in INVITING_STEPS:
            continue
        used = select(c.id).where(c.invitation_id == i.id).exists()
        dropped += conn.execute(delete(invitations_t).where(
            i.event_id == m.event_id, i.customer_id == m.customer_id, i.state == "invited", ~used)).rowcount
    return dropped
