"""CSV import: `import_file` for customers, holdings and movements against the bare executemany loop.

Target: each file at ≥ 50% of the baseline's rows/s, memory flat (RSS at 10% of a file vs at its end).
"""

from __future__ import annotations

from pathlib import Path

from bench.bare import importing as bare
from bench.context import Context
from bench.databases import counting_statements, transaction
from bench.harness import Section, at_least, at_most, stopwatch
from bench.memory import rss_mib
from records.importing import ImportOptions, import_file

KINDS = ("customers", "holdings", "movements")
MIN_RATIO = 0.5
FLAT_MIB = 64  # "flat": a file ten times longer may not cost more than this much more memory
COUNTS = {t: f"SELECT COUNT(*) FROM {t}" for t in ("customers", "holdings", "movements", "referrals")}
COUNTS["converted referrals"] = "SELECT COUNT(converted_on) FROM referrals"


class _MemoryTrace:
    """The progress callback: RSS when a tenth of the file is read, and the highest RSS after that."""

    def __init__(self) -> None:
        self.at_tenth: float | None = None
        self.peak_after = 0.0

    def __call__(self, position: int, size: int) -> None:
        rss = rss_mib()
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
        rows, jinli_s, trace, statements = _jinli(ctx, kind)
        result, bare_s = _bare(ctx, kind)
        growths[kind] = trace.growth
        jinli_total, bare_total, rows_total = jinli_total + jinli_s, bare_total + bare_s, rows_total + rows
        figure = section.add(f"{kind} import", rows / jinli_s, "rows/s", baseline=result.rows / bare_s,
                             target=f"≥ {MIN_RATIO:.0%} of baseline")
        figure.passed = at_least(figure.ratio, MIN_RATIO)
        figure.note = (f"{rows:,} rows: jinli {jinli_s:.1f} s, {1000 * statements / max(rows, 1):.0f} SQL statements "
                       f"per 1,000 rows; baseline {bare_s:.1f} s ({result.parse_seconds:.1f} s in the cell parsers), "
                       f"{1000 * result.statements / max(result.rows, 1):.1f} statements per 1,000 rows")
        section.note(f"{kind}: {figure.note}")
    section.add("all three files", rows_total / jinli_total, "rows/s", baseline=rows_total / bare_total,
                note=f"{rows_total:,} rows")
    worst = max(growths, key=growths.get)
    section.add("RSS growth from 10% to 100% of a file", round(growths[worst], 1), "MiB", target=f"≤ {FLAT_MIB} MiB",
                passed=at_most(growths[worst], FLAT_MIB),
                note=", ".join(f"{k} {v:.1f} MiB" for k, v in growths.items()))
    section.note("RSS growth while importing: " + ", ".join(f"{k} +{v:.1f} MiB" for k, v in growths.items()))
    _compare_counts(section, ctx)


def _jinli(ctx: Context, kind: str):
    engine = ctx.target.engine()
    options = ImportOptions(rejects_path=ctx.work / f"{kind}.rejects.csv", today=ctx.day, now=ctx.import_now)
    trace = _MemoryTrace()
    with counting_statements(engine) as count, stopwatch() as elapsed:
        summary = import_file(engine, kind, Path(ctx.csv[kind]), options, trace)
    rows = summary.imported + summary.updated + summary.unchanged + summary.rejected
    ctx.shared[f"imported_{kind}"] = summary.imported
    return rows, elapsed(), trace, count[0]


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
