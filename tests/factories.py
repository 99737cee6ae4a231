"""Readable fixed test data written straight into the tables (no CSV round trip)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert

from records import models
from records.importing import birth_columns
from records.terms import parse_term

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 2, 1, 0, tzinfo=timezone.utc)
_seq = count(1)


def add_customer(conn: Connection, phone: str | None = None, name: str = "客户", *, joined_on: date = date(2020, 1, 1),
                 birthday: str = "", calendar: str = "solar", leap: bool = False, **extra) -> int:
    n = next(_seq)
    values = {
        "phone": phone or f"+86139{n:08d}", "name": name, "store": "南京路店", "joined_on": joined_on,
        "referral_code": f"T{n:06d}", "created_at": NOW, "updated_at": NOW,
        **birth_columns(birthday, calendar, "yes" if leap else ""), **extra,
    }
    return conn.execute(insert(models.Customer.__table__).values(values)).inserted_primary_key[0]


def add_holding(conn: Connection, customer_id: int, amount_yuan: float, term: str, start_on: date,
                monthly_return: bool = False) -> int:
    t = parse_term(term)
    return conn.execute(insert(models.Holding.__table__).values(
        ref=f"H{next(_seq)}", customer_id=customer_id, amount_fen=round(amount_yuan * 100), term=str(t),
        term_days=t.nominal_days, start_on=start_on, maturity_on=t.add_to(start_on), monthly_return=monthly_return,
        product="", created_at=NOW, updated_at=NOW,
    )).inserted_primary_key[0]


def add_movement(conn: Connection, holding_id: int, customer_id: int, kind: str, on: date, amount_yuan: float = 1000) -> None:
    conn.execute(insert(models.Movement.__table__).values(
        ref=f"M{next(_seq)}", holding_id=holding_id, customer_id=customer_id, kind=kind, on=on,
        amount_fen=round(amount_yuan * 100), created_at=NOW,
    ))


def add_event(conn: Connection, on: date, campaign_id: str = "salons", kind: str = "salon", **extra) -> int:
    values = {"key": f"E{next(_seq)}", "campaign_id": campaign_id, "kind": kind, "title": "沙龙",
              "starts_at": datetime.combine(on, time(14, 0), SHANGHAI), "created_at": NOW, **extra}
    return conn.execute(insert(models.Event.__table__).values(values)).inserted_primary_key[0]


def add_attendance(conn: Connection, customer_id: int, on: date) -> None:
    """A check-in at a salon on ``on`` at 14:00 Shanghai time."""
    event_id = add_event(conn, on)
    conn.execute(insert(models.CheckIn.__table__).values(
        event_id=event_id, customer_id=customer_id, checked_in_at=datetime.combine(on, time(14, 0), SHANGHAI),
    ))
