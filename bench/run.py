"""`make bench`: jinli's hot paths at a million customers, each against a bare baseline in the same run.

    python -m bench.run [--customers N] [--quick] [--postgres URL | --no-postgres] [--out FILE]

Builds the synthetic shop (bench/synthetic.py; deterministic seed), then per database: CSV import,
tier recompute, planning the bench day, dispatch through the twilio client to a canned endpoint,
the funnel report. Prints a table (figure, baseline, ratio, target, result) and writes JSON:
bench/results.json for a full run, bench/results/quick.json for --quick. A section whose module
is missing prints "not available" and the others still run. Exit status 0 whatever the figures:
benchmarks are measurements, not timed tests (CI runs --quick only to prove the harness works).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.context import BENCH_DAY, ROOT, Context, bench_settings
from bench.databases import Target, postgres_target, server_version, sqlite_target
from bench.harness import Section, machine, missing_module, peak_memory_figure, run_section, table
from bench.markdown import side_by_side
from bench.memory import RssSampler
from bench.synthetic import generate

BENCH = Path(__file__).resolve().parent
FULL, QUICK = 1_000_000, 5_000
SEED = 2026
MONTHLY_RETURN_SHARE = 0.3  # the 300,000-recipient 月月返 notice at a million customers
# (name, module in bench.sections, modules it needs besides jinli's core)
SECTIONS = (
    ("csv_import", "csv_import", ()),
    ("tier_recompute", "tiers", ()),
    ("points_recompute", "points", ("records.loyalty:recompute",)),
    ("triggers", "triggers", ("campaigns.triggers:scan_and_plan",)),
    ("planning", "planning", ()),
    ("dispatch", "dispatch", ("messaging.dispatch:send_due_messages", "messaging.gateways.twilio")),
    ("funnel_report", "funnel", ("reports.funnel:funnel", "reports.filters")),
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, help=f"synthetic customers (default {FULL:,}; --quick {QUICK:,})")
    parser.add_argument("--quick", action="store_true", help="a small run that proves the harness works")
    parser.add_argument("--postgres", metavar="URL",
                        help="also run against this PostgreSQL server (default: $JINLI_BENCH_PG_URL or $JINLI_TEST_PG_URL); "
                             "databases jinli_bench and jinli_bench_baseline are dropped and re-created")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only, even when a server is configured")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only (with --postgres or its variables)")
    parser.add_argument("--out", type=Path, help="results JSON (default bench/results.json; --quick bench/results/quick.json)")
    parser.add_argument("--data", type=Path, default=BENCH / "data", help="where CSV files and databases go (git-ignored)")
    parser.add_argument("--sections", help="comma-separated subset, e.g. csv_import,tier_recompute (import always runs)")
    args = parser.parse_args(argv)
    args.customers = args.customers or (QUICK if args.quick else FULL)
    args.out = args.out or (BENCH / "results" / "quick.json" if args.quick else BENCH / "results.json")
    if args.no_sqlite and args.no_postgres:
        parser.error("--no-sqlite and --no-postgres leave nothing to measure")
    if not args.no_postgres:
        args.postgres = args.postgres or os.environ.get("JINLI_BENCH_PG_URL") or os.environ.get("JINLI_TEST_PG_URL")
    else:
        args.postgres = None
    return args


def synthetic_files(data: Path, customers: int) -> tuple[dict[str, Path], float]:
    """The shop's three CSV files for this size and seed, generated once and reused (seconds spent)."""
    folder = data / f"csv-{customers}-seed{SEED}-{BENCH_DAY.isoformat()}"
    done = folder / ".complete"
    paths = {name: folder / f"{name}.csv" for name in ("customers", "holdings", "movements")}
    if done.exists():
        return paths, 0.0
    started = time.perf_counter()
    generate(folder, customers, BENCH_DAY, SEED, monthly_return_share=MONTHLY_RETURN_SHARE)
    done.touch()
    return paths, time.perf_counter() - started


def targets(args: argparse.Namespace) -> list[Target]:
    found = [] if args.no_sqlite else [sqlite_target(args.data / f"sqlite-{args.customers}")]
    if args.postgres:
        found.append(postgres_target(args.postgres))
    return found


def load_sections() -> dict[str, object]:
    """Import every section whose modules exist, up front: the run measures one snapshot of the code."""
    import importlib

    return {name: importlib.import_module(f"bench.sections.{module}")
            for name, module, requires in SECTIONS if missing_module(*requires) is None}


def run_target(target: Target, args, csv: dict[str, Path], sampler: RssSampler,
               modules: dict[str, object]) -> tuple[list[Section], str]:
    try:
        target.create()
        version = server_version(target)
    except Exception as exc:  # noqa: BLE001 - an unreachable server is reported, the other targets still run
        section = Section("setup", target.name, status="error", error=f"{type(exc).__name__}: {exc}")
        print(f"[{target.name}] setup failed: {section.error}", flush=True)
        return [section], ""
    work = args.data / f"work-{target.name}-{args.customers}"
    work.mkdir(parents=True, exist_ok=True)
    ctx = Context(target, bench_settings(), csv, work, args.customers, args.quick, sampler)
    chosen = set(args.sections.split(",")) | {"csv_import"} if args.sections else None
    sections = []
    for name, _module, requires in SECTIONS:
        if chosen is not None and name not in chosen:
            continue

        def body(section: Section, name=name) -> None:
            modules[name].run(section, ctx)

        sections.append(run_section(name, target.name, sampler, body, requires))
    return sections, version


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    print(f"jinli bench: {args.customers:,} customers{' (quick)' if args.quick else ''}", flush=True)
    modules = load_sections()
    csv, generated_s = synthetic_files(args.data, args.customers)
    sections, versions = [], {}
    with RssSampler() as sampler:
        for target in targets(args):
            found, version = run_target(target, args, csv, sampler, modules)
            sections += found
            versions[target.name] = version
            _write(args, sections, versions, generated_s, started)  # a later target's crash keeps these figures
    overall = _write(args, sections, versions, generated_s, started)
    print(table(sections, overall), flush=True)
    print("\nimport, tiers and funnel: jinli, its bare baseline and the independent anchor, side by side\n", flush=True)
    print(side_by_side(json.loads(args.out.read_text(encoding="utf-8"))), flush=True)
    print(f"\nresults: {args.out}", flush=True)
    return 0


def _write(args, sections: list[Section], versions: dict, generated_s: float, started: float):
    overall = [peak_memory_figure()]
    results = _results(args, sections, overall, versions, generated_s, time.perf_counter() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return overall


def _results(args, sections: list[Section], overall, versions: dict, generated_s: float, total_s: float) -> dict:
    return {
        "run": {
            "customers": args.customers, "quick": args.quick, "seed": SEED, "bench_day": BENCH_DAY.isoformat(),
            "monthly_return_share": MONTHLY_RETURN_SHARE, "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(total_s, 1), "csv_generation_seconds": round(generated_s, 1), "commit": _commit(),
            "command": "python -m bench.run " + " ".join(_shown_args(sys.argv[1:])),
        },
        "machine": {**machine(), "databases": versions},
        "sections": [s.as_json() for s in sections],
        "overall": [f.as_json() for f in overall],
    }


def _shown_args(argv: list[str]) -> list[str]:
    """The command line with any database URL's password hidden."""
    from records.db import _redact

    return [_redact(a) if "://" in a else a for a in argv]


def _commit() -> str:
    """HEAD, with "+changes" when files outside bench/ differ from it (the figures measure the working tree)."""
    try:
        git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, timeout=5).stdout  # noqa: E731
        changed = [line for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
                   if not line[3:].startswith("bench/")]
        return git("rev-parse", "--short", "HEAD").strip() + ("+changes" if changed else "")
    except (OSError, subprocess.SubprocessError):
        return ""


if __name__ == "__main__":
    sys.exit(main())
