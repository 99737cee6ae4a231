"""What a campaign does on a given day: its occurrences, each a step with an audience rule.

Pure functions of (campaign, day): the calendars decide, no database and no clock. The audience
rules are values that ``campaigns.audience`` turns into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from campaigns.definitions import BirthdaySpec, Campaign, FollowupSpec, NoticeSpec, SalonSpec, ZodiacSpec
from records.event_config import invitation_quota
from records.terms import Term, parse_term
from domain.workdays import WorkCalendar
from domain.birthdays import birthday_keys_on
from domain.starsigns import sign_name, star_sign
from domain.zodiac import BRANCHES, animal_name, lucky_branches
from domain.lunar import day_branch

WEEKDAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


# ---- audience rules (values; SQL lives in campaigns.audience)
@dataclass(frozen=True)
class Everyone:
    """Every customer the campaign targets (salon invitations)."""


@dataclass(frozen=True)
class BirthdayOn:
    keys: frozenset[int]
    tiers: frozenset[str] | None = None  # banquet: only these tiers


@dataclass(frozen=True)
class BirthdayWithMaturity:
    keys: frozenset[int]
    birthday: date
    window_days: int


@dataclass(frozen=True)
class LuckyDay:
    branches: frozenset[int]
    signs: frozenset[int] | None  # None: any sign
    boundary: str


@dataclass(frozen=True)
class MaturingOn:
    maturity_on: date


@dataclass(frozen=True)
class MonthlyReturnOn:
    day: date


@dataclass(frozen=True)
class InvitedTo:
    event_key: str
    states: tuple[str, ...] = ("invited", "confirmed")


@dataclass(frozen=True)
class AttendedWithoutDeposit:
    """Guests checked in at the event who have started no holding since the event's day."""

    event_key: str
    event_on: date


@dataclass(frozen=True)
class Listed:
    """The customers a broadcast's recipients file names, by phone, id or referral code."""

    phones: frozenset[str] = frozenset()
    ids: frozenset[int] = frozenset()
    codes: frozenset[str] = frozenset()


Rule = (Everyone | BirthdayOn | BirthdayWithMaturity | LuckyDay | MaturingOn | MonthlyReturnOn | InvitedTo
        | AttendedWithoutDeposit | Listed)


@dataclass(frozen=True)
class FestivalDay:
    """The festival a greeting is about: templates read it as ``festival.name``, ``festival.on``."""

    id: str
    name: str
    on: date
    days_before: int = 0


@dataclass(frozen=True)
class EventSpec:
    """An event this occurrence invites to (a salon, a birthday banquet)."""

    key: str
    kind: str
    title: str
    starts_at: datetime
    slogan: str = ""
    term: str = ""
    venue: str = ""
    capacity: int = 0


@dataclass(frozen=True)
class Occurrence:
    campaign_id: str
    step: str
    on: date  # the day the messages go out
    subject_on: date  # what the occurrence is about: the salon's or the birthday's date
    send_at: datetime
    template: str
    message_class: str
    rule: Rule
    context: dict = field(default_factory=dict, hash=False, compare=False)
    event: EventSpec | None = None
    limit: int | None = None  # at most this many recipients (capacity × over-booking)
    festival: FestivalDay | None = None

    @property
    def key(self) -> str:
        """campaign · subject date · step: with the customer it makes the outbox idempotency key."""
        return f"{self.campaign_id}·{self.subject_on.isoformat()}·{self.step}"


@dataclass(frozen=True)
class CalendarOptions:
    tz: ZoneInfo
    zodiac_boundary: str = "spring_festival"
    feb29: str = "feb28"
    overbooking: float = 1.0  # invitations per seat when the campaign file sets none
    workdays: WorkCalendar = field(default_factory=WorkCalendar)


def occurrences(campaign: Campaign, day: date, options: CalendarOptions) -> list[Occurrence]:
    """Every step ``campaign`` sends on ``day`` (none when disabled or outside its dates)."""
    if not campaign.runs_on(day):
        return []
    build = _BUILDERS.get(type(campaign.spec))
    if build is None:  # the festival, broadcast and event kinds build on this module's pieces
        from campaigns.kind_occurrences import BUILDERS
        build = BUILDERS[type(campaign.spec)]
    return [o for o in build(campaign, campaign.spec, day, options) if o.template]


def _occurrence(campaign: Campaign, step: str, day: date, rule: Rule, options: CalendarOptions, *,
                subject_on: date | None = None, context: dict | None = None, template_step: str | None = None,
                **extra) -> Occurrence:
    """One step; its template is the campaign's template for ``template_step`` (default: the step)."""
    send_at = datetime.combine(day, campaign.send_time, options.tz)
    base = {"date": day, "weekday_label": WEEKDAY_LABELS[day.weekday()]}
    return Occurrence(campaign.id, step, day, subject_on or day, send_at, campaign.template(template_step or step) or "",
                      campaign.message_class, rule, {**base, **(context or {})}, **extra)


def _zodiac(campaign: Campaign, spec: ZodiacSpec, day: date, options: CalendarOptions) -> list[Occurrence]:
    if day.weekday() not in spec.weekdays:
        return []
    branches = lucky_branches(day, spec.relations)
    sign = star_sign(day)
    rule = LuckyDay(branches, frozenset({sign}) if spec.star_sign == "sun" else None, spec.boundary or options.zodiac_boundary)
    context = {"day_branch": BRANCHES[day_branch(day)], "lucky_animals": "".join(animal_name(b) for b in sorted(branches)),
               "sign": sign_name(sign)}
    return [_occurrence(campaign, "lucky_day", day, rule, options, context=context)]


def _birthday(campaign: Campaign, spec: BirthdaySpec, day: date, options: CalendarOptions) -> list[Occurrence]:
    keys = birthday_keys_on(day, options.feb29)
    found = [
        _occurrence(campaign, "greeting", day, BirthdayOn(keys), options, context={"birthday": day}),
        _occurrence(campaign, "maturity", day, BirthdayWithMaturity(keys, day, spec.maturity_window_days), options,
                    context={"birthday": day}),
        _banquet(campaign, spec, day, keys, options),
    ]
    for term in spec.terms:
        found += _planners(campaign, spec, term, day, options)
    return found


def _banquet(campaign: Campaign, spec: BirthdaySpec, day: date, keys, options: CalendarOptions) -> Occurrence:
    starts_at = datetime.combine(day, spec.banquet_time, options.tz)
    event = EventSpec(f"{campaign.id}·{day.isoformat()}·banquet", "banquet", "幸运庆生宴", starts_at,
                      venue=spec.banquet_venue, capacity=spec.banquet_capacity)
    context = {"birthday": day, "event_date": day, "start_time": spec.banquet_time.strftime("%H:%M"), "venue": spec.banquet_venue}
    return _occurrence(campaign, "banquet", day, BirthdayOn(keys, spec.banquet_tiers), options, context=context,
                       event=event, limit=spec.banquet_capacity or None)


def _planners(campaign: Campaign, spec: BirthdaySpec, term: Term, day: date, options: CalendarOptions) -> list[Occurrence]:
    """Planner messages sent on ``day``: for birthdays B with B − term − lead days == day."""
    found = []
    for birthday in planner_birthdays(term, spec.lead_days, day):
        start_by = term.subtract_from(birthday)
        context = {"birthday": birthday, "start_by": start_by, "term": str(term), "term_label": term.label_zh}
        found.append(_occurrence(campaign, f"planner_{term}", day, BirthdayOn(birthday_keys_on(birthday, options.feb29)),
                                 options, subject_on=birthday, context=context, template_step="planner"))
    return found


def planner_birthdays(term: Term, lead_days: int, day: date) -> list[date]:
    """The birthdays B whose planner message is due on ``day`` (month terms map a few B to one start)."""
    centre = day + timedelta(days=lead_days + term.nominal_days)
    candidates = (centre + timedelta(days=offset) for offset in range(-8, 9))
    return [b for b in candidates if term.subtract_from(b) - timedelta(days=lead_days) == day]


def salon_on(spec: SalonSpec, day: date, workdays: WorkCalendar):
    """The salon held on ``day``: none on holidays and ordinary Sundays; a 调休 Sunday holds the make-up salon."""
    if not workdays.is_working_day(day):
        return None
    weekday = spec.makeup_sunday_weekday if day.weekday() == 6 else day.weekday()
    return spec.salon_on_weekday(weekday)


def salon_event(campaign: Campaign, spec: SalonSpec, day: date, options: CalendarOptions) -> EventSpec | None:
    salon = salon_on(spec, day, options.workdays)
    if salon is None:
        return None
    return EventSpec(f"{campaign.id}·{day.isoformat()}", "salon", f"「{salon.slogan}」沙龙",
                     datetime.combine(day, salon.start_time, options.tz), salon.slogan, str(salon.term), salon.venue,
                     salon.capacity)


def event_context(event: EventSpec) -> dict:
    """What an invitation or reminder template reads of its event (salon, staff-made event)."""
    event_day = event.starts_at.date()
    return {"event_date": event_day, "weekday_label": WEEKDAY_LABELS[event_day.weekday()], "slogan": event.slogan,
            "title": event.title, "term": event.term, "term_label": _term_label(event.term), "venue": event.venue,
            "start_time": event.starts_at.strftime("%H:%M")}


def _term_label(term: str) -> str:
    return parse_term(term).label_zh if term else ""


def _salons(campaign: Campaign, spec: SalonSpec, day: date, options: CalendarOptions) -> list[Occurrence]:
    plan = EventPlan(lambda d: salon_event(campaign, spec, d, options), spec.lead_days, spec.reminder, 0, spec.overbooking)
    return invite_and_remind(campaign, plan, day, options)


@dataclass(frozen=True)
class EventPlan:
    """How an event kind invites and reminds: the event held on a day (or None), and when to text."""

    event_on: Callable[[date], EventSpec | None]
    lead_days: int
    reminder: bool
    reminder_days_before: int = 0
    overbooking: float | None = None  # None: CalendarOptions.overbooking


def invite_and_remind(campaign: Campaign, plan: EventPlan, day: date, options: CalendarOptions) -> list[Occurrence]:
    """The invitation (lead days ahead, within capacity × over-booking) and the reminder sent on ``day``."""
    found = []
    invited = plan.event_on(day + timedelta(days=plan.lead_days))
    if invited:
        limit = invitation_quota(invited.capacity, plan.overbooking or options.overbooking)
        found.append(_occurrence(campaign, "invitation", day, Everyone(), options, subject_on=invited.starts_at.date(),
                                 context=event_context(invited), event=invited, limit=limit))
    reminded = plan.event_on(day + timedelta(days=plan.reminder_days_before)) if plan.reminder else None
    if reminded:
        found.append(_occurrence(campaign, "reminder", day, InvitedTo(reminded.key), options,
                                 subject_on=reminded.starts_at.date(), context=event_context(reminded), event=reminded))
    return found


def _notices(campaign: Campaign, spec: NoticeSpec, day: date, options: CalendarOptions) -> list[Occurrence]:
    found = []
    for days in spec.maturity_days_before:
        maturity = day + timedelta(days=days)
        found.append(_occurrence(campaign, f"maturity_{days}d", day, MaturingOn(maturity), options,
                                 subject_on=maturity, context={"maturity_on": maturity, "days_before": days},
                                 template_step="maturity"))
    if spec.monthly_return:
        found.append(_occurrence(campaign, "monthly_return", day, MonthlyReturnOn(day), options))
    return found


def _followups(campaign: Campaign, spec: FollowupSpec, day: date, options: CalendarOptions) -> list[Occurrence]:
    return []  # built from recorded events by followup_occurrences (the events live in the database)


@dataclass(frozen=True)
class PastEvent:
    key: str
    starts_at: datetime
    slogan: str = ""
    term: str = ""
    title: str = ""


def followup_occurrences(campaign: Campaign, day: date, events: list[PastEvent], options: CalendarOptions) -> list[Occurrence]:
    """Follow-ups sent on ``day``: for each event whose start + after_hours falls on that day."""
    spec = campaign.spec
    if not isinstance(spec, FollowupSpec) or not campaign.runs_on(day):
        return []
    found = []
    for event in events:
        send_at = event.starts_at + timedelta(hours=spec.after_hours)
        if send_at.astimezone(options.tz).date() != day:
            continue
        window_ends = (event.starts_at + timedelta(hours=spec.window_hours)).astimezone(options.tz).date()
        context = {"slogan": event.slogan, "title": event.title, "term": event.term, "term_label": _term_label(event.term),
                   "event_date": event.starts_at.astimezone(options.tz).date(), "window_ends": window_ends}
        event_on = event.starts_at.astimezone(options.tz).date()
        occurrence = _occurrence(campaign, "followup", day, AttendedWithoutDeposit(event.key, event_on), options,
                                 subject_on=event.starts_at.astimezone(options.tz).date(), context=context)
        found.append(replace(occurrence, send_at=send_at.astimezone(options.tz)))
    return found


_BUILDERS = {ZodiacSpec: _zodiac, BirthdaySpec: _birthday, SalonSpec: _salons, NoticeSpec: _notices, FollowupSpec: _followups}
