"""Shared fixtures: a temporary site (config.toml + SQLite file), a manual clock, the CLI runner."""

from __future__ import annotations

import os
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import App, ManualClock
from settings import load_settings


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    """Tests never see the developer's jinli or Twilio settings."""
    for name in list(os.environ):
        if name.startswith(("JINLI_", "TWILIO_")):
            monkeypatch.delenv(name)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A config.toml in a temporary folder whose database is a SQLite file beside it."""
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent("""
        [database]
        url = "sqlite:///jinli.sqlite3"
        [site]
        campaigns_dir = "campaigns"
        templates_dir = "templates"
        [sms]
        gateway = "file"
        file_path = "sent.jsonl"
    """), encoding="utf-8")
    return config


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 6, 2, 1, 0, tzinfo=timezone.utc))  # 09:00 in Shanghai, a Monday


@pytest.fixture
def app(site: Path, clock: ManualClock) -> App:
    return App(load_settings(site), clock=clock)


@pytest.fixture
def cli(site: Path):
    """Run `jinli --config <site> ...` through click's runner; returns the Result."""
    from cli import main

    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, ["--config", str(site), *args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def make_csv(tmp_path: Path):
    """Write a CSV as Excel does (optionally with a BOM) from dedented text; returns its path."""

    def write(name: str, text: str, bom: bool = False, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        body = textwrap.dedent(text).lstrip("\n")
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode(encoding))
        return path

    return write
