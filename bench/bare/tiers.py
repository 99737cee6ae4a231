"""The tier recompute baseline: the same scoring written by hand as four SQL statements, plain DB-API.

Same indicators, thresholds and windows as records.tiers (read from the same TierSettings), same
effects: a history row for each changed customer, then every customer's tier, score and as-of date.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from records.tiers import INDICATORS, VALUE_COLUMNS, thresholds
from settings import TierSettings

SCORES = """
INSERT INTO bare_scores
WITH flows AS (
  SELECT holding_id, SUM(CASE kind WHEN 'top_up' THEN amount_fen WHEN 'withdrawal' THEN -amount_fen ELSE 0 END) AS delta
  FROM movements WHERE "on" <= :as_of GROUP BY holding_id
), active AS (
  SELECT h.customer_id, SUM(h.amount_fen + COALESCE(f.delta, 0)) AS deposit_fen, MAX(h.term_days) AS longest_term_days
  FROM holdings h LEFT JOIN flows f ON f.holding_id = h.id
  WHERE h.start_on <= :as_of AND h.maturity_on > :as_of GROUP BY h.customer_id
), moves AS (
  SELECT customer_id,
         SUM(CASE WHEN kind = 'renewal' THEN 1 ELSE 0 END) AS renewals,
         SUM(CASE WHEN kind = 'top_up' AND "on" > :topups_since THEN 1 ELSE 0 END) AS topups,
         SUM(CASE WHEN kind = 'withdrawal' AND "on" > :withdrawals_since THEN 1 ELSE 0 END) AS withdrawals
  FROM movements WHERE "on" <= :as_of GROUP BY customer_id
), refs AS (
  SELECT r.referrer_id AS customer_id, COUNT(*) AS referrals FROM customers r
  WHERE r.referrer_id IS NOT NULL
    AND EXISTS (SELECT 1 FROM holdings h WHERE h.customer_id = r.id AND h.start_on <= :as_of)
  GROUP BY r.referrer_id
), evs AS (
  SELECT customer_id, COUNT(*) AS events FROM checkins
  WHERE checked_in_at >= :events_since AND checked_in_at < :events_until GROUP BY customer_id
), pts AS (
  SELECT customer_id, SUM(points) AS points FROM points_ledger
  WHERE {points_on} AND earned_on <= :as_of AND (expires_on IS NULL OR expires_on > :as_of) GROUP BY customer_id
), v AS (
  SELECT c.id AS customer_id, c.pinned_tier, COALESCE(a.deposit_fen, 0) AS deposit_fen,
         COALESCE(a.longest_term_days, 0) AS longest_term_days, COALESCE(m.renewals, 0) AS renewals,
         COALESCE(m.topups, 0) AS topups, COALESCE(rf.referrals, 0) AS referrals, COALESCE(e.events, 0) AS events,
         COALESCE(m.withdrawals, 0) AS withdrawals, COALESCE(pt.points, 0) AS points
  FROM customers c LEFT JOIN active a ON a.customer_id = c.id LEFT JOIN moves m ON m.customer_id = c.id
  LEFT JOIN refs rf ON rf.customer_id = c.id LEFT JOIN evs e ON e.customer_id = c.id
  LEFT JOIN pts pt ON pt.customer_id = c.id
), p AS (
  SELECT v.*, {points} FROM v
)
SELECT p.*, {total} AS score,
       CASE WHEN pinned_tier IS NOT NULL THEN pinned_tier WHEN {total} >= :a_min THEN 'A'
            WHEN {total} >= :b_min THEN 'B' WHEN deposit_fen >= :c_min THEN 'C' ELSE 'P' END AS tier
FROM p
"""

BREAKDOWN = [*VALUE_COLUMNS.values(), *(f"{n}_points" for n in INDICATORS)]
HISTORY = f"""
INSERT INTO tier_history (customer_id, as_of, tier, score, reason, note, {', '.join(BREAKDOWN)}, recorded_at)
SELECT s.customer_id, :as_of, s.tier, s.score, 'recompute', '', {', '.join('s.' + c for c in BREAKDOWN)}, :now
FROM bare_scores s JOIN customers c ON c.id = s.customer_id
WHERE c.tier <> s.tier OR c.tier_score <> s.score OR c.tier_as_of IS NULL
"""
UPDATE = """
UPDATE customers SET tier = s.tier, tier_score = s.score, tier_as_of = :as_of
FROM bare_scores s WHERE s.customer_id = customers.id
"""


def _scratch() -> str:
    points = ", ".join(f"{n}_points INTEGER" for n in INDICATORS)
    return (f"CREATE TEMPORARY TABLE bare_scores (customer_id INTEGER PRIMARY KEY, pinned_tier VARCHAR(1), "
            f"deposit_fen BIGINT, longest_term_days INTEGER, renewals INTEGER, topups INTEGER, referrals INTEGER, "
            f"events INTEGER, withdrawals INTEGER, points INTEGER, {points}, score INTEGER, tier VARCHAR(1))")


def _points_sql(settings: TierSettings) -> tuple[str, str]:
    exprs = []
    for name in INDICATORS:
        pairs = thresholds(settings, name)
        whens = " ".join(f"WHEN {VALUE_COLUMNS[name]} >= {t} THEN {p}" for t, p in pairs)
        exprs.append(f"CASE {whens} ELSE 0 END AS {name}_points" if pairs else f"0 AS {name}_points")
    total = "(" + " + ".join(f"{n}_points" for n in INDICATORS) + ")"
    return ", ".join(exprs), total


def recompute(conn, settings: TierSettings, as_of: date, tz: ZoneInfo, now: datetime) -> dict[str, int]:
    """Score every customer in the baseline's database; returns counts per tier (like records.tiers)."""
    sqlite = isinstance(conn, sqlite3.Connection)
    points, total = _points_sql(settings)
    day_start = lambda d: datetime.combine(d, time(), tz).astimezone(timezone.utc)  # noqa: E731
    params = {
        "as_of": as_of, "topups_since": as_of - timedelta(days=settings.topups_window_days),
        "withdrawals_since": as_of - timedelta(days=settings.withdrawals_window_days),
        "events_since": day_start(as_of - timedelta(days=settings.events_window_days - 1)),
        "events_until": day_start(as_of + timedelta(days=1)), "a_min": settings.a_min_score,
        "b_min": settings.b_min_score, "c_min": settings.c_min_deposit * 100, "now": now,
    }
    if sqlite:
        params = {k: _sqlite_value(v) for k, v in params.items()}
    run = lambda sql: conn.execute(*_dialect(sql, params, sqlite))  # noqa: E731
    run("DROP TABLE IF EXISTS bare_scores")
    run(_scratch())
    # The loyalty balance is read only when it is an indicator (as records.tiers does).
    run(SCORES.format(points=points, total=total, points_on="1 = 1" if settings.points else "1 = 0"))
    run(HISTORY)
    run(UPDATE)
    run("DROP TABLE bare_scores")
    return dict(conn.execute("SELECT tier, COUNT(*) FROM customers GROUP BY tier").fetchall())


def _dialect(sql: str, params: dict, sqlite: bool):
    used = {k: v for k, v in params.items() if f":{k}" in sql}
    return (sql, used) if sqlite else (re.sub(r":(\w+)", r"%(\1)s", sql), used)


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value
