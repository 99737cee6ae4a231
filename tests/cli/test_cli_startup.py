"""`jinli --help` imports no heavy module; the lazily listed commands say what the commands say."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "twilio", "matplotlib", "flask", "lunar_python", "phonenumbers", "jinja2",
         "alembic", "rich", "apscheduler")
PROBE = """
import json, sys
from cli import main
try:
    main([{args}])
except SystemExit:
    pass
print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}})), file=sys.stderr)
"""


def modules_loaded_by(*args: str) -> set[str]:
    """The top-level modules a fresh interpreter holds after running `jinli ARGS` in-process."""
    code = PROBE.format(args=", ".join(repr(a) for a in args))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--help",), ()], ids=["--help", "no-arguments"])
def test_help_imports_no_heavy_module(args):
    loaded = modules_loaded_by(*args)
    assert "click" in loaded  # the probe really ran the command line
    assert sorted(loaded & set(HEAVY)) == []


def test_a_command_still_loads_what_it_needs():
    assert {"sqlalchemy", "sqlmodel"} <= modules_loaded_by("tiers", "--help")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_listed_help_is_the_commands_own(name):
    target, listed = COMMANDS[name]
    module, attribute = target.split(":")
    command = getattr(importlib.import_module(module), attribute)
    assert command.name == name
    assert listed == command.get_short_help_str(limit=300)


def test_the_head_revision_constant_is_alembics_own():
    from records import db

    assert db.head_revision() == db.scripts_head_revision()
