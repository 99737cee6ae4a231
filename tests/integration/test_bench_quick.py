"""`make bench` in miniature: the harness runs end to end and reports every section with numbers.

Benchmarks are not timed tests: nothing here compares a figure with its target, only that each
section ran and measured something (jinli's figure, and the baseline's where it has one).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = {"csv_import", "tier_recompute", "points_recompute", "planning", "dispatch", "funnel_report", "triggers"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One `python -m bench.run --quick` of 500 customers: (its printed output, its results JSON)."""
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "results.json"
    command = [sys.executable, "-m", "bench.run", "--quick", "--customers", "500", "--no-postgres",
               "--out", str(out), "--data", str(folder / "data")]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run.stdout, json.loads(out.read_text(encoding="utf-8"))


def test_the_harness_reports_every_section_with_numbers(quick_run):
    stdout, results = quick_run
    assert "section" in stdout and "baseline" in stdout and "ratio" in stdout  # the printed table
    sections = {s["name"]: s for s in results["sections"]}
    assert set(sections) == SECTIONS
    for name, section in sections.items():
        assert (name, section["status"], section["error"]) == (name, "ok", "")
        assert section["figures"], name
        for figure in section["figures"]:
            assert isinstance(figure["value"], (int, float)) and figure["value"] >= 0, (name, figure)
            if figure["baseline"] is not None:
                assert figure["baseline"] > 0 and figure["ratio"] > 0, (name, figure)
            assert figure["passed"] in (True, False, None), (name, figure)
    with_baseline = {s["name"] for s in results["sections"] if any(f["baseline"] for f in s["figures"])}
    assert with_baseline == SECTIONS  # every hot path is measured against its bare baseline
    assert results["overall"][0]["unit"] == "MiB" and results["overall"][0]["value"] > 0
    assert results["run"]["customers"] == 500 and results["machine"]["nproc"] >= 1


def test_the_independent_anchor_is_quoted_beside_jinli_once_its_rows_equal_jinlis(quick_run):
    pytest.importorskip("duckdb", reason="the anchor is the bench extra: pip install -e '.[bench]'")
    stdout, results = quick_run
    assert "anchor" in stdout and "÷anchor" in stdout
    sections = {s["name"]: s for s in results["sections"]}
    customers = next(f for f in sections["csv_import"]["figures"] if f["name"] == "customers import")
    assert customers["anchor"] > 0 and customers["anchor_ratio"] > 0
    assert any("the anchor's rows equal jinli's, column by column: 500 customers" in n for n in sections["csv_import"]["notes"])
    for name in ("tier_recompute", "funnel_report"):  # DuckDB over the same rows, agreeing with jinli
        assert sections[name]["figures"][0]["anchor"] > 0, name
        assert any("anchor (DuckDB)" in n and ("agree" in n) and "DISAGREE" not in n for n in sections[name]["notes"]), name
