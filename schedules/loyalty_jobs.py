"""The daemon's loyalty and trigger jobs: recompute daily and after imports, scan trigger campaigns.

Several daemons may share a database: a recompute is claimed first (a ``loyalty_runs`` row whose key
is unique: "daily·DAY", "import·AUDIT-ID"), so one of them runs it; a trigger campaign's scan locks its
state row, and its texts have unique outbox keys, so nothing is sent twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from campaigns.definitions import Campaign
from campaigns.planning import Planner
from campaigns.trigger_scan import forget_disabled
from campaigns.triggers import TriggerRun, scan_and_plan
from messaging.pauses import is_paused
from records import loyalty, models, planning_errors, tiers
from records.transactions import write_transaction
from settings import Settings

log = logging.getLogger("jinli.daemon")
runs_t = models.LoyaltyRun.__table__
audit_t = models.AuditEntry.__table__
IMPORT_ACTIONS = ("import.customers", "import.holdings", "import.movements")


def recompute_all(conn: Connection, settings: Settings, now: datetime) -> dict:
    """Points and referral rewards, then tiers (which may count points), as of today; counts for the log."""
    today = now.astimezone(settings.tz).date()
    run = loyalty.recompute(conn, settings.loyalty, today, settings.tz, now)
    counts = tiers.recompute(conn, settings.tiers, today, settings.tz, now)
    return {"points": run.as_dict(), "tiers": counts}


def claim(conn: Connection, key: str, now: datetime, worker: str) -> bool:
    """Whether this daemon is the one to run ``key`` (first to insert it)."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(runs_t).values(key=key, started_at=now, worker=worker[:64]).on_conflict_do_nothing()
    return conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount == 1


def latest_import(conn: Connection) -> int | None:
    """The audit id of the newest import (every `jinli import` that wrote records leaves one)."""
    a = audit_t.c
    return conn.execute(select(func.max(a.id)).where(a.action.in_(IMPORT_ACTIONS))).scalar()


def recompute_daily(engine: Engine, settings: Settings, now: datetime, worker: str) -> dict | None:
    """The day's recompute, once per day across daemons; None when another daemon has it."""
    return _claimed(engine, settings, f"daily·{now.astimezone(settings.tz).date().isoformat()}", now, worker)


def recompute_after_import(engine: Engine, settings: Settings, now: datetime, worker: str) -> dict | None:
    """A recompute after the newest import, once per import; None when there is nothing new."""
    with engine.connect() as conn:
        newest = latest_import(conn)
    return None if newest is None else _claimed(engine, settings, f"import·{newest}", now, worker)


def _claimed(engine: Engine, settings: Settings, key: str, now: datetime, worker: str) -> dict | None:
    with write_transaction(engine) as conn:  # the claim and the recompute commit together
        if not claim(conn, key, now, worker):
            return None
        counts = recompute_all(conn, settings, now)
    log.info("recompute %s: %s", key, counts)
    return counts


def scan_triggers(engine: Engine, planner: Planner, campaigns: list[Campaign], now: datetime,
                  worker: str) -> dict[str, TriggerRun]:
    """Scan every trigger campaign that runs today, each in its own transaction (one failing skips only itself)."""
    day = now.astimezone(planner.calendar.tz).date()
    running = [c for c in campaigns if c.kind == "trigger" and c.runs_on(day)]
    with write_transaction(engine) as conn:
        forget_disabled(conn, running)
    done = {}
    for campaign in running:
        try:
            with write_transaction(engine) as conn:
                done[campaign.id] = scan_and_plan(conn, planner, campaign, campaigns, now,
                                                  plan=not is_paused(conn, campaign.id))
        except Exception as exc:  # noqa: BLE001 - one campaign's failure must not stop the others
            _failed(engine, campaign, day, exc, now, worker)
    return done


def _failed(engine: Engine, campaign: Campaign, day, exc: Exception, now: datetime, worker: str) -> None:
    error = planning_errors.describe(exc)
    log.error("campaign %s: trigger scan failed, tried again at the next scan: %s", campaign.id, error)
    with engine.begin() as conn:
        planning_errors.record(conn, campaign.id, day, error, now, worker)


__all__ = ["claim", "latest_import", "recompute_after_import", "recompute_all", "recompute_daily",
           "scan_triggers"]
