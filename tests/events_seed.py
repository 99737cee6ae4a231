"""A small shop's three events, seeded through the real use cases; every figure in the tests is counted by hand.

Events: E1 salon 你有我也有 Mon 2025-05-19, E2 salon 你能我也能 Thu 2025-05-22 (campaign "salons",
ISO week 21), E3 banquet 幸运庆生宴 Tue 2025-05-27 (campaign "birthday", week 22), all 14:00 Shanghai.

| event | guest (tier) | SMS       | reply   | came        |
|-------|--------------|-----------|---------|-------------|
| E1    | a1 (A)       | delivered | confirm | yes (code)  |
| E1    | a2 (A)       | sent      | confirm | no: no_show |
| E1    | b1 (B)       | delivered | decline | no          |
| E1    | c1 (C)       | failed    | –       | yes (phone) |
| E1    | p1 (P)       | delivered | –       | no          |
| E2    | a1 (A)       | delivered | –       | no          |
| E2    | b2 (B)       | delivered | confirm | yes         |
| E2    | p2 (P)       | delivered | confirm | yes         |
| E2    | c2 (C)       | sent      | decline | no          |
| E3    | a1 (A)       | delivered | confirm | yes         |
| E3    | a2 (A)       | delivered | –       | no          |
Walk-ins: w1 at E1 (new, referred by a1), g1 at E1, E2 and E3 (new, unreferred), f2 at E3 (known prospect).
Referrals: a1→w1 (E1), w1→f7 (E1), c1→f3 (E1), p2→f5 (E2), f5→f6 (unattributed), a1→f2 (05-25: E1), b2→f4 (E2).
First deposits: w1 30,000 + 20,000 on 05-23 (then 100,000 on 05-30), f3 10,000 on 06-01, f4 20,000 on 05-28,
g1 5,000 on 05-27; a1 has held 100,000 since 2024.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import insert

from records import checkins, events, models, referrals
from records.event_config import EventSettings
from records.prospects import register_prospect
from tests.factories import SHANGHAI, add_customer, add_holding

SETTINGS = EventSettings()
INVITED_ON = {"E1": date(2025, 5, 15), "E2": date(2025, 5, 18), "E3": date(2025, 5, 23)}


def at(day: date, hour: int = 14, minute: int = 0) -> datetime:
    """An instant in Shanghai time."""
    return datetime.combine(day, time(hour, minute), SHANGHAI)


@dataclass
class Seed:
    ids: dict[str, int] = field(default_factory=dict)  # a1 ... f7, E1 ... E3
    codes: dict[tuple[str, str], str] = field(default_factory=dict)  # (event, guest) -> check-in code
    phones: dict[str, str] = field(default_factory=dict)


def add_salon(conn, on: date, campaign_id: str = "salons", kind: str = "salon", title: str = "沙龙", slogan: str = "",
              capacity: int = 0, hour: int = 14, store: str = "") -> int:
    """An event starting at ``hour`` Shanghai time on ``on``."""
    return conn.execute(insert(models.Event.__table__).values(
        key=f"{campaign_id}:{on.isoformat()}:{title}:{hour}", campaign_id=campaign_id, kind=kind, title=title, slogan=slogan,
        capacity=capacity, starts_at=at(on, hour), created_at=at(on, 0), store=store,
    )).inserted_primary_key[0]


def invite(conn, seed: Seed, event: str, guest: str, tier: str, sms: str) -> None:
    code = f"{event[-1]}{guest.upper()}XYZ".replace("1", "H").replace("0", "Q")
    invited_at = at(INVITED_ON[event], 10)
    conn.execute(insert(models.Invitation.__table__).values(
        event_id=seed.ids[event], customer_id=seed.ids[guest], code=code, state="invited", tier=tier, invited_at=invited_at))
    conn.execute(insert(models.OutboxMessage.__table__).values(
        key=f"{event}-{guest}-invitation", campaign_id="salons", occurrence_on=INVITED_ON[event], step="invitation",
        customer_id=seed.ids[guest], event_id=seed.ids[event], phone=seed.phones[guest], body="邀请", tier=tier, state=sms,
        due_at=invited_at, planned_at=invited_at))
    seed.codes[(event, guest)] = code


def _customers(conn, seed: Seed) -> None:
    for n, (key, name, tier) in enumerate((("a1", "王芳", "A"), ("a2", "李娜", "A"), ("b1", "张伟", "B"), ("b2", "刘洋", "B"),
                                           ("c1", "陈静", "C"), ("c2", "杨磊", "C"), ("p1", "黄敏", "P"), ("p2", "赵军", "P")), start=1):
        seed.phones[key] = f"+8613800000{n:03d}"
        seed.ids[key] = add_customer(conn, seed.phones[key], name, tier=tier)
    add_holding(conn, seed.ids["a1"], 100_000, "1y", date(2024, 1, 1))


def _events(conn, seed: Seed) -> None:
    seed.ids["E1"] = add_salon(conn, date(2025, 5, 19), title="周一沙龙", slogan="你有我也有", capacity=10)
    seed.ids["E2"] = add_salon(conn, date(2025, 5, 22), title="周四沙龙", slogan="你能我也能", capacity=10)
    seed.ids["E3"] = add_salon(conn, date(2025, 5, 27), "birthday", "banquet", title="幸运庆生宴")
    for guest, tier, sms in (("a1", "A", "delivered"), ("a2", "A", "sent"), ("b1", "B", "delivered"), ("c1", "C", "failed"),
                             ("p1", "P", "delivered")):
        invite(conn, seed, "E1", guest, tier, sms)
    for guest, tier, sms in (("a1", "A", "delivered"), ("b2", "B", "delivered"), ("p2", "P", "delivered"), ("c2", "C", "sent")):
        invite(conn, seed, "E2", guest, tier, sms)
    for guest, tier, sms in (("a1", "A", "delivered"), ("a2", "A", "delivered")):
        invite(conn, seed, "E3", guest, tier, sms)
    conn.execute(insert(models.OutboxMessage.__table__).values(  # a reminder is not an invitation
        key="E1-a1-reminder", campaign_id="salons", occurrence_on=date(2025, 5, 19), step="reminder", customer_id=seed.ids["a1"],
        event_id=seed.ids["E1"], phone=seed.phones["a1"], body="提醒", tier="A", state="delivered",
        due_at=at(date(2025, 5, 19), 9), planned_at=at(date(2025, 5, 19), 9)))


def _refer(conn, seed: Seed, referrer: str, friend: str, on: date) -> None:
    if friend not in seed.ids:
        seed.phones[friend] = f"+8613900000{len(seed.phones):03d}"
        seed.ids[friend] = register_prospect(conn, seed.phones[friend], f"朋友{friend}", on, at(on, 9))
    referrals.add_referral(conn, seed.ids[referrer], seed.ids[friend], "staff", on, at(on, 18), SETTINGS.attribution_days, SHANGHAI)


def _walk_in(conn, seed: Seed, key: str, event: str, when: datetime, referrer: str | None = None) -> None:
    seed.phones.setdefault(key, f"+8613700000{len(seed.phones):03d}")
    referrer_code = seed.phones[referrer] if referrer else None
    result = checkins.walk_in(conn, seed.phones[key], f"来宾{key}", referrer_code, seed.ids[event], when, SHANGHAI, SETTINGS)
    seed.ids[key] = result.customer_id


def seed_shop(conn) -> Seed:
    """The whole story above, in the order it happened."""
    seed = Seed()
    _customers(conn, seed)
    _events(conn, seed)
    E1, E2, E3 = date(2025, 5, 19), date(2025, 5, 22), date(2025, 5, 27)
    for guest, intent in (("a1", "confirm"), ("a2", "confirm"), ("b1", "decline")):
        events.apply_reply(conn, seed.ids[guest], intent, at(date(2025, 5, 16), 12))
    checkins.record_check_in(conn, seed.codes[("E1", "a1")], None, at(E1, 14, 5), SHANGHAI, SETTINGS)
    checkins.record_check_in(conn, seed.phones["c1"], None, at(E1, 14, 6), SHANGHAI, SETTINGS)
    _walk_in(conn, seed, "w1", "E1", at(E1, 14, 10), referrer="a1")
    _walk_in(conn, seed, "g1", "E1", at(E1, 14, 12))
    _refer(conn, seed, "w1", "f7", E1)
    _refer(conn, seed, "c1", "f3", date(2025, 5, 20))
    events.mark_no_shows(conn, seed.ids["E1"])
    for guest, intent in (("b2", "confirm"), ("p2", "confirm"), ("c2", "decline")):
        events.apply_reply(conn, seed.ids[guest], intent, at(date(2025, 5, 20), 12))
    checkins.record_check_in(conn, seed.codes[("E2", "b2")], None, at(E2, 14, 1), SHANGHAI, SETTINGS)
    checkins.record_check_in(conn, seed.phones["p2"], None, at(E2, 14, 2), SHANGHAI, SETTINGS)
    _walk_in(conn, seed, "g1", "E2", at(E2, 14, 3))
    _refer(conn, seed, "p2", "f5", E2)
    _refer(conn, seed, "f5", "f6", date(2025, 5, 23))
    events.mark_no_shows(conn, seed.ids["E2"])
    events.apply_reply(conn, seed.ids["a1"], "confirm", at(date(2025, 5, 24), 12))
    _refer(conn, seed, "a1", "f2", date(2025, 5, 25))
    _refer(conn, seed, "b2", "f4", date(2025, 5, 26))
    checkins.record_check_in(conn, seed.phones["a1"], seed.ids["E3"], at(E3, 14, 5), SHANGHAI, SETTINGS)
    _walk_in(conn, seed, "f2", "E3", at(E3, 14, 10))
    _walk_in(conn, seed, "g1", "E3", at(E3, 14, 15))
    events.mark_no_shows(conn, seed.ids["E3"])
    _deposits(conn, seed)
    referrals.update_conversions(conn)
    return seed


def _deposits(conn, seed: Seed) -> None:
    add_holding(conn, seed.ids["w1"], 30_000, "6m", date(2025, 5, 23))
    add_holding(conn, seed.ids["w1"], 20_000, "2m", date(2025, 5, 23))
    add_holding(conn, seed.ids["w1"], 100_000, "1y", date(2025, 5, 30))
    add_holding(conn, seed.ids["f3"], 10_000, "2m", date(2025, 6, 1))
    add_holding(conn, seed.ids["f4"], 20_000, "98d", date(2025, 5, 28))
    add_holding(conn, seed.ids["g1"], 5_000, "2m", date(2025, 5, 27))
