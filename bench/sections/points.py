"""The points recompute (earning rules and referral rewards) for every customer: `records.loyalty.recompute`
against the same rules as hand-written SQL (bench/bare/points.py).

Target (SQLite): ≤ 30 s at a million customers, set-based (a fixed handful of statements whatever
the size). The second run is the daily case once the ledger is up to date: it must add nothing.
"""

from __future__ import annotations

from bench.bare import points as bare
from bench.context import Context
from bench.databases import counting_statements, transaction
from bench.harness import Section, at_most, stopwatch
from records import loyalty
from records.events import day_bounds

LIMIT_S = 30.0
SET_BASED_MAX_STATEMENTS = 10
RUNS = ("first recompute (empty ledger)", "second recompute (nothing new)")


def run(section: Section, ctx: Context) -> None:
    engine, settings = ctx.target.engine(), ctx.settings
    on_sqlite = ctx.target.is_sqlite
    bare_runs = _bare(ctx)
    for label, (bare_s, bare_result) in zip(RUNS, bare_runs):
        with counting_statements(engine) as count, stopwatch() as elapsed, engine.begin() as conn:
            done = loyalty.recompute(conn, settings.loyalty, ctx.day, settings.tz, ctx.import_now)
        seconds = elapsed()
        section.add(label, seconds, "s", baseline=bare_s, target=f"≤ {LIMIT_S:.0f} s" if on_sqlite else "",
                    passed=at_most(seconds, LIMIT_S) if on_sqlite else None,
                    note=f"{sum(done.earned.values()):,} awards, {done.rewards['owed']:,} rewards owed")
        same = done.earned == bare_result["earned"] and done.rewards == bare_result["rewards"]
        section.note(f"{label}: {done.summary()}" + ("; the bare SQL agrees" if same else f"; BARE SQL DISAGREES: {bare_result}"))
    section.add("SQL statements (set-based)", count[0], "", target=f"≤ {SET_BASED_MAX_STATEMENTS}, any size",
                passed=count[0] <= SET_BASED_MAX_STATEMENTS)


def _bare(ctx: Context) -> list[tuple[float, dict]]:
    settings, runs = ctx.settings, []
    until = day_bounds(ctx.day, settings.tz)[1]
    conn = ctx.target.connect_baseline()
    try:
        for _label in RUNS:
            with stopwatch() as elapsed, transaction(conn):
                result = bare.recompute(conn, settings.loyalty, ctx.day, until, ctx.import_now, settings.tz)
            runs.append((elapsed(), result))
    finally:
        conn.close()
    return runs
