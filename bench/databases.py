"""The databases a run uses: jinli's (through its own engine) and the baseline's (plain DB-API).

Each target has two fresh databases with the same schema (jinli's migrations): jinli writes to one
through its code, the bare baseline to the other through sqlite3 or psycopg, so neither finds the
other's rows. SQLite files live in bench/data/ (git-ignored); PostgreSQL gets jinli_bench and
jinli_bench_baseline on the server it is given.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from records.db import ensure_schema, make_engine

PG_DATABASES = ("jinli_bench", "jinli_bench_baseline")


@dataclass
class Target:
    """One database system: where jinli's database and the baseline's are, and how to reach them."""

    name: str  # sqlite | postgresql
    jinli_url: str
    baseline_url: str
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.name == "sqlite"

    @property
    def placeholder(self) -> str:
        return "?" if self.is_sqlite else "%s"

    def engine(self) -> Engine:
        """jinli's engine for its database (one per run, as the CLI would build)."""
        if self._engine is None:
            self._engine = make_engine(self.jinli_url)
        return self._engine

    def create(self) -> None:
        """Empty databases with jinli's schema, for jinli and for the baseline."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        for url in (self.jinli_url, self.baseline_url):
            _drop(url)
            engine = make_engine(url)
            ensure_schema(engine)
            engine.dispose()

    def connect_baseline(self):
        """A plain DB-API connection to the baseline's database; the caller commits."""
        return connect_raw(self.baseline_url)

    def connect_jinli_raw(self):
        """A plain DB-API connection to jinli's database (setting up data, reading it back)."""
        return connect_raw(self.jinli_url)


def sqlite_target(folder: Path) -> Target:
    folder.mkdir(parents=True, exist_ok=True)
    return Target("sqlite", f"sqlite:///{folder / 'jinli.sqlite3'}", f"sqlite:///{folder / 'baseline.sqlite3'}")


def postgres_target(server_url: str) -> Target:
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    jinli, baseline = (url.set(database=name).render_as_string(hide_password=False) for name in PG_DATABASES)
    return Target("postgresql", jinli, baseline)


def connect_raw(url: str):
    """sqlite3 with jinli's pragmas (WAL, synchronous=NORMAL, foreign keys) or psycopg, in a transaction."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn
    import psycopg

    return psycopg.connect(_libpq(url))


@contextmanager
def transaction(conn) -> Iterator[Any]:
    """One transaction on a raw connection (sqlite3 in autocommit mode needs an explicit BEGIN)."""
    if isinstance(conn, sqlite3.Connection):
        conn.execute("BEGIN")
    try:
        yield conn
        conn.commit() if not isinstance(conn, sqlite3.Connection) else conn.execute("COMMIT")
    except BaseException:
        conn.rollback()
        raise


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _drop(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    import psycopg

    admin = _libpq(parsed.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def server_version(target: Target) -> str:
    conn = target.connect_baseline()
    try:
        if target.is_sqlite:
            return "SQLite " + conn.execute("select sqlite_version()").fetchone()[0]
        version = conn.execute("show server_version").fetchone()[0].split()[0]
        return f"{version}, shared_buffers {conn.execute('show shared_buffers').fetchone()[0]}"
    finally:
        conn.close()


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[int]]:
    """Count the SQL statements jinli sends (an executemany counts once): ``with ... as count: count[0]``."""
    count = [0]

    def before(*_args):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", before)


def analyze(target: Target) -> None:
    """Refresh the planner's statistics on both databases after a bulk load, as a DBA would."""
    for url in (target.jinli_url, target.baseline_url):
        conn = connect_raw(url)
        try:
            if isinstance(conn, sqlite3.Connection):
                conn.execute("ANALYZE")
            else:
                conn.autocommit = True
                conn.execute("ANALYZE")
        finally:
            conn.close()


def sql_value(value, sqlite: bool):
    """A value as jinli stores it: SQLite keeps dates as ISO text, booleans as 0/1, instants as naive UTC."""
    if not sqlite:
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def executemany(conn, sql: str, rows: list[tuple]) -> None:
    """executemany with ``?`` placeholders on either driver."""
    if not rows:
        return
    if isinstance(conn, sqlite3.Connection):
        conn.executemany(sql, rows)
    else:
        conn.cursor().executemany(sql.replace("?", "%s"), rows)
