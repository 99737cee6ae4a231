"""Prospects (tier P): people staff register at the door or name as a friend, before any deposit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, insert, select

from errors import InvalidValue
from domain.phone import mask
from records import models
from records.codes import new_code
from records.erased_phones import ErasedCheck
from records.importing import REFERRAL_CODE_LENGTH

customers_t = models.Customer.__table__


def free_referral_code(conn: Connection) -> str:
    """A referral code nobody holds yet."""
    while True:
        code = new_code(REFERRAL_CODE_LENGTH)
        if conn.execute(select(customers_t.c.id).where(customers_t.c.referral_code == code)).first() is None:
            return code


def register_prospect(conn: Connection, phone: str, name: str, today: date, now: datetime, store: str = "") -> int:
    """A new customer of tier P (of ``store``) with a referral code of their own; ``phone`` is E.164 and must be new."""
    name = (name or "").strip()
    if not name:
        raise InvalidValue(f"name for {mask(phone)}: a new guest needs a name (--name)", key="prospect_needs_name",
                           phone=mask(phone))
    customer_id = conn.execute(insert(customers_t).values(
        phone=phone, name=name, store=store, joined_on=today, referral_code=free_referral_code(conn),
        tier="P", created_at=now, updated_at=now,
    )).inserted_primary_key[0]
    ErasedCheck.load(conn).apply(conn, [phone], now)  # erased while opted out: still opted out
    return customer_id
