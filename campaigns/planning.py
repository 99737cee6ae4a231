"""Planning an occurrence: audience → rendered texts → outbox rows (and events and invitations).

Idempotent by construction: the outbox key (campaign · subject date · step · customer) is unique,
so planning the same day twice, or from two processes, creates each message once.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, time
from typing import Callable

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from campaigns.audience import CAP_RECENT, AudiencePolicy, Candidate, select_audience, select_limited, stream_audience
from campaigns.compose import Composed, Composer
from campaigns.context import reads_recipient_values
from campaigns.definitions import Campaign
from campaigns.occurrences import CalendarOptions, EventSpec, Occurrence
from campaigns.preemption import displace
from messaging import provider_rules
from messaging.content_rules import ContentRules, load_content_rules
from messaging.quiet import next_allowed
from messaging.registry import Registry, load_registry
from messaging.render import TemplateRenderer
from records import models
from records.bulk import BulkInserter
from records.codes import new_code
from records.events import INVITING_STEPS
from records.links import LINK_VARIABLES, link_urls
from domain.holiday_file import work_calendar
from settings import Settings

outbox_t = models.OutboxMessage.__table__
events_t = models.Event.__table__
invitations_t = models.Invitation.__table__
SUPPRESSING = ("opted_out", "invalid_phone", "cap")  # recorded as suppressed rows; other reasons only counted
# A text that cannot be sent is a suppressed row with its reason (campaigns.compose): too_long (over
# [sms] max_segments or max_render_chars), no_template, bad_variable (domestic providers).
CHECKIN_CODE_LENGTH = 6


@dataclass
class PlanSummary:
    planned: int = 0
    already_planned: int = 0
    suppressed: Counter = field(default_factory=Counter)
    excluded: Counter = field(default_factory=Counter)
    occurrences: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # campaign id -> why its planning failed (skipped)
    preempted: Counter = field(default_factory=Counter)  # campaign id -> its messages displaced (cap_preempted)
    paused: list[str] = field(default_factory=list)  # campaigns not planned: paused by staff

    def add(self, other: "PlanSummary") -> None:
        self.failed.update(other.failed)
        self.preempted.update(other.preempted)
        self.paused += other.paused
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

    @cached_property
    def registry(self) -> Registry:
        """The approved-template registry, read on first use (a broken file fails only domestic planning)."""
        return load_registry(self.settings.path(self.settings.sms.approved_templates))

    @cached_property
    def content_rules(self) -> ContentRules:
        return load_content_rules(self.settings.path(self.settings.sms.content_rules))

    def due_at(self, occurrence: Occurrence) -> datetime:
        """The send time, moved past quiet hours unless the message is an exempt notice."""
        return self._quiet(occurrence, occurrence.send_at)

    def due_through(self, occurrence: Occurrence, gateway: str, at: datetime | None = None) -> datetime:
        """The due time of a text through ``gateway``: quiet hours, and a domestic provider's promotional hours."""
        at = self.due_at(occurrence) if at is None else self._quiet(occurrence, at)
        return provider_rules.due_for(self.settings, at, gateway, occurrence.message_class == "marketing",
                                      lambda d: self._quiet(occurrence, d))

    def _quiet(self, occurrence: Occurrence, at: datetime) -> datetime:
        if occurrence.message_class == "notice" and self.settings.sms.notices_ignore_quiet_hours:
            return at
        start, end = self.settings.quiet_hours
        return next_allowed(at, start, end, self.settings.tz)

    def link_variables(self, occurrence: Occurrence) -> frozenset[str]:
        """The links the occurrence's template reads (rsvp_url, optout_url): tokens are made only for those."""
        return frozenset(self.renderer.variables(occurrence.template) & LINK_VARIABLES.keys())

    def customer_fields(self, occurrence: Occurrence) -> frozenset[str] | None:
        """The customer attributes the occurrence's template reads (None: cannot tell, so all)."""
        return self.renderer.attributes_read(occurrence.template, "customer")

    def rule_columns(self, occurrence: Occurrence) -> bool:
        """Whether the occurrence's template may read a recipient's own values of the rule (amount, term...)."""
        return reads_recipient_values(occurrence, self.renderer.attributes_read(occurrence.template, "occurrence"))


def plan_occurrence(conn: Connection, planner: Planner, campaign: Campaign, occurrence: Occurrence,
                    now: datetime, progress: Callable[[int], None] | None = None) -> PlanSummary:
    """Plan one occurrence inside the caller's transaction; returns what happened, by reason."""
    summary = PlanSummary(occurrences=1)
    existing = _planned_customers(conn, occurrence)
    event_id = ensure_event(conn, campaign.id, occurrence.event, now, event_store(campaign)) if occurrence.event else None
    compose = Composer(planner, campaign, occurrence)
    due, cap = planner.due_at(occurrence), daily_cap(conn, planner, occurrence)
    links = planner.link_variables(occurrence)
    common = {"campaign_id": campaign.id, "occurrence_on": occurrence.subject_on, "step": occurrence.step,
              "event_id": event_id, "message_class": occurrence.message_class, "attempts": 0,
              "planned_at": now, "updated_at": now, "priority": campaign.priority}
    prefix = f"{occurrence.key}·"
    with BulkInserter(conn, outbox_t, common, ROW_COLUMNS) as outbox:
        for page in _audience_pages(conn, planner, campaign, occurrence):
            for candidate in page:
                customer = candidate.customer
                customer_id = customer["id"]
                over_cap = candidate.extra.pop(CAP_RECENT, 0) - planner.policy.weekly_cap + 1
                if candidate.reason and candidate.reason not in SUPPRESSING:
                    summary.excluded[candidate.reason] += 1
                elif customer_id in existing:
                    summary.already_planned += 1
                elif candidate.reason:
                    summary.suppressed[candidate.reason] += 1
                    outbox.add((prefix + str(customer_id), customer_id, customer["phone"], customer["tier"], "", 0,
                                "suppressed", candidate.reason, now, due, None, None))
                else:
                    found = _message(conn, compose, occurrence, event_id, candidate, now, links)
                    if found.body:
                        summary.planned += 1
                        at, _ = cap.place(customer["phone"], found.gateway, planner.due_through(occurrence, found.gateway))
                        if over_cap > 0 and occurrence.message_class == "marketing":
                            summary.preempted.update(displace(conn, customer_id, occurrence, campaign.priority,
                                                              over_cap, now))
                    else:
                        summary.suppressed[found.reason] += 1
                        at = due
                    outbox.add((prefix + str(customer_id), customer_id, customer["phone"], customer["tier"], found.body or "",
                                found.segments, "planned" if found.body else "suppressed", found.reason,
                                None if found.body else now, at, found.template_code, _json(found.params)))
            if progress:
                progress(len(page))
    return summary


def _message(conn: Connection, compose: Composer, occurrence: Occurrence, event_id: int | None,
             candidate: Candidate, now: datetime, links: frozenset[str] = frozenset()) -> Composed:
    """The recipient's message; no invitation is kept for a text that is not sent."""
    invites = occurrence.event is not None and occurrence.step in INVITING_STEPS
    code = ensure_invitation(conn, event_id, candidate.customer, now) if invites else None
    invitation = _invitation_id(conn, event_id, candidate.customer["id"]) if links and event_id else None
    urls = link_urls(conn, links, compose.settings.public_base_url, candidate.customer["id"], invitation, now,
                     occurrence.template)
    found = compose(candidate, {"checkin_code": code} if invites else {}, urls)
    if found.body is None and invites:
        forget_invitation(conn, event_id, candidate.customer, code, now)
    return found


def daily_cap(conn: Connection, planner: Planner, occurrence: Occurrence) -> provider_rules.DailyCap:
    """The providers' per-number daily cap for this occurrence's texts."""
    return provider_rules.DailyCap(conn, planner.settings, lambda at, gateway: planner.due_through(occurrence, gateway, at))


def _invitation_id(conn: Connection, event_id: int, customer_id: int) -> int | None:
    i = invitations_t.c
    return conn.execute(select(i.id).where(i.event_id == event_id, i.customer_id == customer_id)).scalar()


def _json(params: dict | None) -> str | None:
    return json.dumps(params, ensure_ascii=False, separators=(",", ":")) if params is not None else None


ROW_COLUMNS = ("key", "customer_id", "phone", "tier", "body", "segments", "state", "reason", "final_at", "due_at",
               "template_code", "template_params")


def _audience_pages(conn: Connection, planner: Planner, campaign: Campaign, occurrence: Occurrence):
    """The occurrence's candidates, in pages: capacity-limited and event occurrences in one page (their
    order decides who is invited, and planning writes invitations), the rest streamed."""
    args = (conn, campaign, occurrence, planner.policy, planner.calendar.zodiac_boundary)
    if occurrence.limit is not None:
        return [select_limited(*args)]
    if occurrence.event is not None:
        return [select_audience(*args)]
    return stream_audience(*args, fields=planner.customer_fields(occurrence), rule_columns=planner.rule_columns(occurrence))


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
