"""The specs of the dated kinds: festival greetings, broadcasts and staff-made events.

Each parser reads its kind's table (``[festival]``, ``[broadcast]``, ``[event]``) with the strict
Reader, so a problem is one line naming the file, the key and the value (README "Campaign files").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from campaigns.limits import MAX_BROADCAST_DATES, MAX_CAPACITY, MAX_DAYS, MAX_OVERBOOKING, product_term
from campaigns.recipients import Recipients, read_recipients
from campaigns.schema import Reader
from errors import InvalidValue
from records.terms import Term
from domain.festival_text import parse_anchor
from domain.festivals import Anchor


@dataclass(frozen=True)
class FestivalSpec:
    anchors: tuple[Anchor, ...]
    days_before: tuple[int, ...] = (0,)  # 0: on the day
    skip_closing_days: bool = False  # true: no text on a statutory holiday or a closing day of the shop


@dataclass(frozen=True)
class BroadcastSpec:
    dates: tuple[date, ...]
    recipients: Recipients | None = None  # None: the [audience]


@dataclass(frozen=True)
class StaffEventSpec:
    """A staff-made event (老客户答谢会, 理财会): one date, invited and reminded like a salon."""

    on: date
    title: str
    start_time: time
    venue: str
    capacity: int
    slogan: str = ""
    store: str = ""
    term: Term | None = None
    lead_days: int = 7
    reminder: bool = True
    reminder_days_before: int = 0
    overbooking: float | None = None  # None: config.toml's [events] overbooking_ratio


def parse_anchors(r: Reader) -> tuple[Anchor, ...]:
    """``anchors``: festival ids, Chinese names, solar terms or staff-written dates, none twice."""
    texts = r.strings("anchors")
    try:
        anchors = tuple(parse_anchor(text) for text in texts)
    except InvalidValue as exc:
        raise r.error("anchors", str(exc)) from None
    ids = [a.id for a in anchors]
    if not anchors or len(set(ids)) != len(ids):
        raise r.error("anchors", "must name at least one festival, none twice" + (f": {texts!r}" if anchors else ""))
    return anchors


def festival(r: Reader) -> FestivalSpec:
    days = r.ints("days_before", [0], minimum=0, maximum=MAX_DAYS)
    if not days or len(set(days)) != len(days):
        raise r.error("days_before", f"expected distinct whole numbers of days (0: on the day), got {days!r}")
    spec = FestivalSpec(parse_anchors(r), tuple(sorted(days, reverse=True)), r.bool("skip_closing_days", False))
    r.finish()
    return spec


def broadcast(r: Reader) -> BroadcastSpec:
    spec = BroadcastSpec(_dates(r), _recipients(r))
    r.finish()
    return spec


def _dates(r: Reader) -> tuple[date, ...]:
    """``date = D`` or ``dates = [D, …]`` (at most 12, none twice)."""
    if ("date" in r.data) == ("dates" in r.data):
        raise r.error("dates", "give either date = 2025-09-01 or dates = [...], not both, not neither", "campaign_date_or_dates")
    if "date" in r.data:
        r.seen.add("dates")
        return (r.date("date"),)
    r.seen.add("date")
    values = r.list("dates")
    found = tuple(Reader({"dates": v}, r.source, r.path).date("dates") for v in values)
    if not found or len(found) > MAX_BROADCAST_DATES or len(set(found)) != len(found):
        raise r.error("dates", f"expected 1 to {MAX_BROADCAST_DATES} different dates, got {len(found)}: {values!r}")
    return tuple(sorted(found))


def _recipients(r: Reader) -> Recipients | None:
    name = r.str("recipients_file", "")
    if not name:
        return None
    path = Path(r.source).parent / name
    return read_recipients(path, f"{r.where('recipients_file')}: {name}")


def event(r: Reader) -> StaffEventSpec:
    on = r.date("date")
    if on is None:
        raise r.error("date", "is required: the day of the event, like 2025-09-20", "campaign_event_date_required")
    store = r.str("store", "")
    spec = StaffEventSpec(
        on=on, title=r.str("title"), start_time=r.time("start_time", time(14, 0)),
        venue=r.str("venue", store) or _missing_venue(r), capacity=r.int("capacity", minimum=1, maximum=MAX_CAPACITY),
        slogan=r.str("slogan", ""), store=store, term=r.parsed("term", product_term, None),
        lead_days=r.int("lead_days", 7, minimum=0, maximum=MAX_DAYS), reminder=r.bool("reminder", True),
        reminder_days_before=r.int("reminder_days_before", 0, minimum=0, maximum=MAX_DAYS),
        overbooking=r.number("overbooking", None, minimum=1.0, maximum=MAX_OVERBOOKING),
    )
    if spec.reminder and spec.reminder_days_before >= max(spec.lead_days, 1):
        raise r.error("reminder_days_before", f"{spec.reminder_days_before} is not after the invitation "
                                              f"(lead_days = {spec.lead_days})")
    r.finish()
    return spec


def _missing_venue(r: Reader) -> str:
    raise r.error("venue", "is required (or give store, the shop holding the event)", "campaign_venue_required")
