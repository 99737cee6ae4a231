"""Tier moves (``tier_changes``): who moved up or down a tier, from what to what, on which day.

Written set-based by the recompute (one INSERT … SELECT comparing the new scores with the customers'
current tiers, before they are updated) and by a pin; read by `jinli report tiers --changes` and by
the tier_up / tier_down triggers. A customer scored for the first time has no move.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, Date, Table, case, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from records import models

moves_t = models.TierMove.__table__
customers_t = models.Customer.__table__
RANK = {"A": 0, "B": 1, "C": 2, "P": 3}  # lower is better
COLUMNS = ["customer_id", "old_tier", "new_tier", "direction", "changed_on", "reason", "recorded_at"]


def direction(old: str, new: str) -> str:
    """"up" when ``new`` is a better tier than ``old``, else "down"."""
    return "up" if RANK.get(new, 9) < RANK.get(old, 9) else "down"


def _rank(column):
    return case(*[(column == tier, rank) for tier, rank in RANK.items()], else_=9)


def _insert(conn: Connection):
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return dialect_insert(moves_t)


def record_moves(conn: Connection, scratch: Table, as_of: date, now: datetime) -> int:
    """Record every customer whose scored tier (``scratch``) differs from the current one (its ``old_tier``,
    read with the scores); returns how many."""
    s = scratch.c
    way = case((_rank(s.tier) < _rank(s.old_tier), "up"), else_="down")
    moved = (select(s.customer_id, s.old_tier, s.tier, way, literal(as_of, Date), literal("recompute"),
                    literal(now, moves_t.c.recorded_at.type))
             .where(s.old_tier != s.tier, s.old_as_of.is_not(None))
             .order_by(s.customer_id))  # ids in customer order: the report lists a day's moves by id
    statement = _insert(conn).from_select(COLUMNS, moved).on_conflict_do_nothing()
    return conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def record_move(conn: Connection, customer_id: int, old: str, new: str, on: date, reason: str, now: datetime) -> None:
    """One customer's move (a pin or an unpin); nothing when the tier stays."""
    if old == new:
        return
    values = dict(zip(COLUMNS, (customer_id, old, new, direction(old, new), on, reason, now)))
    conn.execute(_insert(conn).values(**values).on_conflict_do_nothing())


def changes(conn: Connection, since: date | None = None, until: date | None = None) -> list[dict]:
    """Tier moves from ``since`` (inclusive), downs first, then the newest first: customer, store, old, new, when."""
    m, c = moves_t.c, customers_t.c
    query = (select(m.id, m.customer_id, c.name, c.phone, c.store, m.old_tier, m.new_tier, m.direction, m.changed_on,
                    m.reason, m.recorded_at)
             .join_from(moves_t, customers_t, c.id == m.customer_id)
             .order_by(case((m.direction == "down", 0), else_=1), m.changed_on.desc(), c.store, m.id))
    if since is not None:
        query = query.where(m.changed_on >= since)
    if until is not None:
        query = query.where(m.changed_on <= until)
    return [dict(row) for row in conn.execute(query).mappings()]
