"""Texts that follow what happens in the records: a trigger campaign's scan turned into outbox rows.

Exactly once per triggering record: the outbox key is ``campaign · trigger kind · record id ·
customer``, unique in the table, and rows are written with ON CONFLICT DO NOTHING, so a re-import,
a restart, a scan that reads a record again or a second daemon on the same database never adds a
second text. The watermark moves in the same transaction as the rows it covers.

Each text passes the campaign's [audience] filters, opt-outs, the weekly cap and quiet hours like any
other (``campaigns.audience``); the template reads ``trigger`` (the record) and, with ``invite_to``,
``next_event`` (the next event of that campaign, with the guest's check-in code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from campaigns.audience import CAP_RECENT, Candidate, select_audience
from campaigns.compose import Composed, Composer
from campaigns.definitions import Campaign
from campaigns.occurrences import EventSpec, Listed, Occurrence, event_context, salon_event
from campaigns.planning import PlanSummary, Planner, SUPPRESSING, daily_cap, ensure_event, ensure_invitation, event_store
from campaigns.trigger_scan import Fired, advance, scan, state_of
from campaigns.trigger_spec import NEXT_EVENT_DAYS
from records import models
from records.bulk import BulkInserter
from records.links import link_urls
from records.parsing import yuan
from records.terms import parse_term

outbox_t = models.OutboxMessage.__table__
events_t = models.Event.__table__
CHUNK = 5_000  # recipients per audience query
ROW_COLUMNS = ("key", "customer_id", "event_id", "phone", "tier", "body", "segments", "state", "reason", "final_at",
               "due_at", "template_code", "template_params")
NO_EVENT = "no_event"  # invite_to: no event of that campaign in the next 14 days
PREVIEW_CODE = "XXXXXX"  # a preview's stand-in check-in code (only planning makes invitations)


@dataclass
class Planned:
    """One record's outcome: the message (or why none), for planning and previews alike."""

    fired: Fired
    candidate: Candidate
    key: str
    found: Composed | None = None
    reason: str | None = None
    due_at: datetime | None = None
    event_id: int | None = None


@dataclass
class TriggerRun:
    summary: PlanSummary = field(default_factory=PlanSummary)
    records: int = 0


def outbox_key(campaign: Campaign, fired: Fired) -> str:
    return f"{campaign.id}·{campaign.spec.on}·{fired.record_id}·{fired.customer_id}"


def occurrence_for(planner: Planner, campaign: Campaign, now: datetime, ids: frozenset[int]) -> Occurrence:
    """The occurrence a scan's texts share: sent now (quiet hours and caps apply), step = the trigger kind."""
    day = now.astimezone(planner.calendar.tz).date()
    return Occurrence(campaign.id, campaign.spec.on, day, day, now.astimezone(planner.calendar.tz),
                      campaign.template("message") or "", campaign.message_class, Listed(ids=ids), {"date": day})


def scan_and_plan(conn: Connection, planner: Planner, campaign: Campaign, campaigns: list[Campaign],
                  now: datetime, *, plan: bool = True) -> TriggerRun:
    """One scan of one trigger campaign inside the caller's transaction: plan its due records (``plan`` False:
    a paused campaign, whose records pass unsent), then move its watermark."""
    state = state_of(conn, campaign, now)
    found = scan(conn, campaign, state, now, planner.calendar.tz, _ladder(planner))
    run = TriggerRun(records=len(found.fired))
    if plan and found.fired:
        run.summary = write(conn, planner, campaign, compose_all(conn, planner, campaign, campaigns, found.fired, now,
                                                                 write_invitations=True), now)
    advance(conn, campaign, found.state, now)
    return run


def _ladder(planner: Planner) -> tuple:
    return tuple((step.points, step.name) for step in planner.settings.loyalty.rewards)


def compose_all(conn: Connection, planner: Planner, campaign: Campaign, campaigns: list[Campaign], fired: list[Fired],
                now: datetime, *, write_invitations: bool) -> list[Planned]:
    """Each record not planned before: its recipient classified by the audience rules, then its text."""
    keyed = {outbox_key(campaign, f): f for f in fired}
    planned = _existing(conn, list(keyed))
    fresh = [(k, f) for k, f in keyed.items() if k not in planned]
    out = []
    for start in range(0, len(fresh), CHUNK):
        chunk = fresh[start:start + CHUNK]
        occurrence = occurrence_for(planner, campaign, now, frozenset(f.customer_id for _, f in chunk))
        out += _compose_chunk(conn, planner, campaign, campaigns, occurrence, chunk, now, write_invitations)
    return out


def _existing(conn: Connection, keys: list[str]) -> set[str]:
    o = outbox_t.c
    found = set()
    for start in range(0, len(keys), CHUNK):
        found.update(conn.execute(select(o.key).where(o.key.in_(keys[start:start + CHUNK]))).scalars())
    return found


def _compose_chunk(conn, planner, campaign, campaigns, occurrence, chunk, now, write_invitations) -> list[Planned]:
    candidates = {c.customer["id"]: c for c in select_audience(conn, campaign, occurrence, planner.policy,
                                                                planner.calendar.zodiac_boundary)}
    compose, cap = Composer(planner, campaign, occurrence), daily_cap(conn, planner, occurrence)
    event = _next_event(conn, planner, campaign, campaigns, occurrence, now, write_invitations)
    links = planner.link_variables(occurrence)  # parsed once: the template is the same for every record
    out = []
    for key, fired in chunk:
        candidate = candidates.get(fired.customer_id)
        if candidate is None:  # erased since
            continue
        candidate.extra.pop(CAP_RECENT, None)
        item = Planned(fired, candidate, key, reason=candidate.reason)
        if item.reason is None:
            _compose_one(conn, planner, compose, cap, occurrence, item, event, links, now, write_invitations)
        out.append(item)
    return out


def _compose_one(conn, planner, compose, cap, occurrence, item: Planned, event, links, now, write_invitations) -> None:
    context = {**compose.make_context(item.candidate), "trigger": trigger_context(item.fired, planner)}
    if event is not None:
        spec, event_id = event
        if spec is None:
            item.reason = NO_EVENT
            return
        code = ensure_invitation(conn, event_id, item.candidate.customer, now) if event_id is not None else PREVIEW_CODE
        context["next_event"] = {**event_context(spec), "checkin_code": code}
        item.event_id = event_id
    urls = link_urls(conn, links, planner.settings.public_base_url, item.candidate.customer["id"], None, now,
                     occurrence.template) if write_invitations else compose.stand_in
    item.found = compose.compose(item.candidate.customer["phone"], {**context, **urls})
    if item.found.body is None:
        item.reason = item.found.reason
        return
    item.due_at, _ = cap.place(item.candidate.customer["phone"], item.found.gateway,
                               planner.due_through(occurrence, item.found.gateway))


def _next_event(conn, planner: Planner, campaign: Campaign, campaigns: list[Campaign], occurrence: Occurrence,
                now: datetime, write: bool):
    """(event spec, event id) of the next event of ``invite_to`` after today; None when the campaign invites nowhere.

    The event row is made as the salon campaign would make it (same key), so its invitations and
    check-ins count in the funnel. (spec, None) when there is none within 14 days or nothing is written."""
    name = campaign.spec.invite_to
    if not name:
        return None
    target = next((c for c in campaigns if c.id == name), None)
    spec = _upcoming(conn, planner, target, occurrence.on) if target else None
    if spec is None or not write:
        return spec, None
    return spec, ensure_event(conn, target.id, spec, now, event_store(target))


def _upcoming(conn: Connection, planner: Planner, target: Campaign, today) -> EventSpec | None:
    """The first event of ``target`` after ``today`` (within 14 days) that staff have not cancelled."""
    from campaigns.kind_occurrences import staff_event

    build = salon_event if target.kind == "weekday_salons" else staff_event
    for days in range(1, NEXT_EVENT_DAYS + 1):
        day = today + timedelta(days=days)
        found = build(target, target.spec, day, planner.calendar) if target.runs_on(day) else None
        if found is not None and not _cancelled(conn, found.key):
            return found
    return None


def _cancelled(conn: Connection, key: str) -> bool:
    e = events_t.c
    return conn.execute(select(e.id).where(e.key == key, e.state == "cancelled")).first() is not None


def trigger_context(fired: Fired, planner: Planner) -> dict:
    """What a template reads as ``trigger``: the record's own values, named for staff."""
    row, tz = fired.row, planner.calendar.tz
    context = {"happened_on": fired.happened_on}
    if row.get("amount_fen") is not None:
        context.update(amount=yuan(row["amount_fen"]), term=row["term"], term_label=parse_term(row["term"]).label_zh,
                       product=row["product"], start_on=row["start_on"], maturity_on=row["maturity_on"])
    for name in ("friend", "old_tier", "new_tier", "changed_on", "balance", "title", "venue", "visit"):
        if name in row:
            context[name] = row[name]
    if "friend" in row:
        context["gift"] = planner.settings.loyalty.referral_reward
    if "reward_points" in row:
        names = dict(_ladder(planner))
        context.update(reward=names.get(row["reward_points"], ""), reward_points=row["reward_points"])
    if row.get("starts_at") is not None:
        context["event_date"] = row["starts_at"].astimezone(tz).date()
    return context


def write(conn: Connection, planner: Planner, campaign: Campaign, items: list[Planned], now: datetime) -> PlanSummary:
    """The outbox rows of ``items`` (a suppressed row for opt-outs, invalid phones, the cap and unsendable texts)."""
    summary = PlanSummary(occurrences=1)
    common = {"campaign_id": campaign.id, "occurrence_on": now.astimezone(planner.calendar.tz).date(),
              "step": campaign.spec.on, "message_class": campaign.message_class, "attempts": 0, "planned_at": now,
              "updated_at": now, "priority": campaign.priority}
    with BulkInserter(conn, outbox_t, common, ROW_COLUMNS) as outbox:
        for item in items:
            row = _row(item, now, summary)
            if row is not None:
                outbox.add(row)
    return summary


def _row(item: Planned, now: datetime, summary: PlanSummary) -> tuple | None:
    customer, found = item.candidate.customer, item.found
    if item.reason and item.candidate.reason and item.reason not in SUPPRESSING:
        summary.excluded[item.reason] += 1
        return None
    if item.reason:
        summary.suppressed[item.reason] += 1
        return (item.key, customer["id"], item.event_id, customer["phone"], customer["tier"], "", 0, "suppressed",
                item.reason, now, now, found.template_code if found else None, None)
    summary.planned += 1
    params = json.dumps(found.params, ensure_ascii=False, separators=(",", ":")) if found.params is not None else None
    return (item.key, customer["id"], item.event_id, customer["phone"], customer["tier"], found.body, found.segments,
            "planned", None, None, item.due_at, found.template_code, params)

