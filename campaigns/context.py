"""The documented template context: customer, campaign, occurrence and brand (README "Templates").

``customer`` is a read-only view whose derived fields (animal, star sign, the birthday of the year)
are computed only when a template reads them, so a 300,000-recipient notice pays for none of them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from campaigns.audience import Candidate
from campaigns.definitions import Campaign
from campaigns.occurrences import FestivalDay, Occurrence
from domain.phone import mask
from records.links import LINK_VARIABLES, preview_urls
from records.parsing import yuan
from records.terms import parse_term
from domain.birthdays import Birth, birthdays_in_year
from domain.starsigns import sign_name
from domain.zodiac import animal_name


_PLAIN = ("name", "tier", "referral_code")


class CustomerView:
    """What a template may read of a customer (the phone only masked)."""

    def __init__(self, row: dict[str, Any], on: date, boundary: str = "spring_festival", feb29: str = "feb28"):
        self._row, self._on, self._boundary, self._feb29 = row, on, boundary, feb29
        for plain in _PLAIN:  # set at once when read (the cached properties below stand in when absent)
            if plain in row:
                self.__dict__[plain] = row[plain]

    # Read when a template asks: planning streams only the columns a template reads (FIELD_COLUMNS).
    @cached_property
    def name(self) -> str:
        return self._row["name"]

    @cached_property
    def phone(self) -> str:
        return mask(self._row["phone"])

    @cached_property
    def tier(self) -> str:
        return self._row["tier"]

    @cached_property
    def referral_code(self) -> str:
        return self._row["referral_code"]

    @cached_property
    def store(self) -> str:
        return self._row.get("store") or ""

    @cached_property
    def animal(self) -> str:
        branch = self._row["animal_lc"] if self._boundary == "lichun" else self._row["animal_sf"]
        return animal_name(branch) if branch is not None else ""

    @cached_property
    def star_sign(self) -> str:
        return sign_name(self._row["star_sign"]) if self._row.get("star_sign") is not None else ""

    @cached_property
    def birthday(self) -> date | None:
        """The birthday in the occurrence's year (the first, if a lunar birthday falls twice)."""
        r = self._row
        if not r.get("birth_calendar"):
            return None
        birth = Birth(r["birth_calendar"], r["birth_year"], r["birth_month"], r["birth_day"], bool(r["birth_leap"]))
        found = birthdays_in_year(birth, self._on.year, self._feb29)
        return found[0] if found else None


def render_context(campaign: Campaign, occurrence: Occurrence, candidate: Candidate, brand: str,
                   boundary: str = "spring_festival", feb29: str = "feb28", extra: dict | None = None) -> dict[str, Any]:
    """The context one recipient's template is rendered with."""
    return ContextMaker(campaign, occurrence, brand, boundary, feb29)(candidate, extra)


def reads_recipient_values(occurrence: Occurrence, occurrence_read: frozenset[str] | None) -> bool:
    """Whether a template reading ``occurrence_read`` (None: cannot tell) of the ``occurrence`` may read a
    recipient's own values (amount, term, check-in code...): what the occurrence's own context lacks."""
    return occurrence_read is None or not occurrence_read <= occurrence.context.keys()


class ContextMaker:
    """Contexts for one occurrence's recipients: what they share is built once.

    Sharing is safe because templates run in the immutable sandbox: none can change a dict it reads.
    """

    def __init__(self, campaign: Campaign, occurrence: Occurrence, brand: str, boundary: str = "spring_festival",
                 feb29: str = "feb28", occurrence_read: frozenset[str] | None = None):
        """``occurrence_read``: the ``occurrence`` attributes the template reads, when known; if the
        occurrence's own values cover them all, a recipient's extra values (amount, code...) are not
        merged in, since nothing would read them."""
        self.on, self.brand, self.boundary, self.feb29 = occurrence.on, brand, boundary, feb29
        self.campaign = {"id": campaign.id, "name": campaign.name}
        self.occurrence = dict(occurrence.context)
        self.festival = _festival(occurrence.festival) if occurrence.festival else None
        self.per_recipient = reads_recipient_values(occurrence, occurrence_read)

    def __call__(self, candidate: Candidate, extra: dict | None = None) -> dict[str, Any]:
        occ = self.occurrence
        if self.per_recipient and (candidate.extra or extra):
            occ = {**occ, **_extra_context(candidate.extra), **(extra or {})}
        context = {"customer": CustomerView(candidate.customer, self.on, self.boundary, self.feb29),
                   "campaign": self.campaign, "occurrence": occ, "brand": self.brand}
        if self.festival:
            context["festival"] = self.festival
        return context


def _festival(festival: FestivalDay) -> dict[str, Any]:
    """What a template reads as ``festival``: id, name (中秋节), on (a date: ``festival.on | md``), days_before."""
    return {"id": festival.id, "name": festival.name, "on": festival.on, "days_before": festival.days_before}


def _extra_context(extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(extra)
    if extra.get("amount_fen") is not None:
        out["amount"] = yuan(extra["amount_fen"])
    if extra.get("term"):
        out["term_label"] = _term_label(extra["term"])
    return out


@lru_cache(maxsize=256)
def _term_label(term: str) -> str:
    return parse_term(term).label_zh


SAMPLE_CUSTOMER = {
    "id": 0, "name": "王芳", "phone": "+8613800138000", "tier": "A", "referral_code": "8K2M5QX", "store": "南京路店",
    "animal_sf": 6, "animal_lc": 6, "star_sign": 0, "birth_calendar": "solar", "birth_year": 1990, "birth_month": 4,
    "birth_day": 15, "birth_leap": False,
}
SAMPLE_EXTRA = {"maturity_on": date(2025, 4, 15), "amount_fen": 10_000_000, "term": "98d", "checkin_code": "7KQ3MX"}


SAMPLE_TRIGGER = {
    "amount": "100,000", "term": "98d", "term_label": "98天", "product": "黄金理财", "start_on": date(2025, 4, 15),
    "maturity_on": date(2025, 7, 22), "friend": "李娜", "gift": "足金小金豆", "old_tier": "B", "new_tier": "A",
    "changed_on": date(2025, 4, 15), "reward": "生日蛋糕", "reward_points": 20, "balance": 25, "title": "「你有我也有」沙龙",
    "venue": "南京路店二楼贵宾厅", "visit": 2, "event_date": date(2025, 4, 15),
}
_EVENT_KEYS = ("weekday_label", "slogan", "term", "term_label", "venue", "start_time", "title", "checkin_code")


def sample_context(campaign: Campaign, occurrence: Occurrence, brand: str) -> dict[str, Any]:
    """A context for validating templates: a sample customer with every optional value filled (and, for a
    festival campaign, a sample festival: the one the step names, else 中秋节)."""
    candidate = Candidate(SAMPLE_CUSTOMER, SAMPLE_EXTRA, None)
    sample_occurrence = {
        "date": occurrence.on, "weekday_label": "周三", "slogan": "你有我也有", "term": "2m", "term_label": "2个月",
        "venue": "南京路店二楼贵宾厅", "start_time": "14:00", "event_date": occurrence.on, "birthday": occurrence.on,
        "start_by": occurrence.on, "maturity_on": occurrence.on, "days_before": 7, "day_branch": "子",
        "lucky_animals": "牛", "sign": "白羊", "window_ends": occurrence.on, "checkin_code": "7KQ3MX",
        "title": "老客户答谢会",
    }
    if campaign.kind == "festival" and occurrence.festival is None:
        occurrence = replace(occurrence, festival=_sample_festival(campaign, occurrence))
    context = render_context(campaign, occurrence, candidate, brand)
    context["occurrence"] = {**sample_occurrence, **context["occurrence"]}
    if campaign.kind == "trigger":  # every value any trigger kind gives, so a template may read any of them
        context["trigger"] = dict(SAMPLE_TRIGGER, happened_on=occurrence.on)
        context["next_event"] = {**{k: sample_occurrence[k] for k in _EVENT_KEYS}, "event_date": occurrence.on}
    return {**context, **preview_urls(frozenset(LINK_VARIABLES), "")}  # the RSVP and opt-out links, as stand-ins


def _sample_festival(campaign: Campaign, occurrence: Occurrence) -> FestivalDay:
    """The festival a validated step is about: the anchor the step names, else the campaign's first."""
    anchors = {anchor.id: anchor for anchor in campaign.spec.anchors}
    anchor = anchors.get(occurrence.step) or campaign.spec.anchors[0]
    return FestivalDay(anchor.id, anchor.name, occurrence.on)
