"""The customer desk: find customers, and change one on purpose (validated like the importer, recorded).

An edit names each change explicitly on the command line: nothing is erased by leaving a value out,
just as an empty import cell never erases. Values go through the importer's own parsing and bounds,
and derived columns (birthday key, zodiac animals, star sign) are recomputed as an import does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Mapping

from sqlalchemy import Connection, or_, select, update

from errors import InvalidValue
from records import audit, models, referrals
from records.bounds import Bounds, check_lengths, refuse_nul
from records.codes import normalise_code
from records.personal_data import ERASED_STATUS
from records.importing import birth_columns
from records.lookup import find_customer
from settings import ImportSettings

customers_t = models.Customer.__table__
LIST_COLUMNS = ("id", "name", "phone", "tier", "store", "joined_on", "birth_calendar", "born_on", "referral_code", "opted_out")
DERIVED = ("birthday_key", "animal_sf", "animal_lc", "star_sign")  # recomputed, not worth a line in the trail


def search(conn: Connection, *, tier: str | None = None, store: str | None = None, text: str | None = None,
           limit: int = 50, stores: tuple[str, ...] | None = None, offset: int = 0) -> list[dict]:
    """Customers matching every filter given (text: part of the name, a phone fragment or a referral
    code; ``stores``: one of these stores), by id from ``offset``; erased customers are not listed.
    ``limit + 1`` rows tell the caller there are more."""
    c = customers_t.c
    query = select(*(c[name] for name in LIST_COLUMNS)).where(c.phone_status != ERASED_STATUS)
    if tier:
        query = query.where(c.tier == tier.upper())
    if store:
        query = query.where(c.store == store)
    if stores is not None:
        query = query.where(c.store.in_(stores))
    if text and text.strip():
        query = query.where(_matches(text.strip()))
    return [dict(row) for row in conn.execute(query.order_by(c.id).offset(offset).limit(limit + 1)).mappings()]


def _matches(text: str):
    c = customers_t.c
    found = [c.name.contains(text, autoescape=True), c.referral_code == normalise_code(text)]
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 3 and not re.search(r"[^\d\s\-+()]", text):  # a phone fragment: 3 digits at least
        found.append(c.phone.contains(digits, autoescape=True))
    return or_(*found)


@dataclass(frozen=True)
class Edit:
    """The changes staff asked for; None: leave as it is."""

    name: str | None = None
    store: str | None = None
    birthday: str | None = None
    calendar: str | None = None
    leap: str | None = None
    joined_on: str | None = None
    referrer: str | None = None

    def asked(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def edit_customer(conn: Connection, customer: Mapping, edit: Edit, *, today: date, now: datetime, actor: str,
                  region: str, limits: ImportSettings, attribution_days: int, tz) -> dict[str, list]:
    """Apply ``edit`` to ``customer`` (validated; derived columns recomputed); returns {column: [before, after]}
    of what changed, recorded in the audit trail (nothing changed: nothing recorded)."""
    asked = edit.asked()
    if not asked:
        raise InvalidValue("nothing to change: give --name, --store, --birthday, --calendar, --leap, --joined-on or --referrer")
    refuse_nul(asked)
    values = _columns(customer, edit, Bounds(today, limits))
    check_lengths(customers_t, values, {})
    changes = {col: [customer[col], value] for col, value in values.items() if customer[col] != value}
    if changes:
        conn.execute(update(customers_t).where(customers_t.c.id == customer["id"]).values(
            **{col: after for col, (_, after) in changes.items()}, updated_at=now))
    if edit.referrer is not None:
        changes.update(_link_referrer(conn, customer, edit.referrer, region, today, now, attribution_days, tz))
    recorded = {col: change for col, change in changes.items() if col not in DERIVED}
    if recorded:
        audit.record(conn, actor=actor, action="customers.edit", subject="customer", subject_id=customer["id"],
                     customer_id=customer["id"], now=now, detail={"changes": recorded})
    return recorded


def _columns(customer: Mapping, edit: Edit, bounds: Bounds) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if edit.name is not None:
        values["name"] = bounds.name(edit.name.strip())
    if edit.store is not None:
        values["store"] = edit.store.strip()
    if edit.joined_on is not None:
        values["joined_on"] = bounds.past_date(edit.joined_on, "joined_on")
    if edit.birthday is not None or edit.calendar is not None or edit.leap is not None:
        values.update(_birth(customer, edit, bounds))
    return values


def _birth(customer: Mapping, edit: Edit, bounds: Bounds) -> dict[str, Any]:
    """The birthday columns, from the new values and the stored ones not named (a calendar alone
    re-reads the stored birth date in that calendar)."""
    birthday = edit.birthday
    if birthday is None:
        if customer["birth_year"] is None:
            raise InvalidValue("--calendar and --leap need a birthday: give --birthday too")
        birthday = f"{customer['birth_year']}-{customer['birth_month']}-{customer['birth_day']}"
    calendar = edit.calendar if edit.calendar is not None else (customer["birth_calendar"] or "")
    leap = edit.leap if edit.leap is not None else ("yes" if customer["birth_leap"] else "")
    if edit.calendar is not None and edit.leap is None and calendar.strip().lower() not in {"lunar", "农历", "阴历", "旧历"}:
        leap = ""
    values = birth_columns(birthday.strip(), calendar, leap)
    if not values:
        raise InvalidValue("--birthday is empty: an edit never erases a birthday (jinli customers erase removes one)")
    bounds.born_on(values["born_on"])
    return values


def _link_referrer(conn: Connection, customer: Mapping, text: str, region: str, today: date, now: datetime,
                   attribution_days: int, tz) -> dict[str, list]:
    referrer = find_customer(conn, text, region, by_name=True)
    if customer["referrer_id"] == referrer["id"]:
        return {}
    referrals.add_referral(conn, referrer["id"], customer["id"], "staff", today, now, attribution_days, tz)
    return {"referrer_id": [customer["referrer_id"], referrer["id"]]}
