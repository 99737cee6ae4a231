"""The results as Markdown for the README: `python -m bench.markdown [bench/results.json]`."""

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


def _verdict(passed) -> str:
    return {True: "pass", False: "**FAIL**", None: ""}[passed]


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    print(markdown(json.loads(path.read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
