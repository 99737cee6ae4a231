"""Tier recompute for every customer: `records.tiers.recompute` against the same scoring in bare SQL.

Targets: ≤ 30 s on SQLite, ≤ 15 s on PostgreSQL (issue 17), and set-based: a fixed handful of
statements whatever the customer count.
"""

from __future__ import annotations

from bench.anchor import run as anchor_run
from bench.bare import tiers as bare
from bench.context import Context
from bench.databases import counting_statements, transaction
from bench.harness import Section, at_most, stopwatch
from records import tiers

LIMIT_S = {"sqlite": 30.0, "postgresql": 15.0}
SET_BASED_MAX_STATEMENTS = 10
# Staff pin their VIPs to A (about 1 in 100, picked by phone so both databases pin the same people).
PIN_VIPS = "UPDATE customers SET pinned_tier = 'A', pinned_reason = 'VIP' WHERE phone LIKE '%00'"


def run(section: Section, ctx: Context) -> None:
    _pin_vips(ctx)
    anchor = _anchor_tables(section, ctx)  # copied before jinli scores, so the anchor does the same work
    engine, settings = ctx.target.engine(), ctx.settings
    with counting_statements(engine) as count, stopwatch() as elapsed, engine.begin() as conn:
        counts = tiers.recompute(conn, settings.tiers, ctx.day, settings.tz, ctx.import_now)
    jinli_s = elapsed()
    conn = ctx.target.connect_baseline()
    try:
        with stopwatch() as bare_elapsed, transaction(conn):
            bare_counts = bare.recompute(conn, settings.tiers, ctx.day, settings.tz, ctx.import_now)
    finally:
        conn.close()
    limit = LIMIT_S["sqlite" if ctx.target.is_sqlite else "postgresql"]
    section.add("recompute all customers", jinli_s, "s", baseline=bare_elapsed(),
                target=f"≤ {limit:.0f} s", passed=at_most(jinli_s, limit),
                note=f"{sum(counts.values()):,} customers")
    section.add("SQL statements (set-based)", count[0], "", target=f"≤ {SET_BASED_MAX_STATEMENTS}, any size",
                passed=count[0] <= SET_BASED_MAX_STATEMENTS)
    ctx.shared["tiers"] = counts
    if anchor is not None:
        _anchor(section, ctx, anchor, counts)
    same = {t: bare_counts.get(t, 0) for t in counts} == counts
    section.note("tiers " + " ".join(f"{t}={n:,}" for t, n in counts.items())
                 + ("; the bare SQL agrees" if same else f"; BARE SQL DISAGREES: {bare_counts}"))


def _anchor_tables(section: Section, ctx: Context):
    why_not = anchor_run.available()
    if why_not:
        section.note(f"anchor: not available ({why_not})")
        return None
    from bench.anchor import analytics

    return analytics.load_from(ctx.target, analytics.TIER_TABLES)


def _anchor(section: Section, ctx: Context, con, counts: dict[str, int]) -> None:
    """The same scoring in DuckDB (bench/anchor/analytics.py): quoted when its tiers agree with jinli's."""
    from bench.anchor import analytics

    seconds, anchor_counts = analytics.recompute_tiers(con, ctx.settings.tiers, ctx.day, ctx.settings.tz, ctx.import_now)
    con.close()
    same = {t: anchor_counts.get(t, 0) for t in counts} == counts
    section.note(f"anchor (DuckDB): the same scoring in {seconds:.2f} s; "
                 + ("its tiers agree" if same else f"ITS TIERS DISAGREE: {anchor_counts}"))
    if same:
        section.figures[0].anchor = seconds


def _pin_vips(ctx: Context) -> None:
    for connect in (ctx.target.connect_jinli_raw, ctx.target.connect_baseline):
        conn = connect()
        try:
            with transaction(conn):
                conn.execute(PIN_VIPS)
        finally:
            conn.close()
