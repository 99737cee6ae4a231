"""Sign-in throttling: after ``limit`` wrong sign-ins within ``minutes`` for an account or from an address,
further attempts are refused until the oldest of them is that old.

Failures live in the database (one row each), not in memory: several `jinli serve` processes behind
one proxy count together, and a restart does not reset the count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from records import models

failures_t = models.SigninFailure.__table__


def keys(name: str, address: str | None) -> tuple[str, str]:
    """The two counters a sign-in touches: the account's and the address's."""
    return f"account:{(name or '').strip()[:100]}", f"ip:{address or '?'}"


def throttled(conn: Connection, counters: tuple[str, ...], now: datetime, limit: int, minutes: int) -> bool:
    """Whether any counter reached ``limit`` failures in the last ``minutes``."""
    since = now - timedelta(minutes=minutes)
    f = failures_t.c
    for key in counters:
        if conn.execute(select(func.count()).where(f.key == key, f.at > since)).scalar_one() >= limit:
            return True
    return False


def record_failure(conn: Connection, counters: tuple[str, ...], now: datetime, minutes: int) -> None:
    """Count one wrong sign-in on each counter, and forget failures older than the window."""
    conn.execute(delete(failures_t).where(failures_t.c.at <= now - timedelta(minutes=minutes)))
    conn.execute(insert(failures_t), [{"key": key, "at": now} for key in counters])


def clear(conn: Connection, key: str) -> None:
    """A successful sign-in forgets the account's failures (not the address's)."""
    conn.execute(delete(failures_t).where(failures_t.c.key == key))
