"""Finding the customer staff name on the command line: by phone (any format), id or referral code."""

from __future__ import annotations

import re

from sqlalchemy import Connection, RowMapping, func, select

from errors import InvalidValue, NotFound
from domain.phone import try_parse_mobile
from records.codes import normalise_code
from records.core_tables import customers as customers_t  # Core: no SQLModel at start-up
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{1,20}")
_ID = re.compile(r"(?:id:)?([0-9]+)", re.IGNORECASE)
MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns on PostgreSQL (SQLite stops at 2**63 - 1)


def find_customer(conn: Connection, text: str, region: str = "CN", *, by_name: bool = False) -> RowMapping:
    """The customer named by a phone, ``id:N`` / a plain id, or a referral code (and with ``by_name``, a
    unique name); NotFound names the text, an ambiguous name is InvalidValue saying how many match."""
    raw = (text or "").strip()
    c = customers_t.c
    phone = try_parse_mobile(raw, region)
    if phone:
        condition = c.phone == phone
    elif (number := id_in(raw)) is not None:
        condition = c.id == number
    elif _CODE.fullmatch(raw):  # ours avoid 0/O/1/I, but a shop's own imported codes may not
        condition = c.referral_code == normalise_code(raw)
    elif by_name and raw:
        return _by_name(conn, raw)
    else:
        raise NotFound(f"customer {raw!r}: not a phone, an id or a referral code", key="customer_unreadable", customer=raw)
    row = conn.execute(select(customers_t).where(condition)).mappings().first()
    if row is None and by_name and raw:
        return _by_name(conn, raw)  # an English name looks like a referral code
    if row is None:
        raise NotFound(f"customer {raw!r} not found", key="customer_not_found", customer=raw)
    return row


def _by_name(conn: Connection, name: str) -> RowMapping:
    """The one customer with exactly this name."""
    rows = conn.execute(select(customers_t).where(customers_t.c.name == name).limit(2)).mappings().all()
    if not rows:
        raise NotFound(f"customer {name!r} not found (not a phone, id, referral code or customer name)",
                       key="customer_name_not_found", customer=name)
    if len(rows) > 1:
        count = conn.execute(select(func.count()).where(customers_t.c.name == name)).scalar()
        raise InvalidValue(f"customer name {name!r} matches {count} customers: name one by phone, id:N or referral code "
                           f"(jinli customers list --search {name})", key="customer_name_ambiguous", customer=name,
                           count=count)
    return rows[0]


def id_in(raw: str) -> int | None:
    """The customer id in ``id:N`` or a plain number of fewer than 10 digits; InvalidValue past MAX_ID."""
    match = _ID.fullmatch(raw)
    if match is None or (not raw.lower().startswith("id:") and len(raw) >= 10):
        return None
    if len(match.group(1)) > 10 or int(match.group(1)) > MAX_ID:
        raise InvalidValue(f"customer {raw!r}: an id is at most {MAX_ID}")
    return int(match.group(1))
