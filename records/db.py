"""The database seam: engines for SQLite or PostgreSQL, sessions, and schema migrations (Alembic)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from errors import DatabaseError

if TYPE_CHECKING:  # sqlmodel builds on pydantic: imported by the commands that open a session
    from sqlmodel import Session

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration's revision. Every command checks the schema against it, and reading it from
# the migration scripts would import Alembic and every script on each start-up; a test keeps it equal
# to Alembic's own answer.
HEAD_REVISION = "0014"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout, and its folder is created."""
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise DatabaseError(f"database URL {_redact(url)}: {exc}") from None


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# SQLite's page cache for bulk work (imports), in KiB: the default 2 MiB makes every insert into a
# big table's indexes re-read pages through the OS; 128 MiB holds the customers indexes of a million rows.
BULK_CACHE_KIB = 131_072


@contextmanager
def bulk_cache(conn) -> Iterator[None]:
    """A larger SQLite page cache on this connection for a bulk write, back to the default after it."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection  # a pragma, not a statement of the caller's transaction
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def indexes_built_after(conn, table: str, names: tuple[str, ...]) -> Iterator[None]:
    """On SQLite, a bulk write into an EMPTY ``table`` without its plain indexes ``names`` (ones the write
    itself never reads), each built once at the end of the block in the same transaction: a sort instead
    of a million scattered index inserts. A table holding rows keeps them all; a block that raises
    leaves them to the rollback."""
    dropped: list[str] = []
    raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" and names else None
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")  # sqlite3 would begin only at the first INSERT: the DROP must be undoable
    if raw is not None and raw.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is None:
        marks = ", ".join("?" * len(names))
        found = raw.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                            f"AND name IN ({marks}) AND sql NOT LIKE 'CREATE UNIQUE%'", (table, *names)).fetchall()
        for name, statement in found:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
            dropped.append(statement)
    yield
    for statement in dropped:
        conn.exec_driver_sql(statement)


ANALYZE_AFTER_ROWS = 10_000  # rows written by one import before its tables' statistics are refreshed


def refresh_statistics(conn, tables: list[str], written: int) -> None:
    """After a bulk write of ``written`` rows, PostgreSQL's ANALYZE of the ``tables`` it wrote, in the same
    transaction: the next job (the daemon's recompute right after a nightly import) plans with today's
    row counts instead of waiting for autovacuum (a plan on missing statistics took the funnel from
    0.52 to 0.70 s at 1 M invitations). SQLite keeps no statistics unless asked, and jinli never asks."""
    if conn.dialect.name != "postgresql" or written < ANALYZE_AFTER_ROWS:
        return
    for table in tables:
        conn.exec_driver_sql(f'ANALYZE "{table}"')


def no_jit(conn) -> None:
    """On PostgreSQL, no JIT compilation for the rest of the caller's transaction.

    An import's set-based statements are estimated above ``jit_above_cost`` (the referral conversions'
    UPDATE at 200,000 customers: 1.1 M) and compiling them took 0.3 s per statement that ran in 0.15 s.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")


def _redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The revision this jinli's schema is at (the newest migration)."""
    return HEAD_REVISION


def scripts_head_revision() -> str:
    """The newest revision as Alembic reads it from the migration scripts (slow: imports them all)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The database's revision from Alembic's version table; None for a database Alembic never touched."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Bring the schema to ``revision``; returns (before, after). Never drops data."""
    from alembic import command

    before = _checked(lambda: current_revision(engine), engine)
    _checked(lambda: command.upgrade(alembic_config(engine), revision), engine)
    return before, current_revision(engine)


# Migration 0013 sets the customers table's fillfactor, which PostgreSQL applies only to pages written
# from then on: an existing table keeps its full pages (and its tier updates stay non-HOT) until rewritten.
FILLFACTOR_REVISION = "0013"
FILLFACTOR_HINT = "fillfactor_hint"  # a key of the CLI's catalogue (cli_words_records.py)


def upgrade_hints(engine: Engine, before: str | None, after: str | None) -> list[str]:
    """What an upgrade from ``before`` to ``after`` leaves to the operator (PostgreSQL's table rewrite), as catalogue keys."""
    crossed = before is not None and before < FILLFACTOR_REVISION <= (after or "")
    return [FILLFACTOR_HINT] if crossed and engine.dialect.name == "postgresql" else []


def ensure_schema(engine: Engine) -> None:
    """Create the schema on a brand-new database; refuse to run on an outdated one."""
    current = _checked(lambda: current_revision(engine), engine)
    head = head_revision()
    if current == head:
        return
    if current is None and not _has_tables(engine):
        upgrade(engine)
        return
    raise DatabaseError(
        f"database {_redact(str(engine.url))} is at schema {current or 'unknown'}, this jinli needs {head}: "
        "run `jinli db upgrade`"
    )


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())


def _checked(fn, engine: Engine):
    try:
        return fn()
    except SQLAlchemyError as exc:
        reason = str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0]
        raise DatabaseError(f"database {_redact(str(engine.url))}: {reason}") from None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any error."""
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
