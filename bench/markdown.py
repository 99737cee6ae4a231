"""The results as Markdown for the README: `python -m bench.markdown [--side-by-side] [bench/results.json]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.harness import format_number

DEFAULT = Path(__file__).resolve().parent / "results.json"


def markdown(results: dict) -> str:
    run, machine = results["run"], results["machine"]
    lines = [
        f"{run['customers']:,} customers, seed {run['seed']}, bench day {run['bench_day']}; commit {run['commit'] or '?'}, "
        f"{run['finished_at'][:10]}; {run['seconds'] / 60:.0f} min in all.",
        f"Machine: {machine['cpu']}, {machine['nproc']} CPUs, {machine['ram_gib']} GiB RAM, {machine['os']}, "
        f"Python {machine['python']}; " + ", ".join(f"{k} {v}" for k, v in machine.get("databases", {}).items() if v) + ".",
        "",
        "| database | section | figure | jinli | bare baseline | ratio | anchor | ÷ anchor | target | result |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for section in results["sections"]:
        if section["status"] != "ok":
            lines.append(f"| {section['database']} | {section['name']} | *{section['status']}* | | | | | | | "
                         f"{section['error'][:80]} |")
        for f in section["figures"]:
            ratio = "" if f["ratio"] is None else f"{f['ratio']:.2f}"
            lines.append(f"| {section['database']} | {section['name']} | {f['name']} | {format_number(f['value'], f['unit'])} "
                         f"| {format_number(f['baseline'], f['unit']) if f['baseline'] else ''} | {ratio} "
                         f"| {format_number(f['anchor'], f['unit']) if f.get('anchor') else ''} "
                         f"| {'' if f.get('anchor_ratio') is None else format(f['anchor_ratio'], '.2f')} | {f['target']} "
                         f"| {_verdict(f['passed'])} |")
    for f in results.get("overall", []):
        lines.append(f"| all | whole run | {f['name']} | {format_number(f['value'], f['unit'])} | | | | | {f['target']} "
                     f"| {_verdict(f['passed'])} |")
    return "\n".join(lines)


def side_by_side(results: dict, sections: tuple[str, ...] = ("csv_import", "tier_recompute", "funnel_report")) -> str:
    """The figures of ``sections`` with SQLite and PostgreSQL side by side: jinli, its baseline, the anchor."""
    found: dict[tuple[str, str], dict[str, dict]] = {}
    for section in results["sections"]:
        if section["name"] in sections:
            for f in section["figures"]:
                found.setdefault((section["name"], f["name"]), {})[section["database"]] = f
    lines = ["| section | figure | SQLite: jinli | bare | anchor | result | PostgreSQL: jinli | bare | anchor | result |",
             "|---|---|---:|---:|---:|---|---:|---:|---:|---|"]
    for (name, figure), by_db in found.items():
        cells = []
        for database in ("sqlite", "postgresql"):
            f = by_db.get(database)
            if f is None:
                cells += ["", "", "", ""]
                continue
            cells += [format_number(f["value"], f["unit"]), format_number(f["baseline"], f["unit"]) if f["baseline"] else "",
                      format_number(f["anchor"], f["unit"]) if f.get("anchor") else "",
                      f"{_verdict(f['passed'])} ({f['target']})" if f["target"] else ""]
        lines.append(f"| {name} | {figure} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _verdict(passed) -> str:
    return {True: "pass", False: "**FAIL**", None: ""}[passed]


def main() -> None:
    """`python -m bench.markdown [--side-by-side] [FILE]`."""
    args = [a for a in sys.argv[1:] if a != "--side-by-side"]
    results = json.loads((Path(args[0]) if args else DEFAULT).read_text(encoding="utf-8"))
    print(side_by_side(results) if "--side-by-side" in sys.argv else markdown(results))


if __name__ == "__main__":
    main()
