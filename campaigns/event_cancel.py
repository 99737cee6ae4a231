"""`jinli events cancel`: the event is cancelled, its unsent texts too, and its invitees may get a notice once.

Who is told: every customer to whom an invitation to the event has left (sending, sent, delivered).
The notice is an outbox row of class ``notice`` keyed ``<event key>·cancelled·<customer>``, so
cancelling again (or twice at once) never texts anyone twice. It goes out with the next dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, case, select, update

from campaigns.context import CustomerView
from campaigns.planning import Planner
from errors import InvalidValue, TemplateTooLong
from messaging.cancel import cancel_planned
from messaging.render import compose_sms
from messaging.segments import count_segments
from records import models
from records.bulk import BulkInserter
from records.events import INVITING_STEPS, get_event

events_t = models.Event.__table__
outbox_t = models.OutboxMessage.__table__
customers_t = models.Customer.__table__
NOTICE_STEP = "cancel_notice"
LEFT_STATES = ("sending", "sent", "delivered")


@dataclass(frozen=True)
class Cancellation:
    event: dict
    newly_cancelled: bool  # False: it was cancelled before (a second run)
    messages_cancelled: int  # planned texts of the event (invitations, reminders) that will not go out
    notices: int = 0  # notices planned by this run
    told_before: int = 0  # invitees who already had their notice planned by an earlier run


def cancel_event(conn: Connection, event_id: int, now: datetime) -> Cancellation:
    """Mark the event cancelled (once) and cancel its planned texts; nothing more is planned for it."""
    event = dict(get_event(conn, event_id))
    newly = event["state"] != "cancelled"
    if newly:
        conn.execute(update(events_t).where(events_t.c.id == event_id).values(state="cancelled", cancelled_at=now))
        event.update(state="cancelled", cancelled_at=now)
    rows = cancel_planned(conn, now, event_id=event_id, except_step=NOTICE_STEP)  # a notice planned before stays
    return Cancellation(event, newly, len(rows))


def notify_invitees(conn: Connection, planner: Planner, event: dict, template: str, now: datetime) -> tuple[int, int]:
    """Plan the cancellation notice for each invitee whose invitation left; returns (planned now, planned before)."""
    o, c = outbox_t.c, customers_t.c
    invited = select(o.customer_id).where(o.event_id == event["id"], o.step.in_(INVITING_STEPS), o.state.in_(LEFT_STATES))
    told = set(conn.execute(select(o.customer_id).where(o.event_id == event["id"], o.step == NOTICE_STEP)).scalars())
    reason = case((c.opted_out.is_(True), "opted_out"), (c.phone_status != "ok", "invalid_phone"), else_=None)
    people = conn.execute(select(c.id, c.name, c.phone, c.tier, c.referral_code, c.store, reason.label("reason"))
                          .where(and_(c.id.in_(invited), c.id.not_in(told))).order_by(c.id)).mappings().all()
    common = {"campaign_id": event["campaign_id"], "occurrence_on": _local_day(event, planner), "step": NOTICE_STEP,
              "event_id": event["id"], "message_class": "notice", "attempts": 0, "due_at": now, "planned_at": now,
              "updated_at": now, "priority": 0}
    context = _event_context(event, planner)
    with BulkInserter(conn, outbox_t, common, ("key", "customer_id", "phone", "tier", "body", "segments", "state",
                                                "reason", "final_at")) as outbox:
        for person in people:
            body, segments, why = _notice(planner, template, context, dict(person))
            state = "suppressed" if why else "planned"
            outbox.add((f"{event['key']}·cancelled·{person['id']}", person["id"], person["phone"], person["tier"], body,
                        segments, state, why, now if why else None))
    return len(people), len(told)


def _notice(planner: Planner, template: str, context: dict, person: dict) -> tuple[str, int, str | None]:
    """(text, segments, reason it is not sent or None)."""
    if person["reason"]:
        return "", 0, person["reason"]
    sms = planner.settings.sms
    try:
        text = planner.renderer.render(template, {**context, "customer": CustomerView(person, context["event"]["date"])})
    except TemplateTooLong:
        return "", 0, "too_long"
    body = compose_sms(text, marketing=False, signature=sms.signature, unsubscribe_hint=sms.unsubscribe_hint)
    segments = count_segments(body).count
    return (body, segments, None) if segments <= sms.max_segments else ("", segments, "too_long")


def _local_day(event: dict, planner: Planner):
    return event["starts_at"].astimezone(planner.calendar.tz).date()


def _event_context(event: dict, planner: Planner) -> dict:
    """What a notice template reads: ``event`` (title, slogan, date, start_time, venue, term), ``brand``."""
    starts = event["starts_at"].astimezone(planner.calendar.tz)
    about = {"title": event["title"] or event["slogan"], "slogan": event["slogan"], "date": starts.date(),
             "start_time": starts.strftime("%H:%M"), "venue": event["venue"], "term": event["term"]}
    return {"event": about, "brand": planner.settings.site.brand,
            "campaign": {"id": event["campaign_id"], "name": event["campaign_id"]}}


def check_template(planner: Planner, template: str) -> None:
    """InvalidValue naming the template unless its file exists."""
    if not planner.renderer.exists(template):
        path = planner.settings.templates_path / (template + ".j2")
        raise InvalidValue(f"--notify {template!r}: no template {path}", key="notify_no_template", template=template,
                           path=path)
