"""The funnel report over a year of salons (one invitation per customer: a million at full size).

``reports.funnel.funnel`` as `jinli report funnel` calls it (total; by week; by event; one tier),
against the same counts as four hand-written GROUP BY queries on the bare cursor. Target ≤ 1 s on
SQLite and PostgreSQL (issue 17). Each figure is the median of three runs (both sides; jinli's variants in turn). The data is written first (bench/invitations.py, not measured).
"""

from __future__ import annotations

import statistics

from bench import invitations
from bench.anchor import run as anchor_run
from bench.bare.funnel import funnel_totals
from bench.context import Context
from bench.databases import analyze
from bench.harness import Section, at_most, median_of, stopwatch
from reports.filters import ReportFilter
from reports.funnel import funnel

LIMIT_S = 1.0
RUNS = 3  # each figure is the median of three runs, the baseline's too
VARIANTS = (("funnel, total", None, ReportFilter()), ("funnel --by week", "week", ReportFilter()),
            ("funnel --by event", "event", ReportFilter()), ("funnel --tier A", None, ReportFilter(tier="A")))


def run(section: Section, ctx: Context) -> None:
    counts = _build(ctx)
    section.note("data: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    bare_s, totals = _bare(ctx)
    tz = ctx.settings.tz
    with ctx.target.engine().connect() as conn:
        # Round robin (all variants, three times): a passing disturbance spreads over the variants
        # instead of deciding one of them.
        timings: dict[str, list[float]] = {name: [] for name, _by, _filt in VARIANTS}
        reports = {}
        for _ in range(RUNS):
            for name, by, filt in VARIANTS:
                with stopwatch() as elapsed:
                    reports[name] = funnel(conn, filt, by, tz)
                timings[name].append(elapsed())
        for name, by, filt in VARIANTS:
            seconds, report = statistics.median(timings[name]), reports[name]
            section.add(name, seconds, "s", baseline=bare_s if not filt.tier else None,
                        target=f"≤ {LIMIT_S:.0f} s", passed=at_most(seconds, LIMIT_S),
                        note=f"{report.total.invited:,} invited, {len(report.rows)} rows")
            if by is None and not filt.tier:
                _agree(section, report.total, totals)
    _anchor(section, ctx, totals)


def _anchor(section: Section, ctx: Context, totals: dict) -> None:
    """The bare queries in DuckDB over the same rows (bench/anchor/analytics.py); quoted when they agree."""
    why_not = anchor_run.available()
    if why_not:
        section.note(f"anchor: not available ({why_not})")
        return
    from bench.anchor import analytics

    con = analytics.load_from(ctx.target, analytics.FUNNEL_TABLES)
    try:
        seconds, anchor_totals = analytics.funnel_totals(con, RUNS)
    finally:
        con.close()
    same = anchor_totals == totals
    section.note(f"anchor (DuckDB): the funnel counts in {seconds:.3f} s (median of {RUNS}); "
                 + ("they agree" if same else f"THEY DISAGREE: {anchor_totals}"))
    if same:
        section.figures[0].anchor = seconds


def _build(ctx: Context) -> dict[str, int]:
    """The year's invitations, texts, check-ins and referrals, written at once; on PostgreSQL then
    ANALYZEd, as a shop's tables (written over a year) have statistics: a million rows written in a
    minute have none until autovacuum comes round, and the plans then guess (50 rows for 949,639
    texts). jinli never ANALYZEs SQLite, and neither does the bench."""
    conn = ctx.target.connect_jinli_raw()
    try:
        counts = invitations.build(conn, ctx.customers, ctx.day, ctx.settings.tz)
    finally:
        conn.close()
    if not ctx.target.is_sqlite:
        analyze(ctx.target)
    return counts


def _bare(ctx: Context) -> tuple[float, dict]:
    conn = ctx.target.connect_jinli_raw()
    try:
        return median_of(RUNS, lambda: funnel_totals(conn))
    finally:
        conn.close()


def _agree(section: Section, total, totals: dict) -> None:
    mine = {k: getattr(total, k) for k in totals}
    section.note("the bare queries agree with the report" if mine == totals
                 else f"BARE QUERIES DISAGREE: report {mine}, bare {totals}")
