"""The points recompute (earning rules and referral rewards) for every customer: `records.loyalty.recompute`.

Target (SQLite): ≤ 30 s at a million customers, set-based (a fixed handful of statements whatever
the size). The second run is the daily case once the ledger is up to date: it must add nothing.
No bare baseline: the statements are already one INSERT … SELECT per rule.
"""

from __future__ import annotations

from bench.context import Context
from bench.databases import counting_statements
from bench.harness import Section, at_most, stopwatch
from records import loyalty

LIMIT_S = 30.0
SET_BASED_MAX_STATEMENTS = 10


def run(section: Section, ctx: Context) -> None:
    engine, settings = ctx.target.engine(), ctx.settings
    on_sqlite = ctx.target.is_sqlite
    for label in ("first recompute (empty ledger)", "second recompute (nothing new)"):
        with counting_statements(engine) as count, stopwatch() as elapsed, engine.begin() as conn:
            run_ = loyalty.recompute(conn, settings.loyalty, ctx.day, settings.tz, ctx.import_now)
        seconds = elapsed()
        section.add(label, seconds, "s", target=f"≤ {LIMIT_S:.0f} s" if on_sqlite else "",
                    passed=at_most(seconds, LIMIT_S) if on_sqlite else None,
                    note=f"{sum(run_.earned.values()):,} awards, {run_.rewards['owed']:,} rewards owed")
    section.add("SQL statements (set-based)", count[0], "", target=f"≤ {SET_BASED_MAX_STATEMENTS}, any size",
                passed=count[0] <= SET_BASED_MAX_STATEMENTS)
