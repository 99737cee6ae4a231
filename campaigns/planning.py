"""Planning an occurrence: audience → rendered texts → outbox rows (and events and invitations).

Idempotent by construction: the outbox key (campaign · subject date · step · customer) is unique,
so planning the same day twice, or from two processes, creates each message once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Callable

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from campaigns.audience import AudiencePolicy, Candidate, select_audience, select_limited, stream_audience
from campaigns.context import ContextMaker
from campaigns.definitions import Campaign
from campaigns.occurrences import CalendarOptions, EventSpec, Occurrence
from messaging.quiet import next_allowed
from messaging.render import TemplateRenderer, compose_sms
from messaging.segments import count_segments
from records import models
from records.bulk import BulkInserter
from errors import TemplateTooLong
from records.codes import new_code
from schedules.holiday_file import work_calendar
from settings import Settings

outbox_t = models.OutboxMessage.__table__
events_t = models.Event.__table__
invitations_t = models.Invitation.__table__
SUPPRESSING = ("opted_out", "invalid_phone", "cap")  # recorded as suppressed rows; other reasons only counted
TOO_LONG = "too_long"  # the rendered text is over [sms] max_segments (or max_render_chars): suppressed, never sent
CHECKIN_CODE_LENGTH = 6


@dataclass
class PlanSummary:
    planned: int = 0
    already_planned: int = 0
    suppressed: Counter = field(default_factory=Counter)
    excluded: Counter = field(default_factory=Counter)
    occurrences: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # campaign id -> why its planning failed (skipped)

    def add(self, other: "PlanSummary") -> None:
        self.failed.update(other.failed)
        self.planned += other.planned
        self.already_planned += other.already_planned
        self.suppressed.update(other.suppressed)
        self.excluded.update(other.excluded)
        self.occurrences += other.occurrences


@dataclass(frozen=True)
class Planner:
    """Everything planning needs besides the database: settings, templates, calendar options."""

    settings: Settings
    renderer: TemplateRenderer
    calendar: CalendarOptions
    policy: AudiencePolicy

    @classmethod
    def from_settings(cls, settings: Settings) -> "Planner":
        calendar = CalendarOptions(settings.tz, settings.calendar.zodiac_boundary, settings.calendar.feb29_in_common_years,
                                   settings.events.overbooking_ratio, work_calendar(settings))
        policy = AudiencePolicy(settings.sms.weekly_cap, settings.tiers.new_customer_days, settings.tiers.old_customer_days)
        return cls(settings, TemplateRenderer(settings.templates_path, settings.sms.max_render_chars), calendar, policy)

    def calendar_send_at(self, campaign: Campaign, day) -> datetime:
        return datetime.combine(day, campaign.send_time, self.calendar.tz)

    def calendar_send_at_time(self, day) -> datetime:
        return datetime.combine(day, time(12, 0), self.calendar.tz)

    def due_at(self, occurrence: Occurrence) -> datetime:
        """The send time, moved past quiet hours unless the message is an exempt notice."""
        if occurrence.message_class == "notice" and self.settings.sms.notices_ignore_quiet_hours:
            return occurrence.send_at
        start, end = self.settings.quiet_hours
        return next_allowed(occurrence.send_at, start, end, self.settings.tz)

    def texts(self, campaign: Campaign, occurrence: Occurrence) -> Callable[[Candidate, dict | None], str]:
        """The final SMS text of each recipient of one occurrence (template, then signature and
        unsubscribe hint); what the recipients share is prepared once."""
        boundary = getattr(campaign.spec, "boundary", None) or self.calendar.zodiac_boundary
        make_context = ContextMaker(campaign, occurrence, self.settings.site.brand, boundary, self.calendar.feb29,
                                    self.renderer.attributes_read(occurrence.template, "occurrence"))
        render, template, sms = self.renderer.render, occurrence.template, self.settings.sms
        marketing = occurrence.message_class == "marketing"

        def text(candidate: Candidate, extra: dict | None = None) -> str:
            return compose_sms(render(template, make_context(candidate, extra)), marketing=marketing,
                               signature=sms.signature, unsubscribe_hint=sms.unsubscribe_hint)
        return text

    def customer_fields(self, occurrence: Occurrence) -> frozenset[str] | None:
        """The customer attributes the occurrence's template reads (None: cannot tell, so all)."""
        return self.renderer.attributes_read(occurrence.template, "customer")


def plan_occurrence(conn: Connection, planner: Planner, campaign: Campaign, occurrence: Occurrence,
                    now: datetime, progress: Callable[[int], None] | None = None) -> PlanSummary:
    """Plan one occurrence inside the caller's transaction; returns what happened, by reason."""
    summary = PlanSummary(occurrences=1)
    existing = _planned_customers(conn, occurrence)
    event_id = ensure_event(conn, campaign.id, occurrence.event, now, event_store(campaign)) if occurrence.event else None
    texts = planner.texts(campaign, occurrence)
    common = {"campaign_id": campaign.id, "occurrence_on": occurrence.subject_on, "step": occurrence.step,
              "event_id": event_id, "message_class": occurrence.message_class, "attempts": 0,
              "due_at": planner.due_at(occurrence), "planned_at": now, "updated_at": now}
    prefix = f"{occurrence.key}·"
    with BulkInserter(conn, outbox_t, common, ROW_COLUMNS) as outbox:
        for page in _audience_pages(conn, planner, campaign, occurrence):
            for candidate in page:
                customer = candidate.customer
                customer_id = customer["id"]
                if candidate.reason and candidate.reason not in SUPPRESSING:
                    summary.excluded[candidate.reason] += 1
                elif customer_id in existing:
                    summary.already_planned += 1
                elif candidate.reason:
                    summary.suppressed[candidate.reason] += 1
                    outbox.add((prefix + str(customer_id), customer_id, customer["phone"], customer["tier"], "", 0,
                                "suppressed", candidate.reason, now))
                else:
                    body, segments = _message(conn, planner, texts, occurrence, event_id, candidate, now)
                    state, reason = ("planned", None) if body else ("suppressed", TOO_LONG)
                    if body:
                        summary.planned += 1
                    else:
                        summary.suppressed[TOO_LONG] += 1
                    outbox.add((prefix + str(customer_id), customer_id, customer["phone"], customer["tier"], body or "",
                                segments, state, reason, None if body else now))
            if progress:
                progress(len(page))
    return summary


def _message(conn: Connection, planner: Planner, texts, occurrence: Occurrence, event_id: int | None,
             candidate: Candidate, now: datetime) -> tuple[str | None, int]:
    """The recipient's text and its segments; None (and no invitation kept) when it is too long to send."""
    invites = occurrence.step == "invitation" or (occurrence.event and occurrence.step == "banquet")
    code = ensure_invitation(conn, event_id, candidate.customer, now) if invites else None
    body, segments = checked_text(planner, texts, candidate, {"checkin_code": code} if invites else {})
    if body is None and invites:
        forget_invitation(conn, event_id, candidate.customer, code, now)
    return body, segments


def checked_text(planner: Planner, texts, candidate: Candidate, extra: dict) -> tuple[str | None, int]:
    """The text and its segment count, or (None, segments) when over [sms] max_segments or max_render_chars."""
    try:
        body = texts(candidate, extra)
    except TemplateTooLong:
        return None, 0
    segments = count_segments(body).count
    return (body if segments <= planner.settings.sms.max_segments else None), segments


ROW_COLUMNS = ("key", "customer_id", "phone", "tier", "body", "segments", "state", "reason", "final_at")


def _audience_pages(conn: Connection, planner: Planner, campaign: Campaign, occurrence: Occurrence):
    """The occurrence's candidates, in pages: capacity-limited and event occurrences in one page (their
    order decides who is invited, and planning writes invitations), the rest streamed."""
    args = (conn, campaign, occurrence, planner.policy, planner.calendar.zodiac_boundary)
    if occurrence.limit is not None:
        return [select_limited(*args)]
    if occurrence.event is not None:
        return [select_audience(*args)]
    return stream_audience(*args, fields=planner.customer_fields(occurrence))


def _planned_customers(conn: Connection, occurrence: Occurrence) -> set[int]:
    o = outbox_t.c
    query = select(o.customer_id).where(o.campaign_id == occurrence.campaign_id, o.step == occurrence.step,
                                        o.occurrence_on == occurrence.subject_on)
    return set(conn.execute(query).scalars())


def _insert_ignoring_duplicates(conn: Connection, table, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a concurrent planner's row wins, ours is dropped, no error."""
    if not rows:
        return
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    for start in range(0, len(rows), 5000):
        conn.execute(dialect_insert(table).on_conflict_do_nothing(), rows[start:start + 5000])


def event_store(campaign: Campaign) -> str:
    """The store an event of the campaign belongs to: its audience's one store; "" (every store) otherwise."""
    stores = campaign.audience.stores
    return next(iter(stores)) if len(stores) == 1 else ""


def ensure_event(conn: Connection, campaign_id: str, spec: EventSpec, now: datetime, store: str = "") -> int:
    """The event's id, creating the row on first use (key is unique)."""
    found = conn.execute(select(events_t.c.id).where(events_t.c.key == spec.key)).scalar()
    if found is not None:
        return found
    values = {"key": spec.key, "campaign_id": campaign_id, "kind": spec.kind, "title": spec.title, "slogan": spec.slogan,
              "term": spec.term, "venue": spec.venue, "capacity": spec.capacity, "starts_at": spec.starts_at, "created_at": now, "store": store}
    _insert_ignoring_duplicates(conn, events_t, [values])
    return conn.execute(select(events_t.c.id).where(events_t.c.key == spec.key)).scalar_one()


def ensure_invitation(conn: Connection, event_id: int, customer: dict, now: datetime) -> str:
    """The customer's check-in code for the event, recording the invitation on first use."""
    i = invitations_t.c
    found = conn.execute(select(i.code).where(i.event_id == event_id, i.customer_id == customer["id"])).scalar()
    if found:
        return found
    code = _free_code(conn)
    conn.execute(insert(invitations_t).values(event_id=event_id, customer_id=customer["id"], code=code, state="invited",
                                              tier=customer["tier"], invited_at=now))
    return code


def forget_invitation(conn: Connection, event_id: int, customer: dict, code: str, now: datetime) -> None:
    """Drop the invitation made for a text that is not sent (only one made in this planning run)."""
    i = invitations_t.c
    conn.execute(delete(invitations_t).where(i.event_id == event_id, i.customer_id == customer["id"], i.code == code,
                                             i.invited_at == now))


def _free_code(conn: Connection) -> str:
    while True:
        code = new_code(CHECKIN_CODE_LENGTH)
        if conn.execute(select(invitations_t.c.id).where(invitations_t.c.code == code)).first() is None:
            return code
