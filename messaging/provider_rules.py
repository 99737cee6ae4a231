"""The domestic providers' sending rules at planning: promotional hours and the per-number daily cap.

Aliyun (and Tencent, configurable per gateway) accept promotional texts only 08:00–20:00 and at most 50
texts per number per day. A due time outside the hours is moved to the next allowed minute (like quiet
hours); the text that would pass the day's cap is deferred to the next allowed day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Callable

from sqlalchemy import Connection, func, select

from messaging.quiet import next_allowed
from records import models
from settings import Settings

DOMESTIC = ("aliyun", "tencent")
DAILY_CAP = "daily_cap"  # why a text was deferred, as preview shows it
COUNTED = ("planned", "sending", "sent", "delivered", "undelivered")  # texts that reach (or reached) the provider
outbox_t = models.OutboxMessage.__table__


def is_domestic(gateway: str) -> bool:
    return gateway in DOMESTIC


def marketing_hours(settings: Settings, gateway: str) -> tuple[time, time] | None:
    """The provider's allowed hours for promotional texts (None: not a domestic gateway)."""
    if not is_domestic(gateway):
        return None
    start, end = getattr(settings, gateway).marketing_hours
    return time.fromisoformat(start), time.fromisoformat(end)


def due_for(settings: Settings, due: datetime, gateway: str, marketing: bool, quiet: Callable[[datetime], datetime]) -> datetime:
    """``due`` moved into the provider's promotional hours (marketing texts only), and out of quiet hours again."""
    hours = marketing_hours(settings, gateway) if marketing else None
    if hours is None:
        return due
    for _ in range(4):  # two windows: at most a couple of moves settle both
        moved = quiet(next_allowed(due, hours[1], hours[0], settings.tz))  # outside the hours = "quiet"
        if moved == due:
            break
        due = moved
    return due


class DailyCap:
    """Where the provider's per-number daily cap puts a text: its due time, or the next allowed day's.

    Counts the outbox's texts per number per local day (one query per day, cached for this planning).
    """

    def __init__(self, conn: Connection, settings: Settings, adjust: Callable[[datetime, str], datetime]):
        self.conn, self.settings, self.adjust = conn, settings, adjust
        self._full: dict[tuple[date, int], set[str]] = {}

    def place(self, phone: str, gateway: str, due: datetime) -> tuple[datetime, bool]:
        """(the due time, whether the cap deferred it)."""
        cap = getattr(self.settings, gateway).daily_cap if is_domestic(gateway) else 0
        deferred = False
        for _ in range(366):
            if not cap:
                return due, deferred
            day = due.astimezone(self.settings.tz).date()
            if phone not in self._full_on(day, cap):
                return due, deferred
            deferred = True
            due = self.adjust(datetime.combine(day + timedelta(days=1), time(0, 0), self.settings.tz), gateway)
        return due, deferred

    def _full_on(self, day: date, cap: int) -> set[str]:
        key = (day, cap)
        if key not in self._full:
            start = datetime.combine(day, time(0, 0), self.settings.tz)
            o = outbox_t.c
            query = (select(o.phone).where(o.state.in_(COUNTED), o.due_at >= start, o.due_at < start + timedelta(days=1))
                     .group_by(o.phone).having(func.count() >= cap))
            self._full[key] = set(self.conn.execute(query).scalars())
        return self._full[key]
