"""The points recompute baseline: the same earning rules and referral rewards as hand-written SQL, plain DB-API.

Same rules and settings as records.loyalty.recompute (conversions, product, renewal without a prior
withdrawal, referral, check-in when on; rewards owed, then cancelled by a withdrawal in the window).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bench.bare.tiers import _dialect, _sqlite_value
from records.loyalty_config import LoyaltySettings

CONVERT = """
UPDATE referrals SET converted_on = (SELECT MIN(h.start_on) FROM holdings h WHERE h.customer_id = referrals.referee_id)
WHERE EXISTS (SELECT 1 FROM holdings h WHERE h.customer_id = referrals.referee_id)
  AND (converted_on IS NULL OR converted_on <> (SELECT MIN(h.start_on) FROM holdings h WHERE h.customer_id = referrals.referee_id))
"""
LEDGER = "INSERT INTO points_ledger (customer_id, points, reason, source_kind, source_id, lot_id, earned_on, expires_on, note, created_at) "
SOURCES = {
    "product": "SELECT customer_id AS c, 'holding' AS k, id AS i, start_on AS d FROM holdings WHERE start_on <= :as_of",
    "renewal": """SELECT r.customer_id AS c, 'holding' AS k, r.holding_id AS i, r.renewed_on AS d FROM (
                    SELECT holding_id, customer_id, MIN("on") AS renewed_on FROM movements
                    WHERE kind = 'renewal' AND "on" <= :as_of GROUP BY holding_id, customer_id) r
                  WHERE NOT EXISTS (SELECT 1 FROM movements w WHERE w.holding_id = r.holding_id
                                    AND w.kind = 'withdrawal' AND w."on" <= r.renewed_on)""",
    "referral": "SELECT referrer_id AS c, 'referral' AS k, id AS i, converted_on AS d FROM referrals "
                "WHERE converted_on IS NOT NULL AND converted_on <= :as_of",
    "checkin": "SELECT customer_id AS c, 'checkin' AS k, id AS i, {local_day} AS d FROM checkins WHERE checked_in_at < :until",
}
AWARD = LEDGER + """SELECT s.c, :points, :rule, s.k, s.i, 0, s.d, {expires}, '', :now
FROM ({source}) AS s WHERE true ON CONFLICT DO NOTHING"""
OWE = """INSERT INTO referral_rewards (referral_id, referrer_id, referee_id, gift, state, owed_on, created_at)
SELECT id, referrer_id, referee_id, :gift, 'owed', converted_on, :now FROM referrals
WHERE converted_on IS NOT NULL AND converted_on <= :as_of ON CONFLICT DO NOTHING"""
CANCEL = """UPDATE referral_rewards SET state = 'cancelled', cancel_reason = 'withdrawn',
  cancelled_on = (SELECT MIN(w."on") FROM movements w WHERE {window})
WHERE state = 'owed' AND EXISTS (SELECT 1 FROM movements w WHERE {window})"""
WINDOW = """w.customer_id = referral_rewards.referee_id AND w.kind = 'withdrawal' AND w."on" >= referral_rewards.owed_on
  AND w."on" <= {last} AND w."on" <= :as_of"""


def recompute(conn, settings: LoyaltySettings, as_of: date, until: datetime, now: datetime, tz: ZoneInfo) -> dict:
    """Award and owe in the baseline's database; returns rows added per rule and rewards owed / cancelled."""
    sqlite = isinstance(conn, sqlite3.Connection)
    params = {"as_of": as_of, "until": until, "now": now, "gift": settings.referral_reward}
    if sqlite:
        params = {k: _sqlite_value(v) for k, v in params.items()}
    run = lambda sql, **extra: conn.execute(*_dialect(sql, {**params, **extra}, sqlite))  # noqa: E731
    run(CONVERT)
    added = {}
    for rule, source in SOURCES.items():
        points = getattr(settings, f"{rule}_points")
        added[rule] = run(_award_sql(rule, source, settings, sqlite, tz, until), points=points, rule=rule).rowcount if points else 0
    owed = run(OWE).rowcount if settings.referral_reward else 0
    days = settings.reward_cancel_days
    last = f"date(referral_rewards.owed_on, '+{days - 1} days')" if sqlite else f"referral_rewards.owed_on + {days - 1}"
    cancelled = run(CANCEL.format(window=WINDOW.format(last=last))).rowcount if days else 0
    return {"earned": added, "rewards": {"owed": owed, "cancelled": cancelled}}


def _award_sql(rule: str, source: str, settings: LoyaltySettings, sqlite: bool, tz: ZoneInfo, until: datetime) -> str:
    offset = int(until.astimezone(tz).utcoffset().total_seconds() // 60)
    local_day = f"date(checked_in_at, '{offset:+d} minutes')" if sqlite else f"(checked_in_at AT TIME ZONE '{tz}')::date"
    days = settings.expire_after_days
    expires = "NULL" if not days else (f"date(s.d, '+{days} days')" if sqlite else f"s.d + {days}")
    return AWARD.format(source=source.format(local_day=local_day), expires=expires)
