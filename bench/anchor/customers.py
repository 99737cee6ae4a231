"""The anchor's customers import: DuckDB reads and derives, plain sqlite3 writes, one transaction.

    python -m bench.anchor.customers CSV SQLITE_FILE --today YYYY-MM-DD --now ISO-INSTANT

prints one JSON line: the counts, seconds per stage, rows/s and the process's peak RSS (the bench runs it
in its own process, so its memory is not counted as jinli's).

Every column jinli stores is derived set-wise (bench/anchor/sql.py): the phone through a fast path
(separators and +86/0086 stripped, the CN mobile pattern of phonenumbers' own metadata full-matched),
dates checked in SQL, birthday keys computed, animals and star signs joined from lookup tables
(lunar month starts and Spring Festival / 立春 dates asked of the calendar once per year), referral
codes drawn in one random read per import, referrer links joined by phone or unique name. Rows whose
cells are not in the plain form go through jinli's own cell parsers (phonenumbers only there).
The database must exist with jinli's schema and no customers (ids follow the file's order).

What it leaves out, because a fresh database of the bench's file has none of it: existing rows
(updates, taken referral codes), erased phones, pending opt-outs, a referral_code or gender column,
referrer cycles (a walk), the rejects file (rejected rows are counted).
"""

from __future__ import annotations

import argparse
import json
import resource
import secrets
import sqlite3
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
from phonenumbers import PhoneMetadata

from bench.anchor import sql

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # jinli's referral code alphabet: 32 symbols, 5 bits each
CODE_LENGTH = 7
EARLIEST = date(1900, 1, 31)
MAX_NAME, MAX_STORE = 50, 100
FETCH = 20_000  # rows per fetch from DuckDB and per executemany: bounded memory
CACHE_PAGES = -262_144  # SQLite page cache for the writing connection, in KiB (256 MiB)
DUCKDB_MEMORY = "512MB"
OTHER_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail")


@dataclass
class AnchorResult:
    rows: int = 0  # data rows in the file
    imported: int = 0
    rejected: int = 0
    merged: int = 0
    slow_rows: int = 0  # rows that needed the Python fallback
    links: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # read+derive, fallback, codes, write


def phone_patterns(region: str = "CN") -> dict[str, str]:
    """The region's valid-number, mobile and other-type patterns, from phonenumbers' metadata at run time."""
    meta = PhoneMetadata.metadata_for_region(region)
    others = [getattr(meta, t).national_number_pattern for t in OTHER_TYPES
              if getattr(meta, t) is not None and getattr(meta, t).national_number_pattern]
    return {"general": meta.general_desc.national_number_pattern, "mobile": meta.mobile.national_number_pattern,
            "others": "|".join(f"(?:{p})" for p in others) or "[^\\s\\S]"}


def import_customers(csv_path: Path, sqlite_path: Path, today: date, now: datetime) -> AnchorResult:
    """Import the customers CSV into an empty jinli database at ``sqlite_path``."""
    result, con = AnchorResult(), duckdb.connect(config={"memory_limit": DUCKDB_MEMORY, "threads": 2})
    clock = time.perf_counter()
    _derive(con, csv_path, today, result)
    result.seconds["read and derive"] = time.perf_counter() - clock
    clock = time.perf_counter()
    _fallback(con, today, result)
    result.seconds["python fallback"] = time.perf_counter() - clock
    clock = time.perf_counter()
    _finish(con, result)
    codes = _codes(result.imported)
    result.seconds["ids, codes, links"] = time.perf_counter() - clock
    clock = time.perf_counter()
    _write(con, sqlite_path, now, codes)
    result.seconds["sqlite write"] = time.perf_counter() - clock
    con.close()
    return result


def _derive(con, csv_path: Path, today: date, result: AnchorResult) -> None:
    params = {"today": today, "earliest": EARLIEST, "max_name": MAX_NAME, "max_store": MAX_STORE}
    patterns = {k: v.replace("'", "''") for k, v in phone_patterns().items()}
    con.execute(sql.READ, {"path": str(csv_path)})
    national = {name: sql.NATIONAL.format(cell=name) for name in ("phone", "referrer")}
    con.execute(sql.CELLS.format(national_phone=national["phone"], national_referrer=national["referrer"],
                                 solar=sql.in_list(sql.SOLAR_WORDS), lunar=sql.in_list(sql.LUNAR_WORDS), iso=sql.ISO_DATE),
                {"today": today})
    _lunar_months(con)
    con.execute(sql.DERIVED.format(fast_phone=sql.FAST_MOBILE.format(n="national", **patterns),
                                   fast_referrer=sql.FAST_MOBILE.format(n="ref_national", **patterns), ws=sql.PY_SPACE),
                params)
    result.rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]


def _lunar_months(con) -> None:
    """(lunar year, month, leap, first solar day, length) for the lunar years the file names."""
    from domain import lunar

    years = [y for (y,) in con.execute(
        "SELECT DISTINCT TRY_CAST(substr(b_iso, 1, 4) AS INTEGER) FROM cells WHERE cal = 'lunar' AND b_iso IS NOT NULL")
        .fetchall() if y is not None and lunar.FIRST_YEAR <= y <= lunar.LAST_YEAR]
    rows = []
    for year in years:
        leap = lunar.leap_month(year)
        for month, is_leap in [(m, False) for m in range(1, 13)] + ([(leap, True)] if leap else []):
            rows.append((year, month, is_leap, lunar.to_solar(year, month, 1, is_leap), lunar.month_length(year, month, is_leap)))
    _table(con, "lunar_months", ("year INTEGER", "month INTEGER", "leap BOOLEAN", "first DATE", "length INTEGER"), rows)


def _table(con, name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """A small lookup table from Python rows, in one statement (lists unnested column-wise)."""
    names = [c.split()[0] for c in columns]
    select = ", ".join(f"unnest(${i + 1}::{c.split()[1]}[]) AS {n}" for i, (n, c) in enumerate(zip(names, columns)))
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {select}", [list(col) for col in zip(*rows)] if rows else
                [[] for _ in columns])


def _fallback(con, today: date, result: AnchorResult) -> None:
    """Rows not in the plain form: jinli's own cell parsers (phonenumbers, lunar text, full-width…)."""
    slow = con.execute(sql.SLOW).fetchall()
    result.slow_rows = len(slow)
    good = []
    for line, *cells in slow:
        row = _parse_slow(cells, today)
        if row is None:
            result.rejected += 1
        else:
            good.append((line, *row))
    if good:
        con.executemany("INSERT INTO derived VALUES (" + ", ".join(["?"] * 13) + ")", good)


def _parse_slow(cells: list[str], today: date) -> tuple | None:
    from errors import InvalidValue
    from records.bounds import Bounds, refuse_nul
    from records.importing import birth_columns, phone_cell_or_text
    from records.parsing import phone_cell
    from domain.phone import parse_mobile, try_parse_mobile

    phone, name, birthday, calendar, leap, store, joined_on, referrer = (
        c.strip() if k in (1, 5) else unicodedata.normalize("NFKC", c.strip()).strip() for k, c in enumerate(cells))
    bounds = Bounds(today)
    try:
        refuse_nul({"c": "".join(cells)})
        if len(store) > MAX_STORE:
            raise InvalidValue("store too long")
        b = birth_columns(birthday, calendar, leap)
        bounds.born_on(b.get("born_on"))
        row = (parse_mobile(phone_cell(phone)), bounds.name(name), store,
               bounds.past_date(joined_on, "joined_on") if joined_on else today, b.get("birth_calendar"),
               b.get("birth_year"), b.get("birth_month"), b.get("birth_day"), b.get("birth_leap", False),
               b.get("born_on"), b.get("birthday_key"))
    except InvalidValue:
        return None
    text = phone_cell_or_text(referrer)
    return (*row, (try_parse_mobile(text) or text) if text else None)


def _finish(con, result: AnchorResult) -> None:
    _years(con)
    con.execute(sql.FINAL.format(star_sign=sql.star_sign_case()))
    result.imported = con.execute("SELECT count(*) FROM final").fetchone()[0]
    result.merged = con.execute("SELECT count(*) FROM derived").fetchone()[0] - result.imported
    con.execute(sql.LINKS)
    result.links = con.execute("SELECT count(*) FROM links").fetchone()[0]


def _years(con) -> None:
    """(solar year, its Spring Festival, its 立春) for the years of birth in the file."""
    from domain import lunar

    years = [y for (y,) in con.execute("SELECT DISTINCT year(born_on) FROM derived WHERE born_on IS NOT NULL").fetchall()]
    _table(con, "years", ("year INTEGER", "spring_festival DATE", "lichun DATE"),
           [(y, lunar.spring_festival(y), lunar.lichun(y)) for y in years])


def _codes(count: int) -> list[str]:
    """``count`` distinct referral codes from one read of the OS's randomness (redraws the rare repeats)."""
    codes = _draw(count)
    while True:
        unique, first = np.unique(codes, return_index=True)
        if len(unique) == count:
            break
        repeated = np.setdiff1d(np.arange(count), first)
        codes[repeated] = _draw(len(repeated))
    return codes.tolist()


def _draw(count: int) -> np.ndarray:
    symbols = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    picks = np.frombuffer(secrets.token_bytes(count * CODE_LENGTH), dtype=np.uint8) & 31  # 256 = 8 × 32: unbiased
    return symbols[picks].view(f"S{CODE_LENGTH}").astype(str).ravel()


def _write(con, sqlite_path: Path, now: datetime, codes: list[str]) -> None:
    """Customers (code i to id i) and referrals in one transaction; the secondary indexes of the empty
    table are dropped first and built once at the end (a sort instead of a million random inserts)."""
    stamp = now.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
    columns = (*sql.OUT_COLUMNS, "referral_code", "phone_status", "opted_out", "tier", "tier_score", "created_at", "updated_at")
    insert = f"INSERT INTO customers ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})"
    fixed = ("ok", 0, "P", 0, stamp, stamp)
    db = sqlite3.connect(sqlite_path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", f"cache_size={CACHE_PAGES}"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("BEGIN")
    db.execute("PRAGMA defer_foreign_keys=ON")  # a referrer may come later in the file than its referee
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' "
                         "AND sql IS NOT NULL").fetchall()  # not the UNIQUE constraints' own indexes
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    cursor = con.execute(sql.OUT)
    while rows := cursor.fetchmany(FETCH):
        db.executemany(insert, [(*row, codes[row[0] - 1], *fixed) for row in rows])
    for _, statement in indexes:
        db.execute(statement)
    links = con.execute(sql.REFERRALS).fetchall()
    db.executemany("INSERT INTO referrals (referrer_id, referee_id, source, referred_on, created_at) "
                   "VALUES (?, ?, 'import', ?, ?)", [(*link, stamp) for link in links])
    db.execute("COMMIT")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("sqlite", type=Path)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    parser.add_argument("--now", type=datetime.fromisoformat, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    result = import_customers(args.csv, args.sqlite, args.today, args.now)
    seconds = time.perf_counter() - started
    print(json.dumps({**asdict(result), "total_seconds": seconds, "rows_per_second": result.rows / seconds,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
