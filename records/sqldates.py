"""Date arithmetic inside SQL statements, written once for SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Date, cast, func, literal_column


def plus_days(conn: Connection, day, days: int):
    """The SQL date ``day`` + ``days`` (SQLite's date() yields the same ISO text SQLAlchemy stores)."""
    if conn.dialect.name == "postgresql":
        return day + literal_column(str(int(days)))  # date + integer is a date in PostgreSQL
    return func.date(day, f"{int(days):+d} days")


def local_date(conn: Connection, instant, tz: ZoneInfo, on: date):
    """The local calendar date of a stored UTC instant in ``tz``.

    SQLite knows no time zones: it shifts by the zone's offset on ``on`` (exact for Asia/Shanghai,
    which has no daylight saving time; off by an hour around a DST change elsewhere).
    """
    if conn.dialect.name == "postgresql":
        return cast(func.timezone(str(tz), instant), Date)
    offset = datetime.combine(on, time(12), tz).utcoffset()
    return func.date(instant, f"{int(offset.total_seconds() // 60):+d} minutes")
