"""Loyalty as one use case: recompute points and referral rewards from the records; a guest's loyalty at the door.

``recompute`` is what `jinli points recompute` and the end of `jinli import` run (and, later, the
daemon): set-based and idempotent, so running it again changes nothing.
``guest`` is the door page's one call on check-in: balance, rewards within reach, rewards owed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from records import points, points_rules, referrals, rewards
from records.loyalty_config import LoyaltySettings, RewardStep, reachable


@dataclass(frozen=True)
class LoyaltyRun:
    as_of: date
    earned: dict[str, int]  # ledger rows added per rule
    rewards: dict[str, int]  # rewards newly owed, newly cancelled

    def summary(self) -> str:
        rules = ", ".join(f"{rule} {n}" for rule, n in self.earned.items())
        return (f"points as of {self.as_of.isoformat()}: new awards {sum(self.earned.values())} ({rules}); "
                f"referral rewards: {self.rewards['owed']} newly owed, {self.rewards['cancelled']} cancelled")

    def as_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "earned": self.earned, "rewards": self.rewards}


def recompute(conn: Connection, settings: LoyaltySettings, as_of: date, tz: ZoneInfo, now: datetime) -> LoyaltyRun:
    """Bring conversions, points and referral rewards up to date with the records up to ``as_of``."""
    referrals.update_conversions(conn)
    earned = points_rules.earn(conn, settings, as_of, tz, now)
    return LoyaltyRun(as_of, earned, rewards.recompute(conn, settings, as_of, now))


@dataclass(frozen=True)
class Guest:
    """What the door page shows on check-in."""

    customer_id: int
    balance: int
    rewards: list[RewardStep]  # within reach of the balance, cheapest first
    owed: list[dict]  # referral rewards owed to this guest: id, gift, owed_on, referee_name, referee_phone


def guest(conn: Connection, settings: LoyaltySettings, customer_id: int, on: date) -> Guest:
    """A guest's balance on ``on``, the rewards it can pay for, and the referral rewards owed to them."""
    total = points.balance(conn, customer_id, on)
    return Guest(customer_id, total, reachable(settings.rewards, total), rewards.owed(conn, customer_id))
