"""Which campaign days were planned: catch-up after downtime without planning twice or sending late in bulk.

For each campaign, every day since the last recorded run whose send time has passed is planned once
if it is within the catch-up window, or recorded as skipped (and logged) if older. A campaign's first
run starts with today. Two daemons may do this at once: planning is idempotent and
the run record is unique per (campaign, day).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from campaigns.definitions import Campaign
from campaigns.planning import Planner
from campaigns.run import plan_campaign_day
from records import models, planning_errors
from records.transactions import write_transaction

log = logging.getLogger("jinli.daemon")
runs_t = models.PlanningRun.__table__


@dataclass(frozen=True)
class DayOutcome:
    campaign_id: str
    day: date
    outcome: str  # planned | caught_up | skipped | failed
    planned: int = 0
    error: str = ""  # why planning failed (outcome "failed": no run recorded, so the day is tried again)


def plan_missing_days(engine: Engine, planner: Planner, campaign: Campaign, now: datetime, catchup: timedelta,
                      worker: str) -> list[DayOutcome]:
    """Plan (or skip, if too old) each day of ``campaign`` whose send time has passed and has no run yet."""
    tz = planner.calendar.tz
    today = now.astimezone(tz).date()
    outcomes = []
    for day in _days_to_consider(engine, campaign.id, today, catchup):
        send_at = datetime.combine(day, campaign.send_time, tz)
        if send_at > now:
            continue
        late = now - send_at
        if late > catchup:
            outcomes.append(_record(engine, DayOutcome(campaign.id, day, "skipped"), now, worker))
            log.warning("campaign %s: %s was missed by %s, beyond the catch-up window: skipped, not sent late",
                        campaign.id, day, late)
            continue
        try:
            outcomes.append(_plan(engine, planner, campaign, day, now, worker, "caught_up" if day < today else "planned"))
        except Exception as exc:  # noqa: BLE001 (one campaign's failure must not stop the daemon or the others)
            outcomes.append(_failed(engine, campaign.id, day, exc, now, worker))
            break  # the later days wait: the failed day is tried first at the next run
    return [o for o in outcomes if o is not None]


def _failed(engine: Engine, campaign_id: str, day: date, exc: Exception, now: datetime, worker: str) -> DayOutcome:
    """Log the failure and record it for `campaigns list` (best effort: the database may be what failed)."""
    error = planning_errors.describe(exc)
    log.error("campaign %s: planning %s failed, skipped: %s", campaign_id, day, error)
    try:
        with write_transaction(engine) as conn:
            planning_errors.record(conn, campaign_id, day, error, now, worker)
    except Exception as again:  # noqa: BLE001
        log.error("campaign %s: could not record the planning failure: %s", campaign_id, planning_errors.describe(again))
    return DayOutcome(campaign_id, day, "failed", error=error)


def _days_to_consider(engine: Engine, campaign_id: str, today: date, catchup: timedelta) -> list[date]:
    with engine.connect() as conn:
        last = conn.execute(select(func.max(runs_t.c.day)).where(runs_t.c.campaign_id == campaign_id)).scalar()
    # A campaign's first run starts today: with no run recorded, nothing was missed yet.
    first = last + timedelta(days=1) if last else today
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def _plan(engine: Engine, planner: Planner, campaign: Campaign, day: date, now: datetime, worker: str,
          outcome: str) -> DayOutcome | None:
    with write_transaction(engine) as conn:
        if _already(conn, campaign.id, day):
            return None
        planned = plan_campaign_day(conn, planner, campaign, day, now).planned
        _insert_run(conn, campaign.id, day, outcome, planned, now, worker)
        planning_errors.clear(conn, campaign.id)
    if outcome == "caught_up":
        log.info("campaign %s: caught up %s (%d planned)", campaign.id, day, planned)
    return DayOutcome(campaign.id, day, outcome, planned)


def _record(engine: Engine, outcome: DayOutcome, now: datetime, worker: str) -> DayOutcome | None:
    with write_transaction(engine) as conn:
        if _already(conn, outcome.campaign_id, outcome.day):
            return None
        _insert_run(conn, outcome.campaign_id, outcome.day, outcome.outcome, 0, now, worker)
    return outcome


def _already(conn, campaign_id: str, day: date) -> bool:
    return conn.execute(select(runs_t.c.id).where(runs_t.c.campaign_id == campaign_id, runs_t.c.day == day)).first() is not None


def _insert_run(conn, campaign_id: str, day: date, outcome: str, planned: int, now: datetime, worker: str) -> None:
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(dialect_insert(runs_t).on_conflict_do_nothing(), [{
        "campaign_id": campaign_id, "day": day, "outcome": outcome, "planned": planned, "ran_at": now, "worker": worker}])
