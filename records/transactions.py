"""Write transactions that take the write lock up front, so read-then-write work never races."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Connection, Engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that commits on success; on SQLite it holds the one write lock from its start.

    SQLite in WAL mode lets a deferred transaction read, then fails its first write at once
    (SQLITE_BUSY_SNAPSHOT, no busy wait) if another writer committed meanwhile; BEGIN IMMEDIATE
    waits for the lock first instead. PostgreSQL gets an ordinary READ COMMITTED transaction;
    callers lock the rows they decide on (FOR UPDATE).
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # The sqlite3 driver sees an explicit BEGIN and adds no implicit one of its own.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise


@contextmanager
def rolled_back_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction that is always rolled back: to compute what writing would do (`jinli schedule`).

    It holds the same locks a write would while it lasts (SQLite: the one write lock; PostgreSQL: the
    rows it changes, which a dispatcher's SKIP LOCKED claim then leaves for its next round).
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        finally:
            conn.rollback()
