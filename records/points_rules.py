"""Earning points from the records: one INSERT … SELECT … ON CONFLICT DO NOTHING per rule.

The rules (each off when its points are 0; DOMAIN.md §3):
- product: +N per holding (a product bought), earned on its start day;
- renewal ("no overdue"): +N once per holding that has a 续金 renewal movement and no 出金 withdrawal
  movement dated on or before its first renewal, earned on that renewal's day;
- referral: +N to the referrer per converted referral (the referee's first deposit), earned that day;
- checkin: +N per check-in, earned on its local day.
The ledger's unique key (customer, reason, source kind, source id, lot) makes each award happen once:
recomputing, or importing the same file again, adds nothing. An award is never taken back by a later
record (staff correct with `jinli points adjust`). Expiry (``expire_after_days``) is fixed when a row
is written.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, exists, func, literal, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from records import models
from records.events import day_bounds
from records.loyalty_config import LoyaltySettings
from records.sqldates import local_date, plus_days

ledger_t = models.PointsEntry.__table__
holdings_t = models.Holding.__table__
movements_t = models.Movement.__table__
referrals_t = models.Referral.__table__
checkins_t = models.CheckIn.__table__
RULES = ("product", "renewal", "referral", "checkin")
_COLUMNS = ("customer_id", "points", "reason", "source_kind", "source_id", "lot_id", "earned_on", "expires_on",
            "note", "created_at")


def earn(conn: Connection, settings: LoyaltySettings, as_of: date, tz: ZoneInfo, now: datetime) -> dict[str, int]:
    """Award every rule's points for the records up to ``as_of``; returns the rows added per rule."""
    added = {}
    for rule in RULES:
        points = getattr(settings, f"{rule}_points")
        if points > 0:
            source = _SOURCES[rule](conn, as_of, tz)
            added[rule] = _award(conn, rule, points, source, settings.expire_after_days, now)
        else:
            added[rule] = 0
    return added


def _award(conn: Connection, rule: str, points: int, source: Select, expire_after_days: int, now: datetime) -> int:
    """INSERT the rows ``source`` selects (customer_id, kind, source_id, earned_on); existing awards are skipped."""
    s = source.subquery("src")
    expires = plus_days(conn, s.c.earned_on, expire_after_days) if expire_after_days else null()
    rows = select(
        s.c.customer_id, literal(points), literal(rule), s.c.kind, s.c.source_id, literal(0), s.c.earned_on,
        expires, literal(""), literal(now, ledger_t.c.created_at.type),
    ).where(literal(True))  # SQLite's upsert parser needs a WHERE after INSERT … SELECT
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(ledger_t).from_select(list(_COLUMNS), rows).on_conflict_do_nothing()
    return conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def _products(conn: Connection, as_of: date, tz: ZoneInfo) -> Select:
    h = holdings_t.c
    return select(h.customer_id, literal("holding").label("kind"), h.id.label("source_id"),
                  h.start_on.label("earned_on")).where(h.start_on <= as_of)


def _renewals(conn: Connection, as_of: date, tz: ZoneInfo) -> Select:
    m, w = movements_t.c, movements_t.alias("w").c
    first = (select(m.holding_id, m.customer_id, func.min(m.on).label("renewed_on"))
             .where(m.kind == "renewal", m.on <= as_of).group_by(m.holding_id, m.customer_id).subquery("first"))
    withdrawn = exists().where(w.holding_id == first.c.holding_id, w.kind == "withdrawal", w.on <= first.c.renewed_on)
    return select(first.c.customer_id, literal("holding").label("kind"), first.c.holding_id.label("source_id"),
                  first.c.renewed_on.label("earned_on")).where(~withdrawn)


def _referrals(conn: Connection, as_of: date, tz: ZoneInfo) -> Select:
    r = referrals_t.c
    return select(r.referrer_id.label("customer_id"), literal("referral").label("kind"), r.id.label("source_id"),
                  r.converted_on.label("earned_on")).where(r.converted_on.is_not(None), r.converted_on <= as_of)


def _checkins(conn: Connection, as_of: date, tz: ZoneInfo) -> Select:
    c = checkins_t.c
    _, until = day_bounds(as_of, tz)
    on = local_date(conn, c.checked_in_at, tz, as_of)
    return select(c.customer_id, literal("checkin").label("kind"), c.id.label("source_id"),
                  on.label("earned_on")).where(c.checked_in_at < until)


_SOURCES = {"product": _products, "renewal": _renewals, "referral": _referrals, "checkin": _checkins}
