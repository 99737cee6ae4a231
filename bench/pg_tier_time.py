"""Time records.tiers.recompute on a database filled by bench/pg_tier_fill.sql (or sqlite_tier_fill.sql),
step by step, with PostgreSQL's HOT counts and the load average: python -m bench.pg_tier_time URL AS_OF [--explain]."""

from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime, timezone

from sqlalchemy import text

from records import db, tiers
from settings import load_settings


def _stats(conn) -> tuple[int, int]:
    if conn.dialect.name != "postgresql":
        return 0, 0
    conn.execute(text("SELECT pg_stat_force_next_flush()"))
    conn.execute(text("SELECT pg_stat_clear_snapshot()"))
    return tuple(conn.execute(text("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'customers'")).one())


def _timed_store(explain: bool):
    """tiers._store wrapped: its time (and, with ``explain``, EXPLAIN (ANALYZE, BUFFERS) of it) printed."""
    original = tiers._store

    def store(conn, scratch, as_of):
        started = time.perf_counter()
        if explain:
            sql = str(tiers.store_statement(scratch, as_of).compile(conn, compile_kwargs={"literal_binds": True}))
            for (line,) in conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)):
                print("   ", line)
        else:
            original(conn, scratch, as_of)
        print(f"  UPDATE customers: {time.perf_counter() - started:.2f} s")

    tiers._store = store


def _timed(module, name: str) -> None:
    """``module.name`` wrapped to print its time."""
    original = getattr(module, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        result = original(*args, **kwargs)
        print(f"  {name}: {time.perf_counter() - started:.2f} s")
        return result

    setattr(module, name, timed)


def main(url: str, as_of: str, explain: bool) -> None:
    settings = load_settings("config.toml")
    engine = db.make_engine(url)
    _timed_store(explain)
    _timed(tiers, "_record_changes")
    _timed(tiers.tier_moves, "record_moves")
    _timed(tiers, "tier_counts")
    with engine.connect() as conn:
        before = _stats(conn)
    print(f"recompute as of {as_of}; load {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    with engine.begin() as conn:
        counts = tiers.recompute(conn, settings.tiers, date.fromisoformat(as_of), settings.tz, datetime.now(timezone.utc))
    print(f"  recompute total: {time.perf_counter() - started:.2f} s, tiers {counts}; load {os.getloadavg()[0]:.2f}")
    with engine.connect() as conn:
        after = _stats(conn)
    print(f"  customers rows updated {after[0] - before[0]}, of which HOT {after[1] - before[1]}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--explain" in sys.argv)
