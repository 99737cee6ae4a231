"""A trigger campaign's scan: its state (first seen enabled, watermarks) and the records due a text now.

Incremental and set-based: each scan reads only the source rows added since the watermark, through
one SELECT (``records.trigger_sources``), never a loop over customers. The watermark trails the
newest id by one scan (``seen_id`` becomes ``last_id`` next time), so a row committed late under a
lower id (PostgreSQL allots ids before commit) is read once more; a record read twice is harmless,
since its outbox key already exists. A record whose delay has not passed holds the watermark back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from campaigns.definitions import Campaign
from records import models
from records.trigger_sources import DATE_DRIVEN, SOURCE_TABLES, SOURCES, Scope, guarded, happened

scans_t = models.TriggerScan.__table__


@dataclass(frozen=True)
class ScanState:
    enabled_at: datetime
    last_id: int = 0
    seen_id: int = 0
    last_on: date | None = None


@dataclass(frozen=True)
class Fired:
    """One triggering record due a text: the recipient and what the template reads as ``trigger``."""

    record_id: int
    customer_id: int
    happened_at: datetime
    happened_on: date
    row: dict


@dataclass(frozen=True)
class Scan:
    fired: list[Fired]
    state: ScanState  # the watermark once these records are planned


def state_of(conn: Connection, campaign: Campaign, now: datetime, *, lock: bool = True) -> ScanState:
    """The campaign's scan state, recording ``now`` as first seen enabled on first sight (locked on PostgreSQL,
    so two daemons scanning the same campaign take turns)."""
    s = scans_t.c
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(dialect_insert(scans_t).values(campaign_id=campaign.id, kind=campaign.spec.on, enabled_at=now,
                                                last_id=0, seen_id=0).on_conflict_do_nothing())
    query = select(s.enabled_at, s.last_id, s.seen_id, s.last_on).where(s.campaign_id == campaign.id,
                                                                         s.kind == campaign.spec.on)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).one()
    return ScanState(row.enabled_at, row.last_id, row.seen_id, row.last_on)


def preview_state(conn: Connection, campaign: Campaign, now: datetime) -> ScanState:
    """The state a preview reads: the recorded one, else one as if first seen enabled ``now`` (writes nothing)."""
    s = scans_t.c
    row = conn.execute(select(s.enabled_at, s.last_id, s.seen_id, s.last_on).where(
        s.campaign_id == campaign.id, s.kind == campaign.spec.on)).first()
    return ScanState(row.enabled_at, row.last_id, row.seen_id, row.last_on) if row else ScanState(now)


def forget_disabled(conn: Connection, enabled: list[Campaign]) -> int:
    """Drop the state of trigger campaigns no longer enabled: enabling one again counts from then."""
    s = scans_t.c
    keep = [(c.id, c.spec.on) for c in enabled]
    rows = conn.execute(select(s.campaign_id, s.kind)).all()
    gone = [r for r in rows if (r.campaign_id, r.kind) not in keep]
    for row in gone:
        conn.execute(scans_t.delete().where(s.campaign_id == row.campaign_id, s.kind == row.kind))
    return len(gone)


def since_on(campaign: Campaign, state: ScanState, tz) -> date:
    """The first business day whose records fire: the day first seen enabled, less ``backfill_days``."""
    return state.enabled_at.astimezone(tz).date() - timedelta(days=campaign.spec.backfill_days or 0)


def scan(conn: Connection, campaign: Campaign, state: ScanState, now: datetime, tz, ladder: tuple) -> Scan:
    """The records due a text at ``now`` (delay passed, guards met) and the watermark after them."""
    spec = campaign.spec
    scope = _scope(conn, campaign, state, now, tz, ladder)
    query = guarded(SOURCES[spec.on](scope), spec.visits_at_most, spec.without_deposit)
    result = conn.execute(query)
    names = list(result.keys())  # once: a mapping per row would look them up 10,000 times
    rows = [dict(zip(names, row)) for row in result]
    records = [_fired(r, tz) for r in rows]
    due = [f for f in records if f.happened_at + spec.delay <= now]
    if spec.on in DATE_DRIVEN:
        return Scan(due, ScanState(state.enabled_at, state.last_id, state.seen_id, scope.upto_on))
    waiting = [f.row["source_id"] for f in records if f.happened_at + spec.delay > now]
    last = min([state.seen_id, *(i - 1 for i in waiting)])
    return Scan(due, ScanState(state.enabled_at, max(last, state.last_id), max(scope.high, state.seen_id)))


def _scope(conn: Connection, campaign: Campaign, state: ScanState, now: datetime, tz, ladder: tuple) -> Scope:
    start = since_on(campaign, state, tz)
    today = now.astimezone(tz).date()
    if campaign.spec.on in DATE_DRIVEN:
        upto = (now - campaign.spec.delay).astimezone(tz).date()
        low_on = state.last_on or start - timedelta(days=1)
        return Scope(0, 0, start, today, tz, ladder, upto_on=upto, low_on=low_on, conn=conn)
    table = SOURCE_TABLES[campaign.spec.on]
    high = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return Scope(state.last_id, high, start, today, tz, ladder, conn=conn)


def _fired(row: dict, tz) -> Fired:
    at, on = happened(row, tz)
    return Fired(row["record_id"], row["customer_id"], at, on, row)


def advance(conn: Connection, campaign: Campaign, state: ScanState, now: datetime) -> None:
    """Store the watermark (inside the transaction that planned the texts it covers)."""
    s = scans_t.c
    conn.execute(update(scans_t).where(s.campaign_id == campaign.id, s.kind == campaign.spec.on).values(
        last_id=state.last_id, seen_id=state.seen_id, last_on=state.last_on, scanned_at=now))

