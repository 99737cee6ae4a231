"""The anchor's tier scoring and funnel counts in DuckDB, over the same rows jinli scores and counts.

The tables are copied out of jinli's database first (CSV through Python's sqlite3 and csv, DuckDB's
read_csv with the declared column types; not timed): DuckDB's sqlite extension would download at run
time. What is timed is the SQL alone — the bare baseline's statements (bench/bare/tiers.py,
bench/bare/funnel.py) run by a columnar engine: the distance from a row store to a column store.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from bench.bare import funnel as bare_funnel
from bench.bare import tiers as bare_tiers
from settings import TierSettings

TIER_TABLES = {
    "customers": ("id", "pinned_tier", "referrer_id", "tier", "tier_score", "tier_as_of"),
    "holdings": ("id", "customer_id", "amount_fen", "term_days", "start_on", "maturity_on"),
    "movements": ("holding_id", "customer_id", "kind", "on", "amount_fen"),
    "checkins": ("customer_id", "checked_in_at"),
    "points_ledger": ("customer_id", "points", "earned_on", "expires_on"),
}
FUNNEL_TABLES = {
    "invitations": ("event_id", "customer_id", "tier", "state"),
    "outbox": ("event_id", "tier", "step", "state"),
    "checkins": ("event_id", "customer_id", "invitation_id"),
    "customers": ("id", "tier"),
    "referrals": ("event_id", "referrer_id", "referee_id", "converted_on"),
    "holdings": ("customer_id", "start_on", "amount_fen"),
}
TYPES = (("INT", "BIGINT"), ("DATETIME", "TIMESTAMP"), ("DATE", "DATE"), ("BOOL", "BOOLEAN"))
DUCKDB_CONFIG = {"memory_limit": "512MB", "threads": 2}


def load_from(target, tables: dict[str, tuple[str, ...]]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding ``tables`` (these columns) copied from the target's jinli database."""
    con = duckdb.connect(config=DUCKDB_CONFIG)
    source = target.connect_jinli_raw()
    try:
        with tempfile.TemporaryDirectory() as folder:
            for table, columns in tables.items():
                _copy(source, con, table, columns, Path(folder) / f"{table}.csv", _declared(source, table))
    finally:
        source.close()
    return con


def _declared(source, table: str) -> dict[str, str]:
    """Column -> declared SQL type, from SQLite's table_info or PostgreSQL's information_schema."""
    if isinstance(source, sqlite3.Connection):
        return {row[1]: row[2].upper() for row in source.execute(f"PRAGMA table_info({table})")}
    rows = source.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
                          "AND table_schema = current_schema()", (table,)).fetchall()
    return {name: kind.upper().replace("TIMESTAMP", "DATETIME") for name, kind in rows}


def _copy(source, con, table: str, columns: tuple[str, ...], path: Path, declared: dict[str, str]) -> None:
    types = {c: next((duck for word, duck in TYPES if word in declared[c]), "VARCHAR") for c in columns}
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        select = f"SELECT {', '.join(_quote(c) for c in columns)} FROM {table}"
        if isinstance(source, sqlite3.Connection):
            writer.writerows(source.execute(select))
        else:  # a server-side cursor (bounded memory); instants as naive UTC, as SQLite keeps them
            with source.cursor(name=f"anchor_{table}") as cursor:
                cursor.execute(select)
                writer.writerows(tuple(_naive(v) for v in row) for row in cursor)
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true, columns = {_struct(types)})",
                [str(path)])


def _naive(value):
    return value.astimezone(timezone.utc).replace(tzinfo=None) if isinstance(value, datetime) and value.tzinfo else value


def _quote(column: str) -> str:
    return f'"{column}"'


def _struct(types: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"


def recompute_tiers(con, settings: TierSettings, as_of: date, tz: ZoneInfo, now: datetime) -> tuple[float, dict[str, int]]:
    """(seconds, customers per tier): the bare baseline's scoring, history and update statements in DuckDB."""
    points, total = bare_tiers._points_sql(settings)
    day_start = lambda d: datetime.combine(d, datetime.min.time(), tz).astimezone(timezone.utc).replace(tzinfo=None)  # noqa: E731
    params = {
        "as_of": as_of, "topups_since": as_of - timedelta(days=settings.topups_window_days),
        "withdrawals_since": as_of - timedelta(days=settings.withdrawals_window_days),
        "events_since": day_start(as_of - timedelta(days=settings.events_window_days - 1)),
        "events_until": day_start(as_of + timedelta(days=1)), "a_min": settings.a_min_score,
        "b_min": settings.b_min_score, "c_min": settings.c_min_deposit * 100,
        "now": now.astimezone(timezone.utc).replace(tzinfo=None),
    }
    con.execute(_history_table())
    con.execute(bare_tiers._scratch().replace("TEMPORARY ", ""))
    statements = [bare_tiers.SCORES.format(points=points, total=total, points_on="1 = 1" if settings.points else "1 = 0"),
                  bare_tiers.HISTORY, bare_tiers.UPDATE]
    started = time.perf_counter()
    for statement in statements:
        con.execute(*_duck(statement, params))
    seconds = time.perf_counter() - started
    return seconds, dict(con.execute("SELECT tier, count(*) FROM customers GROUP BY tier").fetchall())


def _history_table() -> str:
    breakdown = ", ".join(f"{c} BIGINT" for c in bare_tiers.BREAKDOWN)
    return (f"CREATE TABLE tier_history (customer_id BIGINT, as_of DATE, tier VARCHAR, score BIGINT, reason VARCHAR, "
            f"note VARCHAR, {breakdown}, recorded_at TIMESTAMP)")


def _duck(sql: str, params: dict) -> tuple[str, dict]:
    """``:name`` parameters as DuckDB's ``$name``, with only the parameters the statement uses."""
    used = {k: v for k, v in params.items() if f":{k}" in sql}
    return re.sub(r"(?<!:):(\w+)", r"$\1", sql), used


def funnel_totals(con, runs: int = 3) -> tuple[float, dict[str, int]]:
    """(median seconds of ``runs``, the counts): the bare funnel's four GROUP BY queries in DuckDB."""
    times, totals = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        totals = bare_funnel.funnel_totals(con)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2], totals
