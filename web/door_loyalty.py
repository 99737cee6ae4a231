"""Points and referral rewards at the door: what a checked-in guest has (balance, rewards within reach, referral
rewards owed to them), redeeming a reward and handing over an owed gift — each recorded as ``staff:NAME``.

Only a guest checked in today at an event this door sees can be served, so a door person cannot spend or mark
the rewards of anybody else by posting another id.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from domain.phone import mask
from errors import InvalidValue, NotFound
from records import loyalty, models, points, rewards
from records.loyalty_config import LoyaltySettings
from web.door import Door, DoorProblem

checkins_t = models.CheckIn.__table__
customers_t = models.Customer.__table__


def shown(conn: Connection, settings: LoyaltySettings, customer_id: int, on) -> dict:
    """What the door shows of a guest's loyalty: name, balance, the rewards it reaches, the gifts owed (phones masked)."""
    found = loyalty.guest(conn, settings, customer_id, on)
    name = conn.execute(select(customers_t.c.name).where(customers_t.c.id == customer_id)).scalar_one()
    owed = [{"id": r["id"], "gift": r["gift"], "owed_on": r["owed_on"].isoformat(),
             "referee": f"{r['referee_name']} ({mask(r['referee_phone'])})"} for r in found.owed]
    return {"customer_id": customer_id, "name": name, "balance": found.balance,
            "rewards": [{"name": r.name, "points": r.points} for r in found.rewards], "owed": owed}


def served_here(door: Door, customer_id: int) -> None:
    """DoorProblem unless the guest checked in today at one of the events this door sees."""
    c = checkins_t.c
    ids = [e["id"] for e in door.events]
    found = door.conn.execute(select(c.id).where(c.customer_id == customer_id, c.event_id.in_(ids)).limit(1)).first()
    if found is None:
        raise DoorProblem("reward_not_here", 403)


def redeem(door: Door, settings: LoyaltySettings, customer_id: int, reward: str) -> points.Redemption:
    """Spend a ladder reward's points for a guest at the door."""
    served_here(door, customer_id)
    try:
        return points.redeem(door.conn, customer_id, reward, settings, door.now.astimezone(door.tz).date(), door.now,
                             door.staff.actor)
    except points.ShortBalance:
        raise DoorProblem("points_short", 409, reward=reward) from None
    except InvalidValue:
        raise DoorProblem("reward_unknown", 400, reward=reward) from None


def give(door: Door, customer_id: int, reward_id: int):
    """Hand over a referral reward owed to this guest: marked given by ``staff:NAME`` (records.rewards audits it)."""
    served_here(door, customer_id)
    try:
        reward = rewards.get(door.conn, reward_id)
    except NotFound:
        raise DoorProblem("reward_not_here", 403) from None
    if reward["referrer_id"] != customer_id:
        raise DoorProblem("reward_not_here", 403)
    try:
        return rewards.give(door.conn, reward_id, door.staff.actor, door.now)
    except InvalidValue:
        raise DoorProblem("reward_not_owed", 409, gift=reward["gift"]) from None
