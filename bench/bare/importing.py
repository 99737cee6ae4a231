"""The CSV import baseline: csv.reader, the same cell parsers, plain DB-API executemany. No framework.

"The same work" as `jinli import`, so the ratio measures what jinli adds, not what validating costs:
every cell goes through the very parsers jinli uses (phonenumbers, the lunar calendar for birthday
keys, terms, money), rows are upserted by key in batches of 2,000 inside one transaction, each new
customer gets a referral code unique in the database, and referrer links become referrals. What is
left out is the framework: no header aliases (the column order is known), no SQLAlchemy, and the
per-batch look-ups (existing keys, taken codes, referrers, owners) are one IN query each.
"""

from __future__ import annotations

import csv
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from bench.databases import sql_value
from errors import InvalidValue
from domain.phone import parse_mobile, try_parse_mobile
from records.codes import new_code
from records.importing import BATCH, REFERRAL_CODE_LENGTH, birth_columns
from records.parsing import parse_bool, parse_date, parse_kind, parse_money_fen
from records.terms import parse_term

CUSTOMER_COLUMNS = ("phone", "name", "phone_status", "store", "joined_on", "birth_calendar", "birth_year",
                    "birth_month", "birth_day", "birth_leap", "born_on", "birthday_key", "animal_sf", "animal_lc",
                    "star_sign", "referral_code", "opted_out", "tier", "tier_score", "created_at", "updated_at")
HOLDING_COLUMNS = ("ref", "customer_id", "product", "amount_fen", "term", "term_days", "start_on", "maturity_on",
                   "monthly_return", "created_at", "updated_at")
MOVEMENT_COLUMNS = ("ref", "holding_id", "customer_id", "kind", '"on"', "amount_fen", "created_at")
# After holdings or movements, as jinli does: a referral converts on its referee's first deposit.
CONVERSIONS = """
UPDATE referrals SET converted_on = (SELECT MIN(h.start_on) FROM holdings h WHERE h.customer_id = referrals.referee_id)
WHERE EXISTS (SELECT 1 FROM holdings h WHERE h.customer_id = referrals.referee_id)
  AND (converted_on IS NULL
       OR converted_on <> (SELECT MIN(h.start_on) FROM holdings h WHERE h.customer_id = referrals.referee_id))"""


@dataclass
class BareResult:
    rows: int = 0
    imported: int = 0
    rejected: int = 0
    parse_seconds: float = 0.0  # time in the cell parsers, the rest is reading and the database
    statements: int = 0
    warnings: int = 0


@dataclass
class _Db:
    """A raw connection and its dialect's spelling: placeholders, IN lists, stored values."""

    conn: object
    sqlite: bool
    result: BareResult = field(default_factory=BareResult)

    def insert_sql(self, table: str, columns: tuple[str, ...]) -> str:
        marks = ", ".join(["?" if self.sqlite else "%s"] * len(columns))
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"

    def select_in(self, sql: str, values: list) -> list[tuple]:
        """``sql`` with one ``{in}`` standing for "column IN (values)"."""
        if not values:
            return []
        self.result.statements += 1
        if self.sqlite:
            return self.conn.execute(sql.format(in_=f"IN ({', '.join('?' * len(values))})"), values).fetchall()
        return self.conn.execute(sql.format(in_="= ANY(%s)"), (list(values),)).fetchall()

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self.result.statements += 1
            (self.conn if self.sqlite else self.conn.cursor()).executemany(sql if self.sqlite else sql.replace("?", "%s"), rows)

    def value(self, v):
        return sql_value(v, self.sqlite)


def _rows(path: Path) -> Iterator[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for raw in reader:
            yield [cell.strip() for cell in raw]


def _batches(path: Path) -> Iterator[list[list[str]]]:
    batch = []
    for row in _rows(path):
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def import_customers(conn, path: Path, today: date, now: datetime) -> BareResult:
    db = _Db(conn, isinstance(conn, sqlite3.Connection))
    insert = db.insert_sql("customers", CUSTOMER_COLUMNS)
    issued: set[str] = set()
    waiting: list[tuple[str, str]] = []
    for batch in _batches(path):
        started = time.perf_counter()
        parsed = {}
        for cells in batch:
            db.result.rows += 1
            try:
                phone = parse_mobile(cells[0])
                if not cells[1]:
                    raise InvalidValue("name is empty")
                birth = birth_columns(cells[2], cells[3], cells[4])
                joined = parse_date(cells[6], "joined_on") if cells[6] else today
            except InvalidValue:
                db.result.rejected += 1
                continue
            parsed[phone] = (cells, birth, joined, cells[7])
        db.result.parse_seconds += time.perf_counter() - started
        known = {p for (p,) in db.select_in("SELECT phone FROM customers WHERE phone {in_}", list(parsed))}
        new = [p for p in parsed if p not in known]
        codes = _codes(db, len(new), issued)
        rows = []
        for phone, code in zip(new, codes):
            cells, b, joined, _ref = parsed[phone]
            rows.append(tuple(db.value(v) for v in (
                phone, cells[1], "ok", cells[5], joined, b.get("birth_calendar"), b.get("birth_year"),
                b.get("birth_month"), b.get("birth_day"), b.get("birth_leap", False), b.get("born_on"),
                b.get("birthday_key"), b.get("animal_sf"), b.get("animal_lc"), b.get("star_sign"), code, False, "P", 0,
                now, now)))
        db.executemany(insert, rows)
        db.result.imported += len(rows)
        waiting = _link(db, waiting + [(p, v[3]) for p, v in parsed.items() if v[3]], today, now)
    db.result.warnings = len(waiting)
    return db.result


def _codes(db: _Db, count: int, issued: set[str]) -> list[str]:
    """``count`` referral codes unused in the database and in this import (one query per round)."""
    codes: list[str] = []
    while len(codes) < count:
        drawn = {new_code(REFERRAL_CODE_LENGTH) for _ in range(count - len(codes))} - issued
        taken = {c for (c,) in db.select_in("SELECT referral_code FROM customers WHERE referral_code {in_}", list(drawn))}
        fresh = drawn - taken
        issued |= fresh
        codes += fresh
    return codes


def _link(db: _Db, pending: list[tuple[str, str]], today: date, now: datetime) -> list[tuple[str, str]]:
    """Link referees to referrers already stored; return the pairs whose referrer is not there yet."""
    if not pending:
        return []
    started = time.perf_counter()
    wanted = [(referee, try_parse_mobile(text) or text) for referee, text in pending]
    db.result.parse_seconds += time.perf_counter() - started
    people = dict(db.select_in("SELECT phone, id FROM customers WHERE phone {in_}",
                               list({p for pair in wanted for p in pair})))
    found = [(people[ref], people[referee]) for referee, ref in wanted if ref in people and referee in people]
    linkable = [(ref_id, referee_id) for ref_id, referee_id in found if ref_id != referee_id]
    db.executemany("UPDATE customers SET referrer_id = ? WHERE id = ? AND referrer_id IS NULL", linkable)
    db.executemany(
        "INSERT INTO referrals (referrer_id, referee_id, source, referred_on, created_at) "
        "SELECT ?, id, 'import', COALESCE(joined_on, ?), ? FROM customers WHERE id = ?",
        [(ref_id, db.value(today), db.value(now), referee_id) for ref_id, referee_id in linkable])
    return [(referee, text) for (referee, text), (_, ref) in zip(pending, wanted) if ref not in people]


def import_holdings(conn, path: Path, now: datetime) -> BareResult:
    db = _Db(conn, isinstance(conn, sqlite3.Connection))
    insert = db.insert_sql("holdings", HOLDING_COLUMNS)
    for batch in _batches(path):
        started = time.perf_counter()
        parsed = {}
        for cells in batch:
            db.result.rows += 1
            try:
                term, start = parse_term(cells[3]), parse_date(cells[4], "start_on")
                parsed[cells[0]] = (parse_mobile(cells[1]), parse_money_fen(cells[2]), term, start, term.add_to(start),
                                    parse_bool(cells[5], "monthly_return"))
            except InvalidValue:
                db.result.rejected += 1
        db.result.parse_seconds += time.perf_counter() - started
        owners = dict(db.select_in("SELECT phone, id FROM customers WHERE phone {in_}", list({v[0] for v in parsed.values()})))
        known = {r for (r,) in db.select_in("SELECT ref FROM holdings WHERE ref {in_}", list(parsed))}
        rows = [tuple(db.value(x) for x in (ref, owners[phone], "", amount, str(term), term.nominal_days, start, maturity,
                                            monthly, now, now))
                for ref, (phone, amount, term, start, maturity, monthly) in parsed.items()
                if ref not in known and phone in owners]
        db.result.rejected += sum(1 for v in parsed.values() if v[0] not in owners)
        db.executemany(insert, rows)
        db.result.imported += len(rows)
    _update_conversions(db)
    return db.result


def _update_conversions(db: _Db) -> None:
    db.result.statements += 1
    db.conn.execute(CONVERSIONS)


def import_movements(conn, path: Path, now: datetime) -> BareResult:
    db = _Db(conn, isinstance(conn, sqlite3.Connection))
    insert = db.insert_sql("movements", MOVEMENT_COLUMNS)
    for batch in _batches(path):
        started = time.perf_counter()
        parsed = {}
        for cells in batch:
            db.result.rows += 1
            try:
                parsed[cells[0]] = (cells[1], parse_kind(cells[2]), parse_date(cells[3]), parse_money_fen(cells[4]))
            except InvalidValue:
                db.result.rejected += 1
        db.result.parse_seconds += time.perf_counter() - started
        holdings = {r[0]: r[1:] for r in db.select_in(
            "SELECT ref, id, customer_id, start_on FROM holdings WHERE ref {in_}", list({v[0] for v in parsed.values()}))}
        known = {r for (r,) in db.select_in("SELECT ref FROM movements WHERE ref {in_}", list(parsed))}
        rows = []
        for ref, (holding, kind, on, amount) in parsed.items():
            found = holdings.get(holding)
            if found is None or str(on) < str(found[2]):
                db.result.rejected += 1
            elif ref not in known:
                rows.append(tuple(db.value(x) for x in (ref, found[0], found[1], kind, on, amount, now)))
        db.executemany(insert, rows)
        db.result.imported += len(rows)
    _update_conversions(db)
    return db.result
