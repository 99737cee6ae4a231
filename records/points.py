"""The points ledger: balances, statements, manual adjustments and redemptions (spending the oldest points first).

What the door page and the CLI call (every function runs inside the caller's transaction):
- ``balance(conn, customer_id, on)`` → int, the points that count on ``on``;
- ``statement(conn, customer_id, on)`` → ``Statement`` (balance, each row, the rewards within reach);
- ``adjust(conn, customer_id, delta, reason, settings, on, now, actor)`` → the ledger rows written;
- ``redeem(conn, customer_id, reward, settings, on, now, actor)`` → ``Redemption``; ``ShortBalance``
  (one line) when the balance does not cover the reward.
A spending is split over the earnings it draws from, those expiring first first (then the oldest),
one row per lot; see ``records.models.PointsEntry``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, RowMapping, and_, case, func, insert, or_, select, update

from errors import InvalidValue
from domain.phone import mask
from records import audit, models
from records.loyalty_config import LoyaltySettings, RewardStep, find_reward, reachable

ledger_t = models.PointsEntry.__table__
customers_t = models.Customer.__table__


class ShortBalance(InvalidValue):
    """A spending the balance does not cover; the message says who has how many points."""


def counts_on(on: date):
    """The condition on ledger rows that count on ``on``: already earned, not yet expired."""
    p = ledger_t.c
    return and_(p.earned_on <= on, or_(p.expires_on.is_(None), p.expires_on > on))


def balance(conn: Connection, customer_id: int, on: date) -> int:
    """The customer's points on ``on``: unexpired earnings less what was spent from them."""
    p = ledger_t.c
    total = conn.execute(select(func.coalesce(func.sum(p.points), 0)).where(p.customer_id == customer_id, counts_on(on)))
    return int(total.scalar_one())


@dataclass(frozen=True)
class Statement:
    customer_id: int
    on: date
    balance: int
    entries: list[dict]  # oldest first: earned_on, points, reason, source, expires_on, note
    rewards: list[RewardStep]  # within reach of the balance, cheapest first


def statement(conn: Connection, settings: LoyaltySettings, customer_id: int, on: date) -> Statement:
    """A customer's balance on ``on``, every ledger row up to that day, and the rewards within reach."""
    p = ledger_t.c
    rows = conn.execute(select(p.id, p.earned_on, p.points, p.reason, p.source_kind, p.source_id, p.lot_id,
                               p.expires_on, p.note).where(p.customer_id == customer_id, p.earned_on <= on)
                        .order_by(p.earned_on, p.id)).mappings()
    entries = [dict(row) for row in rows]
    total = balance(conn, customer_id, on)
    return Statement(customer_id, on, total, entries, reachable(settings.rewards, total))


def lots(conn: Connection, customer_id: int, on: date) -> list[RowMapping]:
    """The customer's earnings with points left on ``on``, in spending order (expiring first, then oldest)."""
    p, spent = ledger_t.c, ledger_t.alias("spent").c
    used = (select(spent.lot_id, func.sum(spent.points).label("used")).where(spent.customer_id == customer_id, spent.lot_id != 0)
            .group_by(spent.lot_id).subquery("used"))
    left = (p.points + func.coalesce(used.c.used, 0)).label("left")
    never = case((p.expires_on.is_(None), 1), else_=0)
    query = (select(p.id, p.expires_on, left).select_from(ledger_t.outerjoin(used, used.c.lot_id == p.id))
             .where(p.customer_id == customer_id, p.lot_id == 0, p.points > 0, counts_on(on))
             .order_by(never, p.expires_on, p.earned_on, p.id))
    return [row for row in conn.execute(query).mappings() if row["left"] > 0]


def _lock_customer(conn: Connection, customer_id: int) -> RowMapping:
    """The customer's row, locked until commit on PostgreSQL, so two spendings never draw on one lot."""
    query = select(customers_t).where(customers_t.c.id == customer_id)
    return conn.execute(query.with_for_update() if conn.dialect.name == "postgresql" else query).mappings().one()


def _spend(conn: Connection, person: RowMapping, points: int, reason: str, kind: str, on: date, now: datetime,
           note: str, what: str) -> list[dict]:
    """Write a spending of ``points`` over the oldest lots; ShortBalance when they do not cover it."""
    available = lots(conn, person["id"], on)
    have = sum(lot["left"] for lot in available)
    if have < points:
        raise ShortBalance(f"{person['name']} ({mask(person['phone'])}) has {have} points, {what} needs {points}")
    rows, due = [], points
    for lot in available:
        take = min(due, lot["left"])
        rows.append({"points": -take, "lot_id": lot["id"], "expires_on": lot["expires_on"]})
        due -= take
        if not due:
            break
    return _write(conn, person["id"], rows, reason, kind, on, now, note)


def _write(conn: Connection, customer_id: int, rows: list[dict], reason: str, kind: str, on: date, now: datetime,
           note: str) -> list[dict]:
    """Insert one operation's rows; their source id is the first row's id (one id per adjustment or redemption)."""
    common = {"customer_id": customer_id, "reason": reason, "source_kind": kind, "earned_on": on, "note": note,
              "created_at": now, "source_id": 0}
    ids = [conn.execute(insert(ledger_t).values(**common, **row)).inserted_primary_key[0] for row in rows]
    conn.execute(update(ledger_t).where(ledger_t.c.id.in_(ids)).values(source_id=ids[0]))
    return [{**common, **row, "id": row_id, "source_id": ids[0]} for row, row_id in zip(rows, ids)]


def adjust(conn: Connection, customer_id: int, delta: int, reason: str, settings: LoyaltySettings, on: date,
           now: datetime, actor: str) -> list[dict]:
    """A manual correction: +N is an earning (it expires like any), −N a spending; recorded in the audit trail."""
    if delta == 0 or not reason.strip():
        raise InvalidValue("points adjust: expected a non-zero number of points and a --reason")
    person = _lock_customer(conn, customer_id)
    if delta > 0:
        expires = on + timedelta(days=settings.expire_after_days) if settings.expire_after_days else None
        rows = _write(conn, customer_id, [{"points": delta, "lot_id": 0, "expires_on": expires}], "adjust",
                      "adjustment", on, now, reason)
    else:
        rows = _spend(conn, person, -delta, "adjust", "adjustment", on, now, reason, "the correction")
    audit.record(conn, actor=actor, action="points.adjust", subject="customer", subject_id=customer_id,
                 customer_id=customer_id, reason=reason, now=now, detail={"points": delta, "source_id": rows[0]["source_id"]})
    return rows


@dataclass(frozen=True)
class Redemption:
    customer_id: int
    reward: RewardStep
    source_id: int  # the redemption's id in the ledger (source_kind 'redemption')
    balance: int  # left after it


def redeem(conn: Connection, customer_id: int, reward: str, settings: LoyaltySettings, on: date, now: datetime,
           actor: str) -> Redemption:
    """Spend a ladder reward's points (oldest first); ShortBalance when short; recorded in the audit trail."""
    step = find_reward(settings.rewards, reward)
    person = _lock_customer(conn, customer_id)
    rows = _spend(conn, person, step.points, "redeem", "redemption", on, now, step.name, step.name)
    audit.record(conn, actor=actor, action="points.redeem", subject="customer", subject_id=customer_id,
                 customer_id=customer_id, reason=step.name, now=now,
                 detail={"reward": step.name, "points": step.points, "source_id": rows[0]["source_id"]})
    return Redemption(customer_id, step, rows[0]["source_id"], balance(conn, customer_id, on))
