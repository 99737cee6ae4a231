"""The customers and tier_history tables as plain SQLAlchemy Core, for reads that must start fast.

Building the SQLModel classes (records.models) costs about half a second at start-up; `jinli customers
show` and the customer lookup need only these two tables. tests/unit/test_core_tables.py keeps every
column here equal to the model's (name, type, nullability, key).
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Connection, Date, ForeignKey, Integer, MetaData, String, Table,
                        select)

from records.types import UTCDateTime

metadata = MetaData()

customers = Table(
    "customers", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False),
    Column("phone", String(20), nullable=False, unique=True),
    Column("phone_status", String(10), nullable=False),
    Column("store", String(100), nullable=False),
    Column("gender", String(1)),
    Column("joined_on", Date),
    Column("birth_calendar", String(5)),
    Column("birth_year", Integer),
    Column("birth_month", Integer),
    Column("birth_day", Integer),
    Column("birth_leap", Boolean, nullable=False),
    Column("born_on", Date),
    Column("birthday_key", Integer),
    Column("animal_sf", Integer),
    Column("animal_lc", Integer),
    Column("star_sign", Integer),
    Column("referrer_id", Integer, ForeignKey("customers.id")),
    Column("referral_code", String(16), nullable=False, unique=True),
    Column("opted_out", Boolean, nullable=False),
    Column("opted_out_at", UTCDateTime()),
    Column("tier", String(1), nullable=False),
    Column("tier_score", Integer, nullable=False),
    Column("tier_as_of", Date),
    Column("pinned_tier", String(1)),
    Column("pinned_reason", String),
    Column("pinned_at", UTCDateTime()),
    Column("created_at", UTCDateTime()),
    Column("updated_at", UTCDateTime()),
)

_BREAKDOWN = ("longest_term_days", "renewals", "topups", "referrals", "events", "withdrawals", "deposit_points",
              "term_points", "renewals_points", "topups_points", "referrals_points", "events_points",
              "withdrawals_points", "points", "points_points")

tier_history = Table(
    "tier_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, nullable=False),  # no foreign key since migration 0014
    Column("as_of", Date, nullable=False),
    Column("tier", String(1), nullable=False),
    Column("score", Integer, nullable=False),
    Column("reason", String(20), nullable=False),
    Column("note", String, nullable=False),
    Column("deposit_fen", BigInteger, nullable=False),
    *(Column(name, Integer, nullable=False) for name in _BREAKDOWN),
    Column("recorded_at", UTCDateTime()),
)


def tier_history_of(conn: Connection, customer_id: int) -> list[dict]:
    """A customer's tier history, oldest first."""
    h = tier_history.c
    rows = conn.execute(select(tier_history).where(h.customer_id == customer_id).order_by(h.as_of, h.id)).mappings()
    return [dict(row) for row in rows]
