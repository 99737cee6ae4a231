"""Campaign definitions: one TOML file per campaign, validated once into frozen values.

Common keys: id, name, kind, enabled, start_on, end_on, send_time, message_class, [audience]
(campaigns.audience_spec) and [templates] (step -> template name). Each kind has its own table named
after it (the festival, broadcast and event kinds: campaigns.kind_specs); see README "Campaign files".
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any

from campaigns import kind_specs, trigger_spec
from campaigns.audience_spec import Audience, parse_audience, parse_tiers
from campaigns.kind_specs import BroadcastSpec, FestivalSpec, StaffEventSpec
from campaigns.limits import (MAX_CAPACITY, MAX_DAYS, MAX_FOLLOWUP_AFTER_HOURS, MAX_HOURS, MAX_OVERBOOKING,
                              MAX_WINDOW_DAYS, product_term)
from campaigns.schema import Reader, problem
from campaigns.trigger_spec import TriggerSpec
from errors import CampaignError, InvalidValue, Said
from records.terms import Term
from domain.festival_text import parse_anchor

KINDS = ("zodiac_lucky_day", "birthday_maturity", "weekday_salons", "holding_notice", "post_event_followup",
         "festival", "broadcast", "event", "trigger")
STEPS = {
    "zodiac_lucky_day": ("lucky_day",),
    "birthday_maturity": ("greeting", "planner", "maturity", "banquet"),
    "weekday_salons": ("invitation", "reminder"),
    "holding_notice": ("maturity", "monthly_return"),
    "post_event_followup": ("followup",),
    "festival": ("greeting",),  # and one key per anchor id: a template for that festival alone
    "broadcast": ("announcement",),
    "event": ("invitation", "reminder"),
    "trigger": ("message",),
}
REQUIRED_STEPS = {"zodiac_lucky_day": ("lucky_day",), "weekday_salons": ("invitation",), "post_event_followup": ("followup",),
                  "festival": (), "broadcast": ("announcement",), "event": ("invitation",),
                  "trigger": ("message",)}
EVENT_KINDS = ("weekday_salons", "event")  # the kinds whose events a post_event_followup may follow up
# Priority under the weekly cap when the file sets none: a higher one displaces a customer's
# lowest-priority unsent message (campaigns.preemption). Personal and event texts before the weekly lucky day.
DEFAULT_PRIORITY = {"birthday_maturity": 30, "trigger": 25, "weekday_salons": 20, "event": 20, "post_event_followup": 20,
                    "zodiac_lucky_day": 10}
MAX_PRIORITY = 1000


@dataclass(frozen=True)
class ZodiacSpec:
    weekdays: tuple[int, ...]
    relations: tuple[str, ...] = ("liuhe",)
    boundary: str | None = None  # None: config.toml's [calendar] zodiac_boundary
    star_sign: str = "sun"  # sun: the sun sign of the day (the 1-in-144 rule) | any


@dataclass(frozen=True)
class BirthdaySpec:
    terms: tuple[Term, ...] = ()
    lead_days: int = 7
    maturity_window_days: int = 3
    banquet_tiers: frozenset[str] = frozenset({"A"})
    banquet_time: time = time(18, 0)
    banquet_venue: str = ""
    banquet_capacity: int = 0


@dataclass(frozen=True)
class Salon:
    weekday: int
    slogan: str
    term: Term
    start_time: time
    venue: str
    capacity: int


@dataclass(frozen=True)
class SalonSpec:
    salons: tuple[Salon, ...]
    lead_days: int = 3
    reminder: bool = True
    followup_hours: int = 72
    makeup_sunday_weekday: int = 0  # a 调休 Sunday holds Monday's salon unless the file says otherwise
    overbooking: float | None = None  # None: config.toml's [events] overbooking_ratio

    def salon_on_weekday(self, weekday: int) -> Salon | None:
        return next((s for s in self.salons if s.weekday == weekday), None)


@dataclass(frozen=True)
class NoticeSpec:
    maturity_days_before: tuple[int, ...] = (7,)
    monthly_return: bool = True


@dataclass(frozen=True)
class FollowupSpec:
    events_of: str  # the campaign whose events are followed up (a weekday_salons campaign id)
    after_hours: int = 24  # how long after the event starts the follow-up goes out
    window_hours: int = 72


Spec = (ZodiacSpec | BirthdaySpec | SalonSpec | NoticeSpec | FollowupSpec | FestivalSpec | BroadcastSpec | StaffEventSpec
        | TriggerSpec)


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    kind: str
    spec: Spec
    templates: dict[str, str]
    audience: Audience = field(default_factory=Audience)
    enabled: bool = True
    start_on: date | None = None
    end_on: date | None = None
    send_time: time = time(10, 0)
    message_class: str = "marketing"
    source: str = ""
    priority: int = 0

    def runs_on(self, day: date) -> bool:
        """Whether the campaign is enabled and ``day`` is inside its date range."""
        return self.enabled and (self.start_on is None or day >= self.start_on) and (self.end_on is None or day <= self.end_on)

    def template(self, step: str) -> str | None:
        return self.templates.get(step)


def load_campaign(path: Path) -> Campaign:
    """Parse and validate one campaign file; any problem is one CampaignError naming file and key."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"{path}: invalid TOML: {exc}", key="campaign_invalid_toml", path=path, error=exc) from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise CampaignError(f"{path}: invalid TOML: nested too deeply") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CampaignError(f"{path}: cannot read: {exc}") from None
    return campaign_from_dict(data, str(path), default_id=Path(path).stem)


def campaign_from_dict(data: dict[str, Any], source: str, default_id: str) -> Campaign:
    r = Reader(data, source)
    kind = r.choice("kind", KINDS)
    campaign = Campaign(
        id=_identifier(r, default_id), name=r.str("name"), kind=kind, enabled=r.bool("enabled", True),
        start_on=r.date("start_on"), end_on=r.date("end_on"), send_time=r.time("send_time", time(10, 0)),
        message_class=r.choice("message_class", ("marketing", "notice"), "notice" if kind == "holding_notice" else "marketing"),
        audience=parse_audience(r.table("audience", required=False)), templates=_templates(r, kind),
        spec=_SPECS[kind](r.table(kind, required=kind not in ("holding_notice", "birthday_maturity")) or Reader({}, source, kind)),
        source=source,
        priority=r.int("priority", DEFAULT_PRIORITY.get(kind, 0), minimum=-MAX_PRIORITY, maximum=MAX_PRIORITY),
    )
    campaign = _checked_kind(r, campaign)
    if campaign.start_on and campaign.end_on and campaign.end_on < campaign.start_on:
        raise r.error("end_on", f"{campaign.end_on} is before start_on {campaign.start_on}", "campaign_end_before_start",
                      end=campaign.end_on, start=campaign.start_on)
    r.finish()
    return campaign


def _identifier(r: Reader, default: str) -> str:
    value = r.str("id", default)
    if not value or not all(ch.isalnum() or ch in "-_" for ch in value) or len(value) > 64:
        raise r.error("id", f"{value!r}: use letters, digits, - and _ (at most 64)")
    return value


def _template_name(r: Reader, step: str) -> str:
    """A template name: the file NAME.j2 in the templates folder (a subfolder may be named: salon/invite)."""
    name = r.str(step)
    parts = name.split("/")
    if not name or len(name) > 100 or any(not p or p.startswith(".") for p in parts) or "\\" in name:
        raise r.error(step, f"{name[:100]!r}: expected a template name like \"salon_invitation\" (at most 100 characters)")
    return name


def _terms(r: Reader) -> tuple[Term, ...]:
    values = r.strings("terms", ["2m", "98d", "6m", "1y"])
    try:
        return tuple(product_term(t) for t in values)
    except InvalidValue as exc:
        raise r.error("terms", str(exc), exc.key, **exc.values) from None


def _templates(r: Reader, kind: str) -> dict[str, str]:
    table = r.table("templates", required=kind in REQUIRED_STEPS)
    if table is None:
        return {}
    steps = STEPS[kind] + (_anchor_steps(r, table) if kind == "festival" else ())
    templates = {step: _template_name(table, step) for step in steps if step in table.data}
    for step in REQUIRED_STEPS.get(kind, ()):
        table.str(step)
    table.finish()
    if not templates:
        raise r.error("templates", f"names no template: expected any of {', '.join(STEPS[kind])}")
    return templates


def _zodiac(r: Reader) -> ZodiacSpec:
    weekdays = tuple(r.as_weekday("weekdays", w) for w in r.list("weekdays", ["wed"]))
    spec = ZodiacSpec(
        weekdays=weekdays, relations=r.choices("relations", ("liuhe", "sanhe"), ["liuhe"]),
        boundary=r.choice("boundary", ("spring_festival", "lichun"), None) if "boundary" in r.data else None,
        star_sign=r.choice("star_sign", ("sun", "any"), "sun"),
    )
    if not spec.weekdays:
        raise r.error("weekdays", "must name at least one weekday", "campaign_no_weekday")
    r.finish()
    return spec


def _birthday(r: Reader) -> BirthdaySpec:
    spec = BirthdaySpec(
        terms=_terms(r),
        lead_days=r.int("lead_days", 7, minimum=0, maximum=MAX_DAYS),
        maturity_window_days=r.int("maturity_window_days", 3, minimum=0, maximum=MAX_WINDOW_DAYS),
        banquet_tiers=parse_tiers(r, "banquet_tiers", ["A"]),
        banquet_time=r.time("banquet_time", time(18, 0)), banquet_venue=r.str("banquet_venue", ""),
        banquet_capacity=r.int("banquet_capacity", 0, minimum=0, maximum=MAX_CAPACITY),
    )
    r.finish()
    return spec


def _salons(r: Reader) -> SalonSpec:
    default_time, default_venue = r.time("start_time", time(14, 0)), r.str("venue", "")
    default_capacity = r.int("capacity", 30, minimum=1, maximum=MAX_CAPACITY)
    salons = tuple(_salon(s, default_time, default_venue, default_capacity) for s in r.tables("salon"))
    weekdays = [s.weekday for s in salons]
    if len(set(weekdays)) != len(weekdays):
        raise r.error("salon", "two salons on the same weekday", "campaign_salons_same_day")
    spec = SalonSpec(
        salons=salons, lead_days=r.int("lead_days", 3, minimum=0, maximum=MAX_DAYS), reminder=r.bool("reminder", True),
        followup_hours=r.int("followup_hours", 72, minimum=1, maximum=MAX_HOURS),
        makeup_sunday_weekday=r.weekday("makeup_sunday_salon", "mon"),
        overbooking=r.number("overbooking", None, minimum=1.0, maximum=MAX_OVERBOOKING),
    )
    if spec.salon_on_weekday(spec.makeup_sunday_weekday) is None:
        raise r.error("makeup_sunday_salon", "names a weekday that has no salon")
    r.finish()
    return spec


def _salon(r: Reader, default_time: time, default_venue: str, default_capacity: int) -> Salon:
    salon = Salon(
        weekday=r.weekday("weekday"), slogan=r.str("slogan"), term=r.parsed("term", product_term),
        start_time=r.time("start_time", default_time), venue=r.str("venue", default_venue),
        capacity=r.int("capacity", default_capacity, minimum=1, maximum=MAX_CAPACITY),
    )
    if salon.weekday == 6:
        raise r.error("weekday", "the shop does not hold salons on Sunday (a 调休 Sunday uses makeup_sunday_salon)")
    r.finish()
    return salon


def _notice(r: Reader) -> NoticeSpec:
    days = r.ints("maturity_days_before", [7], minimum=0, maximum=MAX_DAYS)
    if len(set(days)) != len(days):
        raise r.error("maturity_days_before", f"names a day twice: {days!r}", "campaign_day_twice", days=days)
    spec = NoticeSpec(tuple(days), r.bool("monthly_return", True))
    r.finish()
    return spec


def _followup(r: Reader) -> FollowupSpec:
    spec = FollowupSpec(r.str("events_of"), r.int("after_hours", 24, minimum=0, maximum=MAX_FOLLOWUP_AFTER_HOURS),
                        r.int("window_hours", 72, minimum=1, maximum=MAX_HOURS))
    r.finish()
    return spec


_SPECS = {
    "zodiac_lucky_day": _zodiac, "birthday_maturity": _birthday, "weekday_salons": _salons,
    "holding_notice": _notice, "post_event_followup": _followup,
    "festival": kind_specs.festival, "broadcast": kind_specs.broadcast, "event": kind_specs.event,
    "trigger": trigger_spec.trigger,
}


def _anchor_steps(r: Reader, table: Reader) -> tuple[str, ...]:
    """The template keys of a festival campaign naming one of its anchors (as written, or by id)."""
    festival = r.data.get("festival")
    texts = festival.get("anchors") if isinstance(festival, dict) else None
    ids = {_anchor_id(t) for t in texts if isinstance(t, str)} - {None} if isinstance(texts, list) else set()
    return tuple(key for key in table.data if key != "greeting" and _anchor_id(key) in ids)


def _anchor_id(text: str) -> str | None:
    try:
        return parse_anchor(text).id
    except InvalidValue:
        return None


def _checked_kind(r: Reader, campaign: Campaign) -> Campaign:
    """Cross-table rules of the dated kinds: festival templates by anchor id, an event's store as its audience,
    a broadcast or event ending on its last day unless end_on says otherwise."""
    spec = campaign.spec
    if isinstance(spec, FestivalSpec):
        return replace(campaign, templates=_festival_templates(r, campaign, spec))
    if isinstance(spec, StaffEventSpec) and spec.store and not campaign.audience.stores:
        campaign = replace(campaign, audience=replace(campaign.audience, stores=frozenset({spec.store})))
    last = spec.on if isinstance(spec, StaffEventSpec) else max(spec.dates) if isinstance(spec, BroadcastSpec) else None
    if last and campaign.end_on is None:  # done after its last day: no holiday warnings, no planning run
        campaign = replace(campaign, end_on=last)
    return campaign


def _festival_templates(r: Reader, campaign: Campaign, spec: FestivalSpec) -> dict[str, str]:
    """The templates keyed by step: ``greeting`` and each anchor's id; every anchor must have one."""
    templates = {("greeting" if key == "greeting" else _anchor_id(key)): name for key, name in campaign.templates.items()}
    bare = [a.name for a in spec.anchors if a.id not in templates and "greeting" not in templates]
    if bare:
        raise r.error("templates", f"no template for {bare[0]}: add greeting = \"festival_greeting\" (every festival) "
                                   f"or a key for that festival")
    return templates


def load_campaigns(folder: Path) -> tuple[list[Campaign], list[str]]:
    """Every ``*.toml`` in the folder: the valid campaigns, and one error line per invalid file."""
    campaigns, errors = [], []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            campaigns.append(load_campaign(path))
        except CampaignError as exc:
            errors.append(Said(str(exc), exc.key, **exc.values))  # English as a string; the CLI says it in Chinese
    seen: dict[str, str] = {}
    for campaign in campaigns:
        if campaign.id in seen:
            found = problem(campaign.source, "id", Said(f"{campaign.id!r} is also the id of {seen[campaign.id]}",
                                                        "campaign_duplicate_id", id=campaign.id, other=seen[campaign.id]))
            errors.append(Said(str(found), found.key, **found.values))
        seen.setdefault(campaign.id, campaign.source)
    unknown = [c for c in campaigns if _follows_unknown(c, campaigns)]
    errors += [f"{c.source}: post_event_followup.events_of: {c.spec.events_of!r} is not the id of any weekday_salons "
               f"or event campaign in {folder}" for c in unknown]
    lost = [c for c in campaigns if _invites_unknown(c, campaigns)]
    errors += [f"{c.source}: trigger.invite_to: {c.spec.invite_to!r} is not the id of any weekday_salons or event "
               f"campaign in {folder}" for c in lost]
    unknown += lost
    return [c for c in campaigns if c not in unknown], errors


def _follows_unknown(campaign: Campaign, campaigns: list[Campaign]) -> bool:
    """A follow-up campaign whose ``events_of`` names no loaded salon campaign (it would never send)."""
    salons = {c.id for c in campaigns if c.kind in EVENT_KINDS}
    return campaign.kind == "post_event_followup" and campaign.spec.events_of not in salons


def _invites_unknown(campaign: Campaign, campaigns: list[Campaign]) -> bool:
    """A trigger campaign whose ``invite_to`` names no loaded salon or event campaign."""
    events = {c.id for c in campaigns if c.kind in EVENT_KINDS}
    return campaign.kind == "trigger" and bool(campaign.spec.invite_to) and campaign.spec.invite_to not in events
