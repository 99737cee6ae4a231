"""A year of salons for the funnel report: events, invitations, their SMS, check-ins and referrals.

One invitation per customer on average (a million at a million customers), spread over up to 300
salons on the working days before the bench day. Each invitation has its 'invitation' SMS in the
outbox (delivered 80%, sent 15%, failed 5%); invitations are invited 50%, confirmed 15%, declined
15%, attended 15%, no-show 5%; walk-ins add 1% to each salon; one attendee in five brings a friend
(a referral attributed to the salon), and three friends in ten convert with a first deposit.
Written with plain executemany (set-up, not measured), deterministic for a seed.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bench.databases import executemany, sql_value, transaction

CAMPAIGN = "bench-salons"
SLOGANS = ("你有我也有", "你行我也行", "你会我也会", "你能我也能", "你做我也做", "你敢我也敢")
STATES = (("invited", 50), ("confirmed", 15), ("declined", 15), ("attended", 15), ("no_show", 5))
SMS_STATES = (("delivered", 80), ("sent", 15), ("failed", 5))
BODY = ("【金福金行】王芳您好！6月21日（周六）14:00「你敢我也敢」沙龙在南京路店二楼贵宾厅举行，"
        "欢迎带朋友来，到场有礼。回1参加，回2不参加。签到码7KQ3MX回T退订")


def salon_days(before: date, count: int) -> list[date]:
    days, day = [], before - timedelta(days=1)
    while len(days) < count:
        if day.weekday() != 6:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def build(conn, customers: int, before: date, tz: ZoneInfo, seed: int = 7) -> dict[str, int]:
    """Write the year of salons into jinli's database through ``conn``; returns row counts."""
    rng, sqlite = random.Random(seed), _is_sqlite(conn)
    v = lambda x: sql_value(x, sqlite)  # noqa: E731
    now = datetime.combine(before, time(1), tz).astimezone(timezone.utc)
    days = salon_days(before, max(5, min(300, customers // 1000)))
    per_event = max(1, customers // len(days))
    tiers = _tiers(conn, customers)
    counts = {"events": len(days), "invitations": 0, "walk_ins": 0, "referrals": 0}
    with transaction(conn):
        event_ids = _events(conn, days, tz, v, now)
        referees = _Referees(conn, customers, rng)
        for day, event_id in zip(days, event_ids):
            starts = datetime.combine(day, time(14), tz)
            invited = rng.sample(range(1, customers + 1), min(per_event, customers))
            attended = _invite(conn, rng, v, event_id, day, starts, invited, tiers, counts)
            counts["walk_ins"] += _walk_ins(conn, rng, v, event_id, starts, customers, set(invited), per_event)
            counts["referrals"] += _refer(conn, rng, v, event_id, day, attended, referees, now)
    return counts


def _is_sqlite(conn) -> bool:
    import sqlite3

    return isinstance(conn, sqlite3.Connection)


def _tiers(conn, customers: int) -> bytearray:
    tiers = bytearray(b"P" * (customers + 1))
    for cid, tier in _stream(conn):
        if cid <= customers:
            tiers[cid] = ord(tier)
    return tiers


def _stream(conn):
    cursor = conn.cursor()
    cursor.execute("SELECT id, tier FROM customers")
    while rows := cursor.fetchmany(50_000):
        yield from rows


def _events(conn, days: list[date], tz: ZoneInfo, v, now: datetime) -> list[int]:
    rows = [(f"{CAMPAIGN}·{d.isoformat()}", CAMPAIGN, "salon", f"「{SLOGANS[d.weekday()]}」沙龙", SLOGANS[d.weekday()],
             "2m", "南京路店二楼贵宾厅", 30, v(datetime.combine(d, time(14), tz)), v(now)) for d in days]
    executemany(conn, "INSERT INTO events (key, campaign_id, kind, title, slogan, term, venue, capacity, starts_at, "
                      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    found = dict(conn.execute(f"SELECT key, id FROM events WHERE campaign_id = '{CAMPAIGN}'").fetchall())
    return [found[r[0]] for r in rows]


def _invite(conn, rng, v, event_id, day, starts, invited, tiers, counts) -> list[int]:
    states = rng.choices([s for s, _ in STATES], [w for _, w in STATES], k=len(invited))
    sms = rng.choices([s for s, _ in SMS_STATES], [w for _, w in SMS_STATES], k=len(invited))
    sent_at = v(starts - timedelta(days=3))
    first = counts["invitations"]
    executemany(conn, "INSERT INTO invitations (event_id, customer_id, code, state, tier, invited_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(event_id, cid, f"B{first + k:09d}", state, chr(tiers[cid]), sent_at)
                 for k, (cid, state) in enumerate(zip(invited, states))])
    counts["invitations"] += len(invited)
    executemany(conn, "INSERT INTO outbox (key, campaign_id, occurrence_on, step, customer_id, event_id, phone, body, "
                      "segments, message_class, tier, state, attempts, due_at, planned_at, sent_at, updated_at) "
                      "VALUES (?, ?, ?, 'invitation', ?, ?, '+8613800000000', ?, 2, 'marketing', ?, ?, 1, ?, ?, ?, ?)",
                [(f"{CAMPAIGN}·{day.isoformat()}·invitation·{cid}", CAMPAIGN, v(day), cid, event_id, BODY, chr(tiers[cid]),
                  state, sent_at, sent_at, sent_at, sent_at) for cid, state in zip(invited, sms)])
    attended = [cid for cid, state in zip(invited, states) if state == "attended"]
    ids = dict(conn.execute(f"SELECT customer_id, id FROM invitations WHERE event_id = {int(event_id)} "
                            "AND state = 'attended'").fetchall())
    executemany(conn, "INSERT INTO checkins (event_id, customer_id, invitation_id, walk_in, checked_in_at) VALUES (?, ?, ?, ?, ?)",
                [(event_id, cid, ids[cid], v(False), v(starts)) for cid in attended])
    return attended


def _walk_ins(conn, rng, v, event_id, starts, customers, invited: set[int], per_event: int) -> int:
    walkers = {rng.randint(1, customers) for _ in range(max(1, per_event // 100))} - invited
    executemany(conn, "INSERT INTO checkins (event_id, customer_id, invitation_id, walk_in, checked_in_at) VALUES (?, ?, NULL, ?, ?)",
                [(event_id, cid, v(True), v(starts)) for cid in sorted(walkers)])
    return len(walkers)


class _Referees:
    """Customers who were nobody's referee yet (a referee has one referrer), drawn at random."""

    def __init__(self, conn, customers: int, rng: random.Random):
        self.used = {r for (r,) in conn.execute("SELECT referee_id FROM referrals").fetchall()}
        self.customers, self.rng = customers, rng

    def draw(self, not_this: int) -> int | None:
        for _ in range(50):
            cid = self.rng.randint(1, self.customers)
            if cid != not_this and cid not in self.used:
                self.used.add(cid)
                return cid
        return None


def _refer(conn, rng, v, event_id, day, attended: list[int], referees: _Referees, now: datetime) -> int:
    rows, holdings = [], []
    for referrer in attended:
        if rng.random() >= 0.2 or (referee := referees.draw(referrer)) is None:
            continue
        converted = day + timedelta(days=rng.randint(1, 10)) if rng.random() < 0.3 else None
        rows.append((referrer, referee, "walk_in", v(day), event_id, CAMPAIGN, v(converted) if converted else None, v(now)))
        if converted:
            holdings.append((f"BH{event_id}-{referee}", referee, rng.choice((1_000_000, 2_000_000, 5_000_000)), "2m", 60,
                             v(converted), v(converted + timedelta(days=61)), v(False), v(now), v(now)))
    executemany(conn, "INSERT INTO referrals (referrer_id, referee_id, source, referred_on, event_id, campaign_id, "
                      "converted_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    executemany(conn, "INSERT INTO holdings (ref, customer_id, product, amount_fen, term, term_days, start_on, maturity_on, "
                      "monthly_return, created_at, updated_at) VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?)", holdings)
    return len(rows)
