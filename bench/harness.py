"""The benchmark's vocabulary: a figure measured against its baseline, a section of figures, the table.

Ratio = jinli's speed ÷ the baseline's speed, so 1.0 means "as fast as the bare code" and 0.5 means
"half as fast", whether the figure is a rate (rows/s: jinli ÷ baseline) or a duration (seconds:
baseline ÷ jinli). A figure without a target is information, not a verdict.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import platform
import statistics
import time
import traceback
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterator

from bench.memory import RssSampler, max_rss_mib


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str  # "rows/s", "msg/s", "s", "MiB", ...
    baseline: float | None = None
    target: str = ""  # the target in words, e.g. "≥ 50% of baseline", "≤ 1 s"
    passed: bool | None = None  # None: no target, information only
    note: str = ""
    anchor: float | None = None  # the independent anchor's figure for the same work (bench/anchor/), same unit

    @property
    def anchor_ratio(self) -> float | None:
        """jinli speed ÷ the anchor's speed (for durations: anchor seconds ÷ jinli seconds)."""
        if not self.value or not self.anchor:
            return None
        return self.anchor / self.value if self.unit == "s" else self.value / self.anchor

    @property
    def ratio(self) -> float | None:
        """jinli speed ÷ baseline speed (for durations: baseline seconds ÷ jinli seconds)."""
        if not self.value or not self.baseline:
            return None
        return self.baseline / self.value if self.unit == "s" else self.value / self.baseline

    def as_json(self) -> dict:
        return {**asdict(self), "value": _significant(self.value), "baseline": _significant(self.baseline),
                "ratio": _round(self.ratio), "anchor": _significant(self.anchor), "anchor_ratio": _round(self.anchor_ratio)}


@dataclass
class Section:
    """One hot path on one database: its figures, notes and how long and how much memory it took."""

    name: str
    database: str
    status: str = "ok"  # ok | not available | error
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_rss_mib: float = 0.0
    error: str = ""
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute load at the start and the end: was the machine busy?

    def add(self, *args, **kwargs) -> Figure:
        figure = Figure(*args, **kwargs)
        self.figures.append(figure)
        return figure

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def passed(self) -> bool | None:
        verdicts = [f.passed for f in self.figures if f.passed is not None]
        if self.status == "error":
            return False
        return all(verdicts) if verdicts else None

    def as_json(self) -> dict:
        return {
            "name": self.name, "database": self.database, "status": self.status, "passed": self.passed,
            "seconds": round(self.seconds, 3), "peak_rss_mib": round(self.peak_rss_mib, 1), "error": self.error,
            "load_average": [round(x, 2) for x in self.load_average],
            "figures": [f.as_json() for f in self.figures], "notes": self.notes,
        }


def at_least(value: float | None, threshold: float) -> bool | None:
    return None if value is None else value >= threshold


def at_most(value: float | None, threshold: float) -> bool | None:
    return None if value is None else value <= threshold


def missing_module(*names: str) -> str | None:
    """The first of ``names`` (dotted, optionally ``module:attribute``) that cannot be imported."""
    for name in names:
        module, _, attribute = name.partition(":")
        try:
            if importlib.util.find_spec(module) is None:
                return module
            if attribute and not hasattr(importlib.import_module(module), attribute):
                return name
        except ImportError:
            return module
    return None


def run_section(name: str, database: str, sampler: RssSampler, body: Callable[[Section], None],
                requires: tuple[str, ...] = ()) -> Section:
    """Run ``body`` into a new Section; a missing module is 'not available', an exception 'error'."""
    section = Section(name, database)
    missing = missing_module(*requires)
    if missing:
        section.status = "not available"
        section.note(f"not available: {missing} is missing")
        print(f"[{database}] {name}: not available ({missing} is missing)", flush=True)
        return section
    print(f"[{database}] {name} ...", flush=True)
    sampler.reset()
    load_before = _load()
    started = time.perf_counter()
    try:
        body(section)
    except Exception as exc:  # noqa: BLE001 - one broken section must not hide the others' figures
        section.status, section.error = "error", f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    section.seconds = time.perf_counter() - started
    section.peak_rss_mib = sampler.peak()
    section.load_average = (load_before, _load())
    print(f"[{database}] {name}: {section.status} in {section.seconds:.1f} s, peak RSS {section.peak_rss_mib:.0f} MiB, "
          f"load {section.load_average[0]:.1f}→{section.load_average[1]:.1f}", flush=True)
    return section


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """``with stopwatch() as elapsed:`` ... ``elapsed()`` seconds, frozen when the block ends.

    A full garbage collection first, so neither side of a comparison pays for the other's garbage.
    """
    gc.collect()
    started = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - started
    end.append(time.perf_counter())


def median_of(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """(median seconds over ``runs`` calls of ``fn``, the last result): for reads quick enough to
    repeat, so one scheduling hiccup on a 2-CPU machine does not decide a target."""
    times, result = [], None
    for _ in range(runs):
        with stopwatch() as elapsed:
            result = fn()
        times.append(elapsed())
    return statistics.median(times), result


def machine() -> dict:
    """What the figures ran on: CPU model and count, memory, OS, Python, SQLite."""
    import sqlite3

    return {
        "cpu": _cpu_model(), "nproc": os.cpu_count(), "ram_gib": round(_mem_total_kib() / 1024 / 1024, 1),
        "os": platform.platform(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_kib() -> int:
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            return int(info.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def peak_memory_figure(limit_mib: float = 1024) -> Figure:
    peak = max_rss_mib()
    return Figure("peak RSS of the whole run", round(peak, 1), "MiB", target=f"≤ {limit_mib:.0f} MiB",
                  passed=peak <= limit_mib, note="getrusage(RUSAGE_SELF).ru_maxrss; the canned Twilio runs apart")


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def _significant(value: float | None, digits: int = 4) -> float | None:
    """Four significant figures: what a benchmark can vouch for."""
    return None if value is None else float(f"{value:.{digits}g}")


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


# ---- the table -------------------------------------------------------------------------------------

def format_number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if abs(value) >= 1000:
        return f"{value:,.0f} {unit}".strip()
    return f"{value:.3g} {unit}".strip() if isinstance(value, float) else f"{value} {unit}".strip()


def table(sections: list[Section], overall: list[Figure]) -> str:
    """The results as a fixed-width table, notes underneath, one block per database."""
    lines = []
    for database in dict.fromkeys(s.database for s in sections):
        lines.append(f"\n== {database} ==")
        rows = [("section", "figure", "jinli", "baseline", "ratio", "anchor", "÷anchor", "target", "result")]
        for section in (s for s in sections if s.database == database):
            if section.status != "ok":
                rows.append((section.name, section.status, "", "", "", "", "", "", section.error[:60]))
            for f in section.figures:
                rows.append((section.name, f.name, format_number(f.value, f.unit), format_number(f.baseline, f.unit),
                             "—" if f.ratio is None else f"{f.ratio:.2f}", format_number(f.anchor, f.unit),
                             "—" if f.anchor_ratio is None else f"{f.anchor_ratio:.2f}", f.target, _verdict(f.passed)))
        lines += _align(rows)
    if overall:
        lines.append("\n== whole run ==")
        lines += _align([("figure", "value", "target", "result")] +
                        [(f.name, format_number(f.value, f.unit), f.target, _verdict(f.passed)) for f in overall])
    notes = [(s, n) for s in sections for n in s.notes]
    if notes:
        lines.append("\nnotes:")
        lines += [f"  [{s.database}/{s.name}] {n}" for s, n in notes]
    return "\n".join(lines)


def _verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: ""}[passed]


def _align(rows: list[tuple]) -> list[str]:
    widths = [max(_width(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    out = []
    for k, row in enumerate(rows):
        out.append("  ".join(str(cell) + " " * (w - _width(str(cell))) for cell, w in zip(row, widths)).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def _width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if ord(ch) >= 0x1100 and (0x1100 <= ord(ch) <= 0x115F or 0x2E80 <= ord(ch) <= 0xFFDC) else 1
               for ch in text)
