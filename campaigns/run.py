"""A day's work for every campaign: occurrences → plans (``plan_day``) or, without writing, previews."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, select

from campaigns.audience import CAP_RECENT, select_audience
from campaigns.definitions import Campaign
from campaigns.occurrences import Occurrence, PastEvent, followup_occurrences, occurrences
from campaigns.compose import Composed, Composer
from campaigns.planning import PlanSummary, Planner, daily_cap, plan_occurrence
from campaigns.preemption import to_displace
from messaging.pauses import is_paused
from messaging.provider_rules import DAILY_CAP
from domain.phone import mask
from messaging.segments import count_segments
from records import models, planning_errors

log = logging.getLogger("jinli.planning")
events_t = models.Event.__table__
PREVIEW_CODE = "XXXXXX"  # stands in for a check-in code, which only planning creates


def day_occurrences(conn: Connection, planner: Planner, campaign: Campaign, day: date) -> list[Occurrence]:
    """The campaign's occurrences on ``day``, follow-ups of recorded events included, none for a cancelled event."""
    if campaign.kind != "post_event_followup":
        found = occurrences(campaign, day, planner.calendar)
    else:
        events = _recent_events(conn, campaign.spec.events_of, day, planner.calendar.tz)
        found = followup_occurrences(campaign, day, events, planner.calendar)
    cancelled = _cancelled_events(conn, {o.event.key for o in found if o.event is not None})
    return [o for o in found if o.event is None or o.event.key not in cancelled]


def _cancelled_events(conn: Connection, keys: set[str]) -> set[str]:
    if not keys:
        return set()
    e = events_t.c
    return set(conn.execute(select(e.key).where(e.key.in_(sorted(keys)), e.state == "cancelled")).scalars())


def _recent_events(conn: Connection, campaign_id: str, day: date, tz) -> list[PastEvent]:
    e = events_t.c
    since = datetime.combine(day - timedelta(days=10), time(), tz)
    rows = conn.execute(select(e.key, e.starts_at, e.slogan, e.term, e.title)
                        .where(e.campaign_id == campaign_id, e.starts_at >= since))
    return [PastEvent(r.key, r.starts_at, r.slogan, r.term, r.title) for r in rows]


def plan_day(conn: Connection, planner: Planner, campaigns: list[Campaign], day: date, now: datetime,
             worker: str = "run") -> PlanSummary:
    """Plan every occurrence of every campaign on ``day`` (idempotent). A campaign whose planning fails is
    rolled back, logged, recorded (``campaigns list``) and counted in ``failed``; the others still plan."""
    total = PlanSummary()
    for campaign in campaigns:
        try:
            with conn.begin_nested():  # a savepoint: the failing campaign's rows go, the others' stay
                found = plan_campaign_day(conn, planner, campaign, day, now)
        except Exception as exc:  # noqa: BLE001 (any failure of one campaign must not stop the others)
            total.failed[campaign.id] = planning_errors.describe(exc)
            log.error("campaign %s: planning %s failed, skipped: %s", campaign.id, day, total.failed[campaign.id])
            planning_errors.record(conn, campaign.id, day, total.failed[campaign.id], now, worker)
            continue
        total.add(found)
        planning_errors.clear(conn, campaign.id)
    return total


def plan_campaign_day(conn: Connection, planner: Planner, campaign: Campaign, day: date, now: datetime) -> PlanSummary:
    """Plan every occurrence of one campaign on ``day``, inside the caller's transaction (nothing when paused)."""
    if is_paused(conn, campaign.id):
        return PlanSummary(paused=[campaign.id])
    total = PlanSummary()
    for occurrence in day_occurrences(conn, planner, campaign, day):
        total.add(plan_occurrence(conn, planner, campaign, occurrence, now))
    return total


@dataclass
class PreviewOccurrence:
    occurrence: Occurrence
    due_at: datetime
    recipients: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)


def preview(conn: Connection, planner: Planner, campaign: Campaign, day: date,
            now: datetime | None = None) -> list[PreviewOccurrence]:
    """Who would receive what on ``day``, and who is excluded and why; writes nothing. A trigger campaign:
    what a scan at ``now`` (default: noon of ``day``) would plan."""
    if campaign.kind == "trigger":
        from campaigns.trigger_preview import preview_triggers

        return preview_triggers(conn, planner, campaign, now or planner.calendar_send_at_time(day))
    items = []
    for occurrence in day_occurrences(conn, planner, campaign, day):
        item = PreviewOccurrence(occurrence, planner.due_at(occurrence))
        compose, cap = Composer(planner, campaign, occurrence), daily_cap(conn, planner, occurrence)
        for candidate in select_audience(conn, campaign, occurrence, planner.policy, planner.calendar.zodiac_boundary):
            who = _who(candidate.customer, occurrence.on)
            over_cap = candidate.extra.pop(CAP_RECENT, 0) - planner.policy.weekly_cap + 1
            if candidate.reason:
                item.excluded.append({**who, "reason": candidate.reason})
                continue
            found = compose(candidate, {"checkin_code": candidate.extra.get("checkin_code") or PREVIEW_CODE})
            if found.body is None:
                item.excluded.append(_why_not(who, found))
                continue
            at, deferred = cap.place(candidate.customer["phone"], found.gateway, planner.due_through(occurrence, found.gateway))
            item.recipients.append({**_recipient(planner, who, found, at, deferred),
                                    **_displacing(conn, candidate, occurrence, campaign, over_cap)})
        items.append(item)
    return items


def _recipient(planner: Planner, who: dict, found: Composed, at: datetime, deferred: bool) -> dict:
    """One recipient as preview shows it: text, segments, gateway, template code, cost, send time, lint."""
    segments = count_segments(found.body)
    return {**who, "text": found.body, "segments": segments.count, "encoding": segments.encoding,
            "gateway": found.gateway, "template_code": found.template_code, "template_params": found.params,
            "cost": round(segments.count * planner.settings.sms.cost_per_segment, 4), "send_at": at.isoformat(),
            "deferred": DAILY_CAP if deferred else None,
            "lint": [f.as_json() for f in planner.content_rules.lint(found.body)]}


def _why_not(who: dict, found: Composed) -> dict:
    out = {**who, "reason": found.reason, "gateway": found.gateway}
    if found.segments:
        out["segments"] = found.segments
    if found.detail:
        out["detail"] = found.detail
    return out


def _displacing(conn: Connection, candidate, occurrence: Occurrence, campaign: Campaign, over_cap: int) -> dict:
    """``{"displaces": [campaign ids]}``: the lower-priority texts this one would suppress as cap_preempted."""
    if over_cap <= 0 or occurrence.message_class != "marketing":
        return {}
    rows = to_displace(conn, candidate.customer["id"], occurrence, campaign.priority, over_cap)
    return {"displaces": [r.campaign_id for r in rows]}


def _who(customer: dict, on: date) -> dict:
    return {"customer_id": customer["id"], "name": customer["name"], "phone": mask(customer["phone"]), "tier": customer["tier"]}


def preview_json(campaign: Campaign, day: date, items: list[PreviewOccurrence]) -> dict:
    """The stable JSON shape of `jinli campaigns preview --json` (documented in the README)."""
    return {
        "campaign": campaign.id, "kind": campaign.kind, "date": day.isoformat(),
        "occurrences": [{
            "key": item.occurrence.key, "step": item.occurrence.step, "template": item.occurrence.template,
            "message_class": item.occurrence.message_class, "send_at": item.due_at.isoformat(),
            "recipients": item.recipients, "excluded": item.excluded,
            "totals": {"recipients": len(item.recipients), "excluded": len(item.excluded),
                       "segments": sum(r["segments"] for r in item.recipients),
                       "cost": round(sum(r["cost"] for r in item.recipients), 2)},
        } for item in items],
    }
