"""What a report covers: campaign, event, tier, salon, stores and a period of event days (local dates, inclusive)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select

from errors import InvalidValue
from records import models
from records.events import day_bounds

events_t = models.Event.__table__
TIERS = ("A", "B", "C", "P")


@dataclass(frozen=True)
class ReportFilter:
    campaign_id: str | None = None
    event_id: int | None = None
    tier: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    salon: str | None = None  # the salon's slogan (你有我也有 ...)
    stores: tuple[str, ...] | None = None  # events of these stores only; None: every event

    def __post_init__(self):
        if self.tier is not None and self.tier not in TIERS:
            raise InvalidValue(f"tier {self.tier!r}: expected one of {', '.join(TIERS)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidValue(f"period {self.date_from} to {self.date_to}: --from is after --to")

    def event_conditions(self, tz: ZoneInfo) -> list[ColumnElement]:
        """Conditions on the events table for campaign, event and period."""
        e = events_t.c
        conditions = []
        if self.campaign_id is not None:
            conditions.append(e.campaign_id == self.campaign_id)
        if self.event_id is not None:
            conditions.append(e.id == self.event_id)
        if self.date_from is not None:
            conditions.append(e.starts_at >= day_bounds(self.date_from, tz)[0])
        if self.date_to is not None:
            conditions.append(e.starts_at < day_bounds(self.date_to, tz)[1])
        if self.salon is not None:
            conditions.append(e.slogan == self.salon)
        if self.stores is not None:
            conditions.append(e.store.in_(self.stores))
        return conditions

    def event_ids(self, tz: ZoneInfo):
        """A subquery of the chosen events' ids, or None when every event is chosen."""
        conditions = self.event_conditions(tz)
        return select(events_t.c.id).where(*conditions) if conditions else None

    def describe(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else list(v) if isinstance(v, tuple) else v)
                for k, v in vars(self).items() if v is not None}
