"""The composition root: settings, database, clock (and later the gateway) wired once.

The CLI and the daemon build an ``App``; tests build one with a temporary config and a manual clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from typing import Protocol

from sqlalchemy import Engine

from records.db import ensure_schema, make_engine
from settings import Settings


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock; only the CLI and the scheduler's jobs read it."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass
class ManualClock:
    """A clock tests move by hand (aware UTC)."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        from datetime import timedelta

        self.current += timedelta(**delta)


@dataclass
class App:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def raw_engine(self) -> Engine:
        """The engine without any schema check (for `jinli db`)."""
        return make_engine(self.settings.database_url)

    @cached_property
    def engine(self) -> Engine:
        """The engine, with a brand-new database initialised and an outdated one refused."""
        ensure_schema(self.raw_engine)
        return self.raw_engine

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in the site's time zone."""
        return self.clock.now().astimezone(self.settings.tz).date()
