"""What will be sent, day by day: the real planner and the dispatcher's own rules, in a transaction rolled back.

``jinli schedule`` plans each day of the window as `jinli run --date D` would (the same campaigns, the
same clock: the day's last send time), then lets the dispatcher's verdicts (opt-outs, quiet hours,
weekly cap, repeats) decide what would leave, and marks it sent, so a text on day 2 counts against
day 5's cap exactly as it will. Planning writes (outbox rows, events, invitations), so it runs in one
transaction that is always rolled back (records.transactions.rolled_back_transaction): nothing is
kept, and what it shows is what the runs will do unless the data changes in between.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, update

from campaigns.definitions import Campaign
from campaigns.planning import Planner
from campaigns.run import plan_day
from messaging.outbox import decide, due_query
from messaging.suppression import SendPolicy
from records import models
from records.transactions import rolled_back_transaction

outbox_t = models.OutboxMessage.__table__
BATCH = 1_000


@dataclass
class CampaignDay:
    """One campaign's texts on one day, and whom it left out, by reason."""

    campaign_id: str
    recipients: set[int] = field(default_factory=set)
    texts: int = 0
    segments: int = 0
    excluded: Counter = field(default_factory=Counter)
    failed: str | None = None
    paused: bool = False

    def add_text(self, message) -> None:
        self.recipients.add(message["customer_id"])
        self.texts += 1
        self.segments += message["segments"]


@dataclass
class ScheduleDay:
    on: date
    planned_at: datetime  # the day's clock: planning and sending as `jinli run --date` does
    send_until: datetime
    campaigns: dict[str, CampaignDay] = field(default_factory=dict)

    def campaign(self, campaign_id: str) -> CampaignDay:
        return self.campaigns.setdefault(campaign_id, CampaignDay(campaign_id))


def end_of_sending(planner: Planner, campaigns: list[Campaign], day: date) -> datetime:
    """A simulated day's clock: its last send time (quiet hours still defer what falls in them)."""
    times = [planner.calendar_send_at(c, day) for c in campaigns] or [planner.calendar_send_at_time(day)]
    return max(times)


def compute_schedule(engine: Engine, planner: Planner, campaigns: list[Campaign], start: date,
                     days: int) -> list[ScheduleDay]:
    """Each day from ``start``: what `jinli run --date` would plan and send, computed without writing."""
    with rolled_back_transaction(engine) as conn:
        return [simulate_day(conn, planner, campaigns, start + timedelta(days=n)) for n in range(days)]


def simulate_day(conn: Connection, planner: Planner, campaigns: list[Campaign], day: date,
                 planned_at: datetime | None = None, send_until: datetime | None = None) -> ScheduleDay:
    """Plan ``day`` and send what is due by ``send_until`` (both default to the day's last send time),
    inside the caller's transaction, marking sent what would be sent; returns the day's counts."""
    planned_at = planned_at or end_of_sending(planner, campaigns, day)
    result = ScheduleDay(day, planned_at, send_until or planned_at)
    for campaign in campaigns:
        _plan(conn, planner, campaign, day, result)
    _send(conn, result, SendPolicy.from_settings(planner.settings))
    return result


def _plan(conn: Connection, planner: Planner, campaign: Campaign, day: date, result: ScheduleDay) -> None:
    summary = plan_day(conn, planner, [campaign], day, result.planned_at, worker="schedule")
    mine = result.campaign(campaign.id)
    mine.excluded.update(summary.excluded)
    mine.excluded.update(summary.suppressed)
    mine.failed = summary.failed.get(campaign.id)
    mine.paused = campaign.id in summary.paused
    for displaced, count in summary.preempted.items():
        result.campaign(displaced).excluded["cap_preempted"] += count


def _send(conn: Connection, result: ScheduleDay, policy: SendPolicy) -> None:
    """The dispatcher's decisions at ``result.send_until``, batch after batch, written as if sent."""
    o = outbox_t.c
    at = result.send_until
    by_id = update(outbox_t).where(o.id == bindparam("mid"))
    while messages := conn.execute(due_query(at, BATCH)).mappings().all():
        sent, suppressed, deferred = [], [], []
        for message, verdict in decide(conn, messages, at, policy, lock=False):
            if verdict.action == "send":
                result.campaign(message["campaign_id"]).add_text(message)
                sent.append({"mid": message["id"]})
            elif verdict.action == "suppress":
                result.campaign(message["campaign_id"]).excluded[verdict.reason] += 1
                suppressed.append({"mid": message["id"], "why": verdict.reason})
            else:
                deferred.append({"mid": message["id"], "until": verdict.due_at})
        if sent:  # rolled back with the rest: the outbox never keeps this sent_at
            conn.execute(by_id.values(state="sent", sent_at=at, sending_at=at), sent)
        if suppressed:
            conn.execute(by_id.values(state="suppressed", reason=bindparam("why"), final_at=at), suppressed)
        if deferred:
            conn.execute(by_id.values(due_at=bindparam("until")), deferred)
