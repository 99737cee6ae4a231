"""Throwaway measurement: the funnel report over a million invitations on SQLite or PostgreSQL (not a test).

    .venv/bin/python -m bench.funnel_speed [--invitations 1000000] [--db /tmp/funnel.sqlite3 | --url URL] [--extra-indexes]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from records import models
from records.db import ensure_schema, make_engine
from reports.filters import ReportFilter
from reports.funnel import funnel

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 2, 1, 0, tzinfo=timezone.utc)
EXTRA_INDEXES = (  # proposed for records/models.py
    "CREATE INDEX IF NOT EXISTS ix_invitations_event_tier_state ON invitations (event_id, tier, state)",
    "CREATE INDEX IF NOT EXISTS ix_outbox_step_event_tier_state ON outbox (step, event_id, tier, state)",
)


def build(url: str, invitations: int, customers: int, events: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    engine = make_engine(url)
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(insert(models.Customer.__table__), [
            {"id": n, "name": f"客户{n}", "phone": f"+86139{n:08d}", "referral_code": f"C{n:07d}", "tier": rng.choice("ABCPPP"),
             "store": "", "created_at": NOW, "updated_at": NOW} for n in range(1, customers + 1)])
        start = date(2024, 6, 3)
        conn.execute(insert(models.Event.__table__), [
            {"id": e, "key": f"E{e}", "campaign_id": f"salons-{e % 3}", "kind": "salon", "title": f"沙龙{e}", "slogan": f"口号{e % 6}",
             "capacity": 0, "starts_at": datetime.combine(start + timedelta(days=e), datetime.min.time(), TZ) + timedelta(hours=14),
             "created_at": NOW} for e in range(1, events + 1)])
        per_event = invitations // events
        inv_rows, out_rows, chk_rows = [], [], []
        inv_id = 0
        for e in range(1, events + 1):
            for cid in rng.sample(range(1, customers + 1), per_event):
                inv_id += 1
                state = rng.choices(["invited", "confirmed", "declined", "attended", "no_show"], [50, 15, 15, 15, 5])[0]
                tier = rng.choice("ABCP")
                inv_rows.append({"id": inv_id, "event_id": e, "customer_id": cid, "code": f"K{inv_id:09d}", "state": state, "tier": tier, "invited_at": NOW})
                out_rows.append({"key": f"o{inv_id}", "campaign_id": "salons", "occurrence_on": start, "step": "invitation", "customer_id": cid,
                                 "event_id": e, "phone": "+8613900000000", "body": "x", "tier": tier,
                                 "state": rng.choices(["delivered", "sent", "failed"], [80, 15, 5])[0], "due_at": NOW, "planned_at": NOW})
                if state == "attended":
                    chk_rows.append({"event_id": e, "customer_id": cid, "invitation_id": inv_id, "walk_in": False, "checked_in_at": NOW})
            if len(inv_rows) > 100_000:
                _flush(conn, inv_rows, out_rows, chk_rows)
        _flush(conn, inv_rows, out_rows, chk_rows)
        attendees = conn.execute(text("SELECT customer_id, event_id FROM checkins")).all()
        ref_rows = []
        for n, (cid, e) in enumerate(rng.sample(attendees, min(len(attendees), 30_000))):
            referee = customers + 1 + n
            conn.execute(insert(models.Customer.__table__).values(id=referee, name="友", phone=f"+86138{referee:08d}",
                                                                  referral_code=f"R{referee:07d}", store="", created_at=NOW, updated_at=NOW))
            converted = date(2025, 1, 1) if rng.random() < 0.3 else None
            ref_rows.append({"referrer_id": cid, "referee_id": referee, "source": "staff", "referred_on": date(2025, 1, 1),
                             "event_id": e, "campaign_id": f"salons-{e % 3}", "converted_on": converted, "created_at": NOW})
            if converted:
                conn.execute(insert(models.Holding.__table__).values(ref=f"H{referee}", customer_id=referee, amount_fen=1_000_000,
                                                                     term="2m", term_days=61, start_on=converted, maturity_on=converted + timedelta(days=61)))
        conn.execute(insert(models.Referral.__table__), ref_rows)


def _flush(conn, inv_rows, out_rows, chk_rows):
    for table, rows in ((models.Invitation.__table__, inv_rows), (models.OutboxMessage.__table__, out_rows), (models.CheckIn.__table__, chk_rows)):
        if rows:
            conn.execute(insert(table), rows)
        rows.clear()


def measure(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:  # committed: on PostgreSQL statistics gathered in a rolled-back transaction are lost
        conn.execute(text("ANALYZE"))
    with engine.connect() as conn:
        for by in (None, "campaign", "event", "tier", "week", "salon"):
            for filt in (ReportFilter(), ReportFilter(campaign_id="salons-1"), ReportFilter(tier="A")):
                started = time.perf_counter()
                report = funnel(conn, filt, by, TZ)
                took = time.perf_counter() - started
                print(f"by={by or '-':8} filter={filt.describe() or '-'!s:28} {took:6.3f}s  invited={report.total.invited:,} "
                      f"delivered={report.total.delivered:,} attended={report.total.attended:,} referrals={report.total.referrals:,}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--db", default="/tmp/jinli-funnel-bench.sqlite3")
    parser.add_argument("--extra-indexes", action="store_true", help="add the indexes proposed for models.py")
    parser.add_argument("--url", help="a database URL (an empty PostgreSQL database) instead of --db")
    parser.add_argument("--reuse", action="store_true", help="measure an existing database")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{args.db}"
    if not args.reuse:
        if not args.url:
            Path(args.db).unlink(missing_ok=True)
        started = time.perf_counter()
        build(url, args.invitations, args.customers, args.events)
        print(f"built in {time.perf_counter() - started:.0f}s")
    if args.extra_indexes:
        with make_engine(url).begin() as conn:
            for statement in EXTRA_INDEXES:
                conn.execute(text(statement))
    measure(url)


if __name__ == "__main__":
    main()
