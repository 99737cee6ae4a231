"""`jinli customers show` reads through SQLAlchemy Core alone: it never builds the SQLModel classes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import add_customer

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from cli import main
try:
    main({args!r})
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.fixture
def backend() -> str:
    return "sqlite"


def run_probe(*args: str) -> tuple[str, set[str]]:
    """What `jinli ARGS` printed and every module a fresh interpreter held after it."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    return done.stdout, set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_customers_show_prints_the_customer_without_importing_the_models(app, site):
    with app.engine.begin() as conn:
        add_customer(conn, "+8613812348000", "王芳")
    shown, loaded = run_probe("--config", str(site), "customers", "show", "13812348000")
    assert "王芳" in shown and "+8613812348000" in shown
    assert sorted(loaded & {"records.models", "sqlmodel", "pydantic", "rich", "sqlalchemy.orm"}) == []
