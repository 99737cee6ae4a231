"""Finding the customer staff name on the command line: by phone (any format), id or referral code."""

from __future__ import annotations

import re

from sqlalchemy import Connection, RowMapping, select

from errors import NotFound
from messaging.phone import try_parse_mobile
from records import models
from records.codes import normalise_code

customers_t = models.Customer.__table__
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{1,20}")


def find_customer(conn: Connection, text: str, region: str = "CN") -> RowMapping:
    """The customer named by a phone, ``id:N`` / a plain id, or a referral code; NotFound names the text."""
    raw = (text or "").strip()
    c = customers_t.c
    phone = try_parse_mobile(raw, region)
    if phone:
        condition = c.phone == phone
    elif raw.lower().startswith("id:") and raw[3:].isdigit():
        condition = c.id == int(raw[3:])
    elif raw.isdigit() and len(raw) < 10:
        condition = c.id == int(raw)
    elif _CODE.fullmatch(raw):  # ours avoid 0/O/1/I, but a shop's own imported codes may not
        condition = c.referral_code == normalise_code(raw)
    else:
        raise NotFound(f"customer {raw!r}: not a phone, an id or a referral code")
    row = conn.execute(select(customers_t).where(condition)).mappings().first()
    if row is None:
        raise NotFound(f"customer {raw!r} not found")
    return row
