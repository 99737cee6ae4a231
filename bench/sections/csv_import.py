"""CSV import: `import_file` for customers, holdings and movements against the bare executemany loop.

Target: each file at ≥ 50% of the baseline's rows/s, memory flat (RSS at 10% of a file vs at its end).
On SQLite the customers file is also imported by the independent anchor (bench/anchor/, DuckDB) into
a fresh database: once its rows equal jinli's, jinli's rows/s must be ≥ 50% of the anchor's and
jinli's peak RSS while importing ≤ 512 MiB.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from bench.anchor import run as anchor_run
from bench.anchor.compare import compare
from bench.bare import importing as bare
from bench.context import Context
from bench.cpu import cpu_spent
from bench.databases import counting_statements, transaction
from bench.harness import Figure, Section, at_least, at_most, stopwatch
from bench.memory import rss_mib
from records.importing import ImportOptions, import_file

KINDS = ("customers", "holdings", "movements")
MIN_RATIO = 0.5
_SQLITE_RUN: dict[str, float] = {}  # the SQLite run's import seconds and anchor rows/s, for the PostgreSQL run after it
MIN_ANCHOR = 0.5  # issue 17: jinli's customers import at ≥ 50% of the independent anchor's rows/s
CUSTOMERS_RSS_MIB = 512
FLAT_MIB = 64  # "flat": a file ten times longer may not cost more than this much more memory
COUNTS = {t: f"SELECT COUNT(*) FROM {t}" for t in ("customers", "holdings", "movements", "referrals")}
COUNTS["converted referrals"] = "SELECT COUNT(converted_on) FROM referrals"


class _MemoryTrace:
    """The progress callback: RSS when a tenth of the file is read, and the highest RSS after that."""

    def __init__(self) -> None:
        self.at_tenth: float | None = None
        self.peak_after = 0.0
        self.peak = 0.0

    def __call__(self, position: int, size: int) -> None:
        rss = rss_mib()
        self.peak = max(self.peak, rss)
        if self.at_tenth is None and position >= size / 10:
            self.at_tenth = rss
        elif self.at_tenth is not None:
            self.peak_after = max(self.peak_after, rss)

    @property
    def growth(self) -> float:
        return max(0.0, self.peak_after - self.at_tenth) if self.at_tenth is not None else 0.0


def run(section: Section, ctx: Context) -> None:
    growths, jinli_total, bare_total, rows_total = {}, 0.0, 0.0, 0
    for kind in KINDS:
        rows, jinli_s, trace, statements, cpu = _jinli(ctx, kind)
        result, bare_s = _bare(ctx, kind)
        growths[kind] = trace.growth
        jinli_total, bare_total, rows_total = jinli_total + jinli_s, bare_total + bare_s, rows_total + rows
        figure = section.add(f"{kind} import", rows / jinli_s, "rows/s", baseline=result.rows / bare_s,
                             target=f"≥ {MIN_RATIO:.0%} of baseline")
        figure.passed = at_least(figure.ratio, MIN_RATIO)
        figure.note = (f"{rows:,} rows: jinli {jinli_s:.1f} s ({cpu.describe()}), "
                       f"{1000 * statements / max(rows, 1):.0f} SQL statements "
                       f"per 1,000 rows; baseline {bare_s:.1f} s ({result.parse_seconds:.1f} s in the cell parsers), "
                       f"{1000 * result.statements / max(result.rows, 1):.1f} statements per 1,000 rows")
        section.note(f"{kind}: {figure.note}")
        if kind == "customers" and ctx.target.is_sqlite:
            _against_anchor(section, ctx, figure, trace)
        elif kind == "customers" and _SQLITE_RUN.get("anchor"):
            figure.anchor = _SQLITE_RUN["anchor"]  # DuckDB cannot write PostgreSQL here: the SQLite run's anchor
    section.add("all three files", rows_total / jinli_total, "rows/s", baseline=rows_total / bare_total,
                note=f"{rows_total:,} rows")
    _against_sqlite(section, ctx, jinli_total)
    worst = max(growths, key=growths.get)
    section.add("RSS growth from 10% to 100% of a file", round(growths[worst], 1), "MiB", target=f"≤ {FLAT_MIB} MiB",
                passed=at_most(growths[worst], FLAT_MIB),
                note=", ".join(f"{k} {v:.1f} MiB" for k, v in growths.items()))
    section.note("RSS growth while importing: " + ", ".join(f"{k} +{v:.1f} MiB" for k, v in growths.items()))
    _compare_counts(section, ctx)


def _against_sqlite(section: Section, ctx: Context, seconds: float) -> None:
    """On PostgreSQL, the nightly import (all three files) against the same import on SQLite in this run."""
    if ctx.target.is_sqlite:
        _SQLITE_RUN["seconds"] = seconds
        return
    if "seconds" in _SQLITE_RUN:
        versus = section.add("all three files, time vs SQLite", seconds, "s", baseline=_SQLITE_RUN["seconds"],
                             target="no slower than SQLite (ratio ≥ 1)",
                             note="baseline: the same files imported by jinli into SQLite earlier in this run")
        versus.passed = at_least(versus.ratio, 1.0)


def _against_anchor(section: Section, ctx: Context, figure: Figure, trace: _MemoryTrace) -> None:
    """The independent anchor imports the same file into a fresh database; its rows/s is quoted only
    when its rows equal jinli's, column by column."""
    why_not = anchor_run.available()
    if why_not:
        section.note(f"anchor: not available ({why_not})")
        return
    database = anchor_run.fresh_database(ctx.work / "anchor.sqlite3")
    report = anchor_run.import_customers(Path(ctx.csv["customers"]), database, ctx.day, ctx.import_now)
    comparison = compare(make_url(ctx.target.jinli_url).database, str(database))
    section.note(f"anchor: {comparison.summary()}")
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in report["seconds"].items())
    section.note(f"anchor: {report['rows']:,} rows in {report['total_seconds']:.1f} s ({stages}), "
                 f"{report['slow_rows']:,} through the Python fallback, peak RSS {report['peak_rss_mib']:.0f} MiB")
    if not comparison.same:
        return
    figure.anchor = _SQLITE_RUN["anchor"] = report["rows_per_second"]
    versus = section.add("customers import vs the independent anchor", figure.value, "rows/s",
                         anchor=figure.anchor, target=f"≥ {MIN_ANCHOR:.0%} of the anchor, same rows")
    versus.passed = at_least(versus.anchor_ratio, MIN_ANCHOR)
    rss = section.add("peak RSS, customers import", round(trace.peak, 1), "MiB", anchor=round(report["peak_rss_mib"], 1),
                      target=f"≤ {CUSTOMERS_RSS_MIB} MiB")
    rss.passed = at_most(trace.peak, CUSTOMERS_RSS_MIB)


def _jinli(ctx: Context, kind: str):
    engine = ctx.target.engine()
    options = ImportOptions(rejects_path=ctx.work / f"{kind}.rejects.csv", today=ctx.day, now=ctx.import_now)
    trace = _MemoryTrace()
    with counting_statements(engine) as count, cpu_spent(not ctx.target.is_sqlite) as cpu, stopwatch() as elapsed:
        summary = import_file(engine, kind, Path(ctx.csv[kind]), options, trace)
    rows = summary.imported + summary.updated + summary.unchanged + summary.rejected
    ctx.shared[f"imported_{kind}"] = summary.imported
    return rows, elapsed(), trace, count[0], cpu


def _bare(ctx: Context, kind: str):
    conn = ctx.target.connect_baseline()
    try:
        with stopwatch() as elapsed, transaction(conn):
            if kind == "customers":
                result = bare.import_customers(conn, ctx.csv[kind], ctx.day, ctx.import_now)
            elif kind == "holdings":
                result = bare.import_holdings(conn, ctx.csv[kind], ctx.import_now)
            else:
                result = bare.import_movements(conn, ctx.csv[kind], ctx.import_now)
        return result, elapsed()
    finally:
        conn.close()


def _compare_counts(section: Section, ctx: Context) -> None:
    """Both sides must have stored the same rows, or the comparison means nothing."""
    counts = {}
    for side, connect in (("jinli", ctx.target.connect_jinli_raw), ("baseline", ctx.target.connect_baseline)):
        conn = connect()
        try:
            counts[side] = {label: conn.execute(sql).fetchone()[0] for label, sql in COUNTS.items()}
        finally:
            conn.close()
    same = counts["jinli"] == counts["baseline"]
    ctx.shared["counts"] = counts["jinli"]
    section.note(("same rows on both sides: " if same else "ROW COUNTS DIFFER: jinli ")
                 + ", ".join(f"{t} {counts['jinli'][t]:,}" for t in COUNTS)
                 + ("" if same else " vs baseline " + ", ".join(f"{t} {counts['baseline'][t]:,}" for t in COUNTS)))
