"""Occurrences of the dated kinds: festival greetings, broadcasts and staff-made events.

Pure functions of (campaign, day) like ``campaigns.occurrences``, whose pieces they reuse: a staff
event invites and reminds exactly as a salon does (``invite_and_remind``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from campaigns.definitions import Campaign
from campaigns.kind_specs import BroadcastSpec, FestivalSpec, StaffEventSpec
from campaigns.trigger_spec import TriggerSpec
from campaigns.occurrences import (CalendarOptions, EventPlan, EventSpec, Everyone, FestivalDay, Listed, Occurrence,
                                   _occurrence, invite_and_remind)
from domain.festivals import Anchor, occurrences as festival_days


@lru_cache(maxsize=1024)
def _days_of(anchor: Anchor, year: int) -> tuple[date, ...]:
    return tuple(festival_days(anchor, year))


def falls_on(anchor: Anchor, day: date) -> bool:
    """Whether the festival ``anchor`` falls on ``day`` (lunar festivals: the regular month only)."""
    return day in _days_of(anchor, day.year)


def _festival(campaign: Campaign, spec: FestivalSpec, day: date, options: CalendarOptions) -> list[Occurrence]:
    if spec.skip_closing_days and _closed(day, options):
        return []
    return [_greeting(campaign, anchor, day, days, options) for days in spec.days_before for anchor in spec.anchors
            if falls_on(anchor, day + timedelta(days=days))]


def _closed(day: date, options: CalendarOptions) -> bool:
    """A statutory holiday or a closing day of the shop (ordinary Sundays are not closing days)."""
    return options.workdays.is_statutory_holiday(day) or options.workdays.closing_reason(day) is not None


def _greeting(campaign: Campaign, anchor: Anchor, day: date, days: int, options: CalendarOptions) -> Occurrence:
    """One festival's greeting sent ``days`` before it; its step names the festival (two may share a day)."""
    on = day + timedelta(days=days)
    festival = FestivalDay(anchor.id, anchor.name, on, days)
    step = anchor.id if days == 0 else f"{anchor.id}-{days}d"
    template_step = anchor.id if campaign.template(anchor.id) else "greeting"
    context = {"days_before": days}
    return _occurrence(campaign, step, day, Everyone(), options, subject_on=on, context=context,
                       template_step=template_step, festival=festival)


def _broadcast(campaign: Campaign, spec: BroadcastSpec, day: date, options: CalendarOptions) -> list[Occurrence]:
    if day not in spec.dates:
        return []
    return [_occurrence(campaign, "announcement", day, _listed(spec) if spec.recipients else Everyone(), options)]


def _listed(spec: BroadcastSpec) -> Listed:
    r = spec.recipients
    return Listed(frozenset(p for _, p in r.phones), frozenset(i for _, i in r.ids), frozenset(c for _, c in r.codes))


def staff_event(campaign: Campaign, spec: StaffEventSpec, day: date, options: CalendarOptions) -> EventSpec | None:
    """The campaign's event if it is held on ``day``."""
    if day != spec.on:
        return None
    return EventSpec(f"{campaign.id}·{day.isoformat()}", "event", spec.title, datetime.combine(day, spec.start_time, options.tz),
                     spec.slogan, str(spec.term) if spec.term else "", spec.venue, spec.capacity)


def _event(campaign: Campaign, spec: StaffEventSpec, day: date, options: CalendarOptions) -> list[Occurrence]:
    plan = EventPlan(lambda d: staff_event(campaign, spec, d, options), spec.lead_days, spec.reminder,
                     spec.reminder_days_before, spec.overbooking)
    return invite_and_remind(campaign, plan, day, options)


def _trigger(campaign: Campaign, spec: TriggerSpec, day: date, options: CalendarOptions) -> list[Occurrence]:
    return []  # a trigger campaign has no dated occurrences: its texts follow records (campaigns.triggers)


BUILDERS = {FestivalSpec: _festival, BroadcastSpec: _broadcast, StaffEventSpec: _event, TriggerSpec: _trigger}
