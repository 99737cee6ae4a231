"""Running the anchor from a bench section: its own process, a fresh database of jinli's schema."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from bench.context import ROOT
from bench.harness import missing_module


def available() -> str | None:
    """None when the anchor can run; else why not (the bench extra is not installed)."""
    missing = missing_module("duckdb", "numpy")
    return f"{missing} is missing (pip install -e '.[bench]')" if missing else None


def fresh_database(path: Path) -> Path:
    """An empty SQLite database built by jinli's migrations."""
    from records.db import ensure_schema, make_engine

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    engine.dispose()
    return path


def import_customers(csv_path: Path, database: Path, today: date, now: datetime) -> dict:
    """The anchor's customers import in a child process; its JSON report (rows/s, stages, peak RSS)."""
    done = subprocess.run([sys.executable, "-m", "bench.anchor.customers", str(csv_path), str(database),
                           "--today", today.isoformat(), "--now", now.isoformat()],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])
