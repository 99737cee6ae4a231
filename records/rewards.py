"""Referral rewards: a gift owed to the referrer for each converted referral, then given or cancelled.

Single-level: a reward goes to the referrer of the referral that converted, never further up a chain.
States: owed → given (staff hand it over: ``give``) or owed → cancelled (recomputation finds a 出金
withdrawal by the referee within ``reward_cancel_days`` of the first deposit: the first deposit's day
D to D + N − 1). A given reward stays given.

What the door page calls: ``owed(conn, referrer_id)`` and ``give(conn, reward_id, given_by, now)``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, RowMapping, and_, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from errors import InvalidValue, NotFound
from records import audit, models
from records.loyalty_config import LoyaltySettings
from records.sqldates import plus_days

rewards_t = models.ReferralReward.__table__
referrals_t = models.Referral.__table__
movements_t = models.Movement.__table__
customers_t = models.Customer.__table__
STATES = ("owed", "given", "cancelled")


def recompute(conn: Connection, settings: LoyaltySettings, as_of: date, now: datetime) -> dict[str, int]:
    """Owe a reward for every referral converted by ``as_of``, cancel owed ones withdrawn in the window; counts."""
    created = _owe(conn, settings.referral_reward, as_of, now) if settings.referral_reward else 0
    cancelled = _cancel(conn, settings.reward_cancel_days, as_of) if settings.reward_cancel_days else 0
    return {"owed": created, "cancelled": cancelled}


def _owe(conn: Connection, gift: str, as_of: date, now: datetime) -> int:
    r = referrals_t.c
    rows = select(r.id, r.referrer_id, r.referee_id, literal(gift), literal("owed"), r.converted_on,
                  literal(now, rewards_t.c.created_at.type)).where(r.converted_on.is_not(None), r.converted_on <= as_of)
    columns = ["referral_id", "referrer_id", "referee_id", "gift", "state", "owed_on", "created_at"]
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(rewards_t).from_select(columns, rows).on_conflict_do_nothing()
    return conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount  # INSERT: not kept by default


def _cancel(conn: Connection, days: int, as_of: date) -> int:
    """Owed rewards whose referee withdrew from the first deposit's day to N − 1 days after it (and by ``as_of``)."""
    w, rw = movements_t.c, rewards_t.c
    in_window = and_(w.customer_id == rw.referee_id, w.kind == "withdrawal", w.on >= rw.owed_on,
                     w.on <= plus_days(conn, rw.owed_on, days - 1), w.on <= as_of)
    first = select(func.min(w.on)).where(in_window).scalar_subquery()
    statement = (update(rewards_t).where(rw.state == "owed", exists().where(in_window))
                 .values(state="cancelled", cancelled_on=first, cancel_reason=f"出金 within {days} days of the first deposit"))
    return conn.execute(statement).rowcount


def owed(conn: Connection, referrer_id: int) -> list[dict]:
    """The rewards owed to a referrer, oldest first, each with the referee's name and phone (unmasked)."""
    rw, c = rewards_t.c, customers_t.c
    query = (select(rw.id, rw.gift, rw.owed_on, rw.referral_id, c.name.label("referee_name"), c.phone.label("referee_phone"))
             .join_from(rewards_t, customers_t, c.id == rw.referee_id)
             .where(rw.referrer_id == referrer_id, rw.state == "owed").order_by(rw.owed_on, rw.id))
    return [dict(row) for row in conn.execute(query).mappings()]


def get(conn: Connection, reward_id: int) -> RowMapping:
    row = conn.execute(select(rewards_t).where(rewards_t.c.id == reward_id)).mappings().first()
    if row is None:
        raise NotFound(f"reward {reward_id} not found")
    return row


def give(conn: Connection, reward_id: int, given_by: str, now: datetime, actor: str | None = None) -> RowMapping:
    """Mark an owed reward given by ``given_by`` ("os:alice", "staff:王芳"); refuses any other state.

    The audit trail names ``actor`` (who recorded it; default: ``given_by``).
    """
    reward = get(conn, reward_id)
    rw = rewards_t.c
    changed = conn.execute(update(rewards_t).where(rw.id == reward_id, rw.state == "owed")
                           .values(state="given", given_at=now, given_by=given_by[:80])).rowcount
    if not changed:
        raise InvalidValue(f"reward {reward_id} ({reward['gift']}) is {get(conn, reward_id)['state']}, not owed")
    audit.record(conn, actor=actor or given_by, action="rewards.give", subject="reward", subject_id=reward_id,
                 customer_id=reward["referrer_id"], now=now,
                 detail={"given_by": given_by, "gift": reward["gift"], "referral_id": reward["referral_id"], "referee_id": reward["referee_id"]})
    return get(conn, reward_id)
