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
from tests.services import unavailable, why_missing

# Read before the autouse fixture below hides JINLI_* variables from the code under test.
PG_URL = os.environ.get("JINLI_TEST_PG_URL")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    """Tests never see the developer's jinli or Twilio settings."""
    for name in list(os.environ):
        if name.startswith(("JINLI_", "TWILIO_", "ALIBABA_CLOUD_", "TENCENTCLOUD_")):
            monkeypatch.delenv(name)


def reset_postgres(url: str) -> None:
    """An empty public schema in the test database (each test starts from nothing)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_url_for(backend: str) -> str:
    """The database a test site uses: a SQLite file beside config.toml, or the CI's PostgreSQL."""
    if backend == "sqlite":
        return "sqlite:///jinli.sqlite3"
    if not PG_URL:
        unavailable(why_missing("postgres", "no PostgreSQL: JINLI_TEST_PG_URL is not set (make test starts a server and "
                                            "sets it; plain pytest does not)"))
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture
def site(tmp_path: Path, backend: str) -> Path:
    """A config.toml in a temporary folder; its database is a SQLite file beside it, or PostgreSQL."""
    config = tmp_path / "config.toml"
    url = database_url_for(backend)
    config.write_text(textwrap.dedent(f"""
        [database]
        url = "{url}"
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
