"""`jinli daemon`: APScheduler runs planning per campaign, the dispatcher and the reconcilers.

Jobs are values (id, APScheduler trigger, function of ``now``), so the same jobs run under a real
BackgroundScheduler in production and under ``tick(now)`` with a manual clock in tests: APScheduler's
triggers are pure (``get_next_fire_time(previous, now)``), which is all ``tick`` needs.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app import App
from campaigns.definitions import Campaign
from campaigns.planning import Planner
from schedules.campaign_store import CampaignStore
from schedules import loyalty_jobs, planning_runs
from domain.holiday_file import work_calendar
from domain.workdays import campaign_calendar_warnings

log = logging.getLogger("jinli.daemon")


@dataclass(frozen=True)
class DaemonOptions:
    worker: str
    catchup: timedelta = timedelta(days=1)
    dispatch_every: timedelta = timedelta(seconds=30)
    reconcile_every: timedelta = timedelta(minutes=15)
    settle_every: timedelta = timedelta(minutes=5)  # stuck messages: cheap when there are none
    sync_every: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class Job:
    id: str
    trigger: BaseTrigger
    run: Callable[[datetime], object]


class Daemon:
    def __init__(self, app: App, gateway, options: DaemonOptions):
        self.app, self.gateway, self.options = app, gateway, options
        self.store = CampaignStore(app.settings.campaigns_path)
        self.stopping = threading.Event()
        self._next: dict[str, datetime | None] = {}
        self.started_at: datetime | None = None
        self.catchup_pending = True  # until the start-up catch-up has run once without error

    # ---- jobs
    def jobs(self) -> list[Job]:
        """A planning job per campaign at its send time, then the dispatcher, the two reconcilers and file sync."""
        tz = self.app.settings.tz
        found = [Job(f"plan:{c.id}", CronTrigger(hour=c.send_time.hour, minute=c.send_time.minute, timezone=tz),
                     partial(self.plan_campaign, c.id)) for c in self.store.campaigns() if c.enabled and c.kind != "trigger"]
        o, since = self.options, self.started_at  # interval jobs count from the start, not from the wall clock
        return found + self.loyalty_jobs() + [
            Job("settle", IntervalTrigger(seconds=o.settle_every.total_seconds(), start_date=since, timezone=tz),
                self.settle_stuck),
            Job("dispatch", IntervalTrigger(seconds=o.dispatch_every.total_seconds(), start_date=since, timezone=tz),
                self.dispatch),
            Job("reconcile", IntervalTrigger(seconds=o.reconcile_every.total_seconds(), start_date=since, timezone=tz),
                self.reconcile),
        ]

    def loyalty_jobs(self) -> list[Job]:
        """The daily recompute at [daemon] recompute_at, the after-import check and the trigger scan."""
        tz, d, since = self.app.settings.tz, self.app.settings.daemon, self.started_at
        at = d.recompute_time
        return [
            Job("recompute", CronTrigger(hour=at.hour, minute=at.minute, timezone=tz), self.recompute_daily),
            Job("recompute-after-import", IntervalTrigger(minutes=d.import_check_minutes, start_date=since, timezone=tz),
                self.recompute_after_import),
            Job("triggers", IntervalTrigger(minutes=d.trigger_scan_minutes, start_date=since, timezone=tz),
                self.scan_triggers),
        ]

    def recompute_daily(self, now: datetime):
        """Points, referral rewards and tiers as of today (one daemon of several runs it)."""
        return loyalty_jobs.recompute_daily(self.app.engine, self.app.settings, now, self.options.worker)

    def recompute_after_import(self, now: datetime):
        """The same recompute once after each import (imports no longer recompute themselves)."""
        return loyalty_jobs.recompute_after_import(self.app.engine, self.app.settings, now, self.options.worker)

    def scan_triggers(self, now: datetime):
        """Plan the texts of trigger campaigns for the records added since their last scan."""
        planner = Planner.from_settings(self.app.settings)
        return loyalty_jobs.scan_triggers(self.app.engine, planner, self.store.campaigns(), now, self.options.worker)

    def plan_campaign(self, campaign_id: str, now: datetime) -> list[planning_runs.DayOutcome]:
        """Plan the campaign's due days (today's, and missed ones within the catch-up window)."""
        campaigns = [c for c in self.store.campaigns() if c.id == campaign_id]
        return self.plan_due(now, campaigns)

    def plan_due(self, now: datetime, campaigns: list[Campaign] | None = None) -> list[planning_runs.DayOutcome]:
        campaigns = self.store.campaigns() if campaigns is None else campaigns
        campaigns = [c for c in campaigns if c.kind != "trigger"]  # scanned by their own job, not planned by day
        planner = Planner.from_settings(self.app.settings)  # fresh templates: staff edits take effect
        outcomes = []
        for campaign in campaigns:
            outcomes += planning_runs.plan_missing_days(self.app.engine, planner, campaign, now, self.options.catchup,
                                                        self.options.worker)
        failed = sorted({o.campaign_id for o in outcomes if o.outcome == "failed"})
        if failed:
            log.warning("planning: %d campaign(s) failed and were skipped (%s); the others were planned",
                        len(failed), ", ".join(failed))
        return outcomes

    def dispatch(self, now: datetime):
        from messaging.dispatch import send_due_messages

        if self.catchup_pending:
            self.catch_up(now)
        return send_due_messages(self.app.engine, self.gateway, self.app.settings, now, worker=self.options.worker,
                                 stop=self.stopping.is_set)

    def settle_stuck(self, now: datetime):
        """Ask the provider what became of messages stuck in 'sending' (messaging.reconcile)."""
        from messaging.reconcile import reconcile_stuck

        return reconcile_stuck(self.app.engine, self.gateway, now, self.app.settings.sms)

    def reconcile(self, now: datetime):
        """Ask the provider about sent messages whose delivery report never came."""
        from messaging.reconcile import reconcile

        return reconcile(self.app.engine, self.gateway, now)

    def catch_up(self, now: datetime) -> bool:
        """Settle what a crash left in 'sending' and plan what was missed; an error is logged, and the next
        dispatch tries again (a daemon started during a database outage must not exit)."""
        try:
            self.settle_stuck(now)
            self.plan_due(now)
        except Exception as exc:  # noqa: BLE001 - a daemon outlives its database's outages
            log.error("daemon %s: start-up catch-up failed, tried again at the next dispatch: %s",
                      self.options.worker, _describe(exc))
            return False
        self.catchup_pending = False
        return True

    # ---- driving the jobs
    def start(self, now: datetime) -> None:
        """What a (re)start does first: settle stuck messages, plan what was missed, send what is due.

        Never raises: what fails is logged and retried by the scheduler (the catch-up at the next dispatch).
        """
        self.started_at = now
        try:
            self.warn_unknown_years(now)
        except Exception as exc:  # noqa: BLE001 - a warning must not stop the daemon
            log.error("daemon %s: could not check the holiday calendar: %s", self.options.worker, _describe(exc))
        try:
            self.dispatch(now)  # catches up first
        except Exception as exc:  # noqa: BLE001 - the dispatch job runs again in dispatch_every
            log.error("daemon %s: start-up dispatch failed, tried again at the next dispatch: %s",
                      self.options.worker, _describe(exc))

    def warn_unknown_years(self, now: datetime) -> None:
        """Log loudly the years the campaigns would plan into that have no official holiday schedule."""
        calendar = work_calendar(self.app.settings)
        for warning in campaign_calendar_warnings(calendar, self.store.campaigns(), local_day(now, self.app)):
            log.warning(warning)

    def tick(self, now: datetime) -> list[str]:
        """Run every job due at ``now`` once (missed fire times coalesce); returns the ids run."""
        if self.started_at is None:
            self.start(now)
        ran = []
        for job in self.jobs():
            due = self._next.setdefault(job.id, job.trigger.get_next_fire_time(None, now))
            if due is not None and due <= now:
                job.run(now)
                ran.append(job.id)
                self._next[job.id] = job.trigger.get_next_fire_time(due, now + timedelta(microseconds=1))
        return ran

    def run_once(self, now: datetime) -> None:
        """`jinli daemon --once`: catch up, dispatch what is due, reconcile, and return."""
        self.start(now)
        self.reconcile(now)

    def run_forever(self, clock: Callable[[], datetime]) -> None:
        """Under a BackgroundScheduler until ``stop()``: the job in flight finishes and is recorded."""
        self.start(clock())
        scheduler = BackgroundScheduler(timezone=self.app.settings.tz, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": int(self.options.catchup.total_seconds())})
        self._schedule(scheduler, clock)
        scheduler.add_job(partial(self._schedule, scheduler, clock), IntervalTrigger(
            seconds=self.options.sync_every.total_seconds(), timezone=self.app.settings.tz), id="sync", replace_existing=True)
        scheduler.start()
        log.info("daemon %s started with jobs: %s", self.options.worker, ", ".join(j.id for j in scheduler.get_jobs()))
        self.stopping.wait()
        scheduler.shutdown(wait=True)
        log.info("daemon %s stopped cleanly", self.options.worker)

    def _schedule(self, scheduler, clock: Callable[[], datetime]) -> None:
        """(Re)register the jobs: stable ids, so a changed send time reschedules and a removed campaign goes."""
        wanted = {job.id: job for job in self.jobs()}
        for existing in scheduler.get_jobs():
            if existing.id not in wanted and existing.id != "sync":
                existing.remove()
        for job in wanted.values():
            current = scheduler.get_job(job.id)
            if current is None or str(current.trigger) != str(job.trigger):
                scheduler.add_job(_with_clock(job.run, clock), job.trigger, id=job.id, replace_existing=True)

    def stop(self) -> None:
        self.stopping.set()


def _describe(exc: Exception) -> str:
    from messaging.reconcile import describe_error

    return describe_error(exc)


def _with_clock(run: Callable[[datetime], object], clock: Callable[[], datetime]) -> Callable[[], object]:
    def job() -> object:
        try:
            return run(clock())
        except Exception:  # a failed run is logged and retried at the next fire time
            log.exception("job failed")
    return job


def local_day(now: datetime, app: App) -> date:
    return now.astimezone(app.settings.tz).date()
