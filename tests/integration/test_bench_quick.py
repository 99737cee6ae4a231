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


def test_the_harness_reports_every_section_with_numbers(tmp_path):
    out = tmp_path / "results.json"
    command = [sys.executable, "-m", "bench.run", "--quick", "--customers", "500", "--no-postgres",
               "--out", str(out), "--data", str(tmp_path / "data")]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "section" in run.stdout and "baseline" in run.stdout and "ratio" in run.stdout  # the printed table

    results = json.loads(out.read_text(encoding="utf-8"))
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
