"""`jinli import customers|holdings|movements`: validate every row, upsert in batches, reject loudly.

Files are CSV or Excel workbooks (``records.sheets`` reads both into the same rows).
The whole file is one transaction: a file that cannot be read to the end changes nothing. A row that
fails validation goes to the rejects file with its row number and reason and the rest goes on.
An empty cell never erases a stored value; re-importing the same file changes nothing.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import Connection, Engine, Table, bindparam, select, update

from errors import InvalidValue
from messaging.optouts import apply_pending_opt_outs
from records import models, reasons, referrals, referrer_links
from records.bulk import among, bulk_inserter
from records.db import bulk_cache, indexes_built_after, no_jit, refresh_statistics
from records.bounds import Bounds, check_lengths, column_length, refuse_nul
from records.codes import new_codes, normalise_code
from records.erased_phones import ErasedCheck
from records.birthday_text import parse_birthday
from records.rejects import rejects_for
from records.headers import Column
from records.parsing import parse_bool, parse_gender, parse_kind, phone_cell, yuan
from records.sheets import ImportSummary, Row, open_sheet
from records.terms import parse_term
from domain.phone import parse_mobile
from domain.birthdays import birthday_key, validate_birth
from domain.starsigns import star_sign
from domain.zodiac import birth_branch
from settings import ImportSettings

BATCH = 2000
REFERRAL_CODE_LENGTH = 7

customers_t: Table = models.Customer.__table__
holdings_t: Table = models.Holding.__table__
movements_t: Table = models.Movement.__table__

CUSTOMER_COLUMNS = (
    Column("phone", ("mobile", "手机", "手机号", "手机号码", "电话", "电话号码", "联系电话", "联系方式"), required=True),
    Column("name", ("姓名", "名字"), required=True, kind="free"),
    Column("birthday", ("birth_date", "生日", "出生日期", "出生年月日"), kind="date"),
    Column("calendar", ("birthday_calendar", "历法", "生日历法")),
    Column("leap", ("leap_month", "闰月")),
    Column("store", ("branch", "门店", "网点", "所属网点"), kind="free"),
    Column("joined_on", ("join_date", "入会日期", "开户日期"), kind="date"),
    Column("referrer", ("referred_by", "推荐人", "介绍人", "推荐人手机", "推荐人手机号")),
    Column("referral_code", ("推荐码",)),
    Column("gender", ("性别", "sex")),
)
HOLDING_COLUMNS = (
    Column("holding_id", ("合同号", "持有编号"), required=True),
    Column("phone", ("mobile", "手机", "手机号", "手机号码", "电话", "联系电话"), required=True),
    Column("amount", ("金额", "入金金额"), required=True),
    Column("term", ("期限",), required=True),
    Column("start_on", ("start_date", "起息日", "开始日期"), required=True, kind="date"),
    Column("maturity_on", ("maturity_date", "到期日"), kind="date"),
    Column("monthly_return", ("月月返",)),
    Column("product", ("产品", "产品名称"), kind="free"),
)
MOVEMENT_COLUMNS = (
    Column("movement_id", ("流水号",), required=True),
    Column("holding_id", ("合同号", "持有编号"), required=True),
    Column("kind", ("type", "类型"), required=True),
    Column("on", ("date", "日期"), required=True, kind="date"),
    Column("amount", ("金额",), required=True),
)
YEAR_COLUMNS = ("birth_year", "born_on", "animal_sf", "animal_lc", "star_sign")  # known only with the birth year
BIRTH_COLUMNS = ("birth_calendar", "birth_year", "birth_month", "birth_day", "birth_leap", "born_on", "birthday_key",
                 "animal_sf", "animal_lc", "star_sign")
# A new customer's columns, in the order the bulk inserter takes them; a column a row leaves out gets its default.
NEW_CUSTOMER_DEFAULTS = {"phone": None, "name": None, "store": "", "gender": None, "joined_on": None,
                         "referral_code": None, **{c: None for c in BIRTH_COLUMNS}, "birth_leap": False,
                         "referrer_id": None}
COLUMNS = {"customers": CUSTOMER_COLUMNS, "holdings": HOLDING_COLUMNS, "movements": MOVEMENT_COLUMNS}


@dataclass(frozen=True)
class ImportOptions:
    region: str = "CN"
    encoding: str | None = None  # None: detected (records.encodings)
    rejects_path: Path | None = None
    sheet: str | None = None  # an Excel workbook's sheet (default: the first)
    mapping: dict[str, str] | None = None  # header key -> column, from --map and [import] columns
    dry_run: bool = False
    today: date | None = None  # the import day (the app clock's day in the shop's time zone)
    now: datetime | None = None
    limits: ImportSettings = ImportSettings()
    language: str = "zh"  # of the reject reasons and warnings ([site] language)


def import_file(engine: Engine, kind: str, path: Path, options: ImportOptions,
                progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    """Import one spreadsheet (CSV or Excel) of ``kind`` (customers, holdings or movements) in a single
    transaction; a dry run rolls it back and writes no file."""
    importer = {"customers": CustomerImporter, "holdings": HoldingImporter, "movements": MovementImporter}[kind]
    sheet = open_sheet(Path(path), importer.columns, encoding=options.encoding, sheet=options.sheet,
                       mapping=options.mapping)
    summary = ImportSummary(dry_run=options.dry_run)
    rejects = rejects_for(sheet, options)
    with engine.connect() as conn, rejects, bulk_cache(conn):
        with conn.begin() as transaction:
            no_jit(conn)
            job = importer(conn, options, summary, rejects)
            try:
                with indexes_built_after(conn, job.table.name, job.built_after):
                    for batch in _batches(sheet.rows()):
                        job.run_batch(batch)
                        if progress:
                            progress(sheet.position, sheet.size)
                    job.settle()
            finally:
                job.close()  # a batch still being written finishes before the transaction ends, even on error
            job.finish()
            job.after_import()
            refresh_statistics(conn, job.written_tables, summary.imported + summary.updated)
            if options.dry_run:
                transaction.rollback()
    summary.rejected = rejects.count - summary.warnings
    summary.rejects_path = rejects.path if rejects.count and not options.dry_run else None
    summary.ignored_columns = sheet.ignored
    summary.preview = getattr(rejects, "lines", [])
    return summary


def _batches(rows: Iterable[Row]) -> Iterable[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class _Importer:
    columns: tuple[Column, ...] = ()
    table: Table
    key: str = "ref"
    new_columns: dict[str, object] = {}  # a new row's columns, each with its value when the row leaves it out
    labels: dict[str, str] = {}  # a value's name in the file, where it differs from the column's
    # PostgreSQL: a batch's new rows are written on a second thread while the next batch is parsed, for
    # importers whose batch reads nothing it has just inserted (the next batch waits for them first).
    # Such importers also look ahead: a batch's look-ups run on that thread, after the previous batch's
    # rows, while the following batch is parsed (``_run_ahead``).
    overlap = False
    # Plain indexes the import never reads: on SQLite, into an empty table, built once at the end
    # (records.db.indexes_built_after; the bench's million customers: README, Benchmarks).
    built_after: tuple[str, ...] = ()

    def __init__(self, conn: Connection, options: ImportOptions, summary: ImportSummary, rejects):
        self.conn, self.options, self.summary, self.rejects = conn, options, summary, rejects
        self.now = options.now or datetime.now(timezone.utc)
        self.today = options.today or self.now.date()
        self.bounds = Bounds(self.today, options.limits)
        self.inserter = None  # BulkInserter or CopyInserter, made on the first new row
        self.executor: ThreadPoolExecutor | None = None
        self.writing: Future | None = None  # the previous batch's rows, still being written
        self.ahead: tuple[dict, Future] | None = None  # a parsed batch and its look-ups, still running
        self.closed = False  # every row read: writes are made at once

    def run_batch(self, batch: list[Row]) -> None:
        """Validate each row, then write the batch; a phone or ref seen twice keeps its last row."""
        if self.overlap and self.conn.dialect.name == "postgresql":
            self._run_ahead(batch)
            return
        parsed = self.parse_batch(batch)
        self.settle()  # the previous batch's new rows are in before this batch looks anything up
        self.resolve(parsed)
        self.write(parsed)

    def parse_batch(self, batch: list[Row]) -> dict[str, tuple[Row, dict]]:
        """Each valid row's values by key (the last row of a key wins); invalid rows go to the rejects."""
        parsed: dict[str, tuple[Row, dict]] = {}
        for row in batch:
            try:
                values = self.validate(row)
            except InvalidValue as exc:
                self.rejects.add(row.number, reasons.of_error(self.options.language, exc), row.raw)
                continue
            if note := values.pop("_warning", None):
                self.warn(row, note)
            if values[self.key] in parsed:
                self.summary.merged += 1
            parsed[values[self.key]] = (row, values)
        return parsed

    def _run_ahead(self, batch: list[Row]) -> None:
        """Parse this batch while the writer thread looks up the previous one, then finish the previous one
        and queue this one's look-ups behind its rows. This batch's rejects wait for the previous batch's,
        so the rejects file lists them in the order one batch at a time gives."""
        rejects, self.rejects = self.rejects, _HeldRejects()
        try:
            parsed = self.parse_batch(batch)
        finally:
            held, self.rejects = self.rejects, rejects
        self._finish_ahead()
        held.replay(self.rejects)
        self.executor = self.executor or ThreadPoolExecutor(1, thread_name_prefix="jinli-import")
        self.ahead = (parsed, self.executor.submit(self._look_up, parsed))

    def _look_up(self, parsed: dict) -> tuple[dict, dict]:
        """A batch's look-ups: what its rows refer to, and the rows it already has in the table."""
        return self.referred(parsed), self._existing(list(parsed))

    def _finish_ahead(self) -> None:
        """Resolve and write the batch whose look-ups were queued; raises what its writes or look-ups raised."""
        if self.ahead is None:
            return
        (parsed, looking), self.ahead = self.ahead, None
        self.settle()
        referred, existing = looking.result()
        self.resolve(parsed, referred)
        self.write(parsed, existing)

    def settle(self) -> None:
        """Wait until the previous batch's new rows are written; raises what writing them raised."""
        self._finish_ahead()
        writing, self.writing = self.writing, None
        if writing is not None:
            writing.result()

    def later(self, fn: Callable[..., None], *args) -> None:
        """Run ``fn(*args)`` on the writer thread; the next ``settle`` waits for it. Once the rows are all
        read (``close``), at once: the end of the file (``finish``) and the commit read what it writes."""
        self.settle()
        if self.closed:
            fn(*args)
            return
        self.executor = self.executor or ThreadPoolExecutor(1, thread_name_prefix="jinli-import")
        self.writing = self.executor.submit(fn, *args)

    def close(self) -> None:
        """Stop the writer thread once any write still running has ended (its error is settle's to raise)."""
        self.closed = True
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None

    def validate(self, row: Row) -> dict:
        """The row's values to store; InvalidValue names the first cell that cannot be stored."""
        refuse_nul(row.values)
        values = self.parse(row)
        check_lengths(self.table, values, self.labels)
        return values

    def warn(self, row: Row, message: str) -> None:
        """The row is imported; the rejects file says what looks wrong with it."""
        self.rejects.add(row.number, reasons.warning(self.options.language, message), row.raw)
        self.summary.warnings += 1

    def referred(self, parsed: dict[str, tuple[Row, dict]]) -> dict:
        """What the rows refer to (customers, holdings), read from the database."""
        return {}

    def resolve(self, parsed: dict[str, tuple[Row, dict]], referred: dict | None = None) -> None:
        """Attach what rows refer to (``referred``, else looked up); reject rows whose target is missing."""

    def reject(self, parsed: dict, key: str, reason: str, said: str = "", **values) -> None:
        """Reject a parsed row: ``reason`` in English, said in the site's language by catalogue key ``said``."""
        row, _ = parsed.pop(key)
        self.rejects.add(row.number, reasons.say(self.options.language, said, reason, **values) if said else reason,
                         row.raw)

    def write(self, parsed: dict[str, tuple[Row, dict]], existing: dict[str, dict] | None = None) -> None:
        """Update the rows that changed, insert the new ones; ``existing``: the stored rows by key, if read already."""
        existing = self._existing(list(parsed)) if existing is None else existing
        new, changed = [], []
        for key, (_row, values) in parsed.items():
            current = existing.get(key)
            if current is None:
                new.append(self.complete_new(values))
                continue
            cleared = self.cleared(values, current)
            given = {c: v for c, v in values.items() if v is not None or c in cleared}
            if any(current[c] != v for c, v in given.items() if c in current):
                changed.append({**given, "_id": current["id"]})
            else:
                self.summary.unchanged += 1
        self._update(changed)  # first: the insert may still be running when write returns
        self._insert(new)

    def cleared(self, values: dict, current: dict) -> tuple[str, ...]:
        """Columns this row empties on purpose (an empty cell never does)."""
        return ()

    @property
    def written_tables(self) -> list[str]:
        """The tables an import of this kind writes rows into."""
        return [self.table.name, "referrals"] if self.table is customers_t else [self.table.name]

    def _existing(self, keys: list[str]) -> dict[str, dict]:
        if not keys:
            return {}
        rows = self.conn.execute(select(self.table).where(among(self.conn, self.table.c[self.key], keys))).mappings()
        return {row[self.key]: dict(row) for row in rows}

    def complete_new(self, values: dict) -> dict:
        return {**{c: v for c, v in values.items() if v is not None}, "created_at": self.now, "updated_at": self.now}

    def _insert(self, rows: list[dict]) -> None:
        """New rows through one compiled INSERT with plain tuples (COPY on PostgreSQL), not a dict per row."""
        if self.inserter is None:
            common = {c: self.now for c in ("created_at", "updated_at") if c in self.table.c}
            self.inserter = bulk_inserter(self.conn, self.table, common, tuple(self.new_columns), batch=2 * BATCH,
                                          ignore_conflicts=False)  # flushed here, once per batch
        for row in rows:
            self.inserter.add([row.get(column, default) for column, default in self.new_columns.items()])
        if self.overlap and self.conn.dialect.name == "postgresql":
            self.later(self.inserter.flush)
        else:
            self.inserter.flush()  # the next look-ups (links, holdings of movements, erased phones) read them
        self.summary.imported += len(rows)

    def _update(self, rows: list[dict]) -> None:
        for chunk in _same_shape(rows):
            columns = {c: bindparam(c) for c in chunk[0] if c != "_id"}
            if "updated_at" in self.table.c:
                columns["updated_at"] = bindparam("_now")
            stmt = update(self.table).where(self.table.c.id == bindparam("_id")).values(columns)
            self.conn.execute(stmt, [{**r, "_now": self.now} for r in chunk])
        self.summary.updated += len(rows)

    def finish(self) -> None:
        """Work left for the end of the file (referrers named before they were imported)."""

    def after_import(self) -> None:
        """Derived records to bring up to date once the file is in (same transaction)."""
        if self.table is not customers_t:
            referrals.update_conversions(self.conn)  # a referee's first deposit converts the referral


class _HeldRejects:
    """Rejects and warnings kept back, to be added to the real rejects later in the same order."""

    def __init__(self) -> None:
        self.held: list[tuple[int, str, list]] = []

    def add(self, row_number: int, reason: str, raw: list) -> None:
        self.held.append((row_number, reason, raw))

    def replay(self, rejects) -> None:
        for row_number, reason, raw in self.held:
            rejects.add(row_number, reason, raw)


def _same_shape(rows: list[dict]) -> list[list[dict]]:
    """Group rows by their set of keys: one executemany needs the same columns in every row."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


class CustomerImporter(_Importer):
    columns = CUSTOMER_COLUMNS
    table = customers_t
    built_after = ("ix_customers_birthday_key", "ix_customers_lucky", "ix_customers_lucky_lichun")  # not referrer_id: links read it
    key = "phone"
    new_columns = NEW_CUSTOMER_DEFAULTS

    def __init__(self, *args):
        super().__init__(*args)
        self.links = referrer_links.PendingReferrers(self.conn, self.options.region, self.today, self.now,
                                                     self.options.language)
        self.erased = ErasedCheck.load(self.conn)  # an erased, opted-out number imported again stays opted out
        if self.conn.dialect.name == "postgresql":
            self.links.later = self.later

    def parse(self, row: Row) -> dict:
        v = row.values
        values = {
            "phone": parse_mobile(phone_cell(v["phone"]), self.options.region),
            "name": self.bounds.name(v["name"]),
            "store": v.get("store") or None,
            "joined_on": self.bounds.past_date(v["joined_on"], "joined_on") if v.get("joined_on") else None,
            "referral_code": normalise_code(v["referral_code"]) if v.get("referral_code") else None,
            "gender": parse_gender(v.get("gender", "")),
            **birth_columns(v.get("birthday", ""), v.get("calendar", ""), v.get("leap", "")),
        }
        self.bounds.born_on(values.get("born_on"))
        values["_referrer"] = phone_cell_or_text(v.get("referrer", "")) or None
        if values.get("birthday_key") is not None and values.get("birth_year") is None:
            values["_warning"] = reasons.say(
                self.options.language, "warn_birthday_no_year", f"birthday {v['birthday']!r} has no year: it is "
                "celebrated every year; without a year on file, zodiac and age campaigns skip this customer", raw=v["birthday"])
        return values

    def write(self, parsed: dict[str, tuple[Row, dict]]) -> None:
        self._reject_taken_codes(parsed)  # first: a rejected row must not leave a referrer link behind
        for key, (row, values) in list(parsed.items()):
            self.links.add(key, values.pop("_referrer"), row)
        super().write(parsed)
        self.erased.apply(self.conn, list(parsed), self.now)
        self.links.resolve_known(self.rejects, self.summary)

    def cleared(self, values: dict, current: dict) -> tuple[str, ...]:
        """A new lunar birthday without a year empties the old birthday's year and what followed from it;
        the same month and day without the year keeps the year already known."""
        key = values.get("birthday_key")
        if key is not None and values.get("birth_year") is None and current["birthday_key"] != key:
            return YEAR_COLUMNS
        if key is not None and values.get("birth_year") is None:
            for column in YEAR_COLUMNS:
                values.pop(column, None)
        return ()

    def _reject_taken_codes(self, parsed: dict) -> None:
        wanted: dict[str, str] = {}
        for key, (row, values) in list(parsed.items()):
            code = values["referral_code"]
            if code and code in wanted:
                first = parsed[wanted[code]][0].number
                self.reject(parsed, key, f"referral code {code!r} is already given to line {first} of this file",
                            "reject_code_in_file", code=code, line=first)
            elif code:
                wanted[code] = key
        if not wanted:
            return
        owners = self.conn.execute(
            select(customers_t.c.referral_code, customers_t.c.phone).where(among(self.conn, customers_t.c.referral_code, wanted))
        )
        for code, phone in owners:
            if phone != wanted[code]:
                self.reject(parsed, wanted[code], f"referral code {code!r} already belongs to another customer",
                            "reject_code_taken", code=code)

    def complete_new(self, values: dict) -> dict:
        row = super().complete_new(values)
        row.setdefault("joined_on", self.today)
        row.setdefault("store", "")
        return row

    def _insert(self, rows: list[dict]) -> None:
        """Referral codes first: drawn for the rows without one, unique in the table and among ``rows``; then
        the referrers already in the table, set in the rows (their UPDATE took 8.2 s of a 1 M import)."""
        given = {row["referral_code"] for row in rows if row.get("referral_code")}
        _assign_codes(self.conn, [row for row in rows if not row.get("referral_code")], given)
        self.links.link_at_insert(rows)  # after the codes: a text that a drawn code matches waits for resolve_known
        super()._insert(rows)

    def finish(self) -> None:
        self.links.resolve_remaining(self.rejects, self.summary)
        apply_pending_opt_outs(self.conn)  # a 退订 that arrived before the number was a customer wins


def _assign_codes(conn: Connection, rows: list[dict], given: set[str]) -> None:
    """Give each row a fresh referral code: drawn at random, checked against the table in one query
    and against the codes ``given`` in the file's rows inserted alongside."""
    while rows:
        for row, code in zip(rows, new_codes(len(rows), REFERRAL_CODE_LENGTH)):
            row["referral_code"] = code
        drawn = [row["referral_code"] for row in rows]
        taken = set(conn.execute(select(customers_t.c.referral_code).where(among(conn, customers_t.c.referral_code, drawn))).scalars())
        repeated = {code for code, n in Counter(drawn).items() if n > 1}
        rows = [row for row in rows if row["referral_code"] in taken | repeated | given]


def birth_columns(text: str, calendar_text: str, leap_text: str) -> dict:
    """The stored birthday columns (calendar, date, derived keys); none when no birthday is given.

    A lunar birthday without a year stores no year, no solar date, animal or star sign: planning by
    birthday key still finds it, zodiac audiences (which select by animal) never do."""
    if not text:
        return {}
    return dict(_birth_columns(text, calendar_text, leap_text))  # a copy: callers pop from it


@lru_cache(maxsize=65_536)
def _birth_columns(text: str, calendar_text: str, leap_text: str) -> dict:
    """birth_columns of a non-empty birthday, remembered: a shop's birthdays repeat (about 19,000 days in
    53 years of births), and parsing plus the calendars were a fifth of a customers import.
    An invalid birthday raises every time (lru_cache keeps no exceptions)."""
    birth = parse_birthday(text, calendar_text, leap_text)
    born_on = validate_birth(birth)
    return {
        "birth_calendar": birth.calendar, "birth_year": birth.year, "birth_month": birth.month,
        "birth_day": birth.day, "birth_leap": birth.leap, "born_on": born_on, "birthday_key": birthday_key(birth),
        "animal_sf": birth_branch(born_on, "spring_festival") if born_on else None,
        "animal_lc": birth_branch(born_on, "lichun") if born_on else None,
        "star_sign": star_sign(born_on) if born_on else None,
    }


def phone_cell_or_text(text: str) -> str:
    """A referrer cell: a whole number Excel stored as a float loses its ``.0``; anything else as written."""
    try:
        return phone_cell(text)
    except InvalidValue:
        return text


class HoldingImporter(_Importer):
    columns = HOLDING_COLUMNS
    table = holdings_t
    built_after = ("ix_holdings_customer_id", "ix_holdings_maturity_on", "ix_holdings_monthly_return_day")
    new_columns = {"ref": None, "customer_id": None, "product": "", "amount_fen": None, "term": None, "term_days": None,
                   "start_on": None, "maturity_on": None, "monthly_return": False}
    labels = {"ref": "holding_id"}
    overlap = True

    def parse(self, row: Row) -> dict:
        v = row.values
        if not v["holding_id"]:
            raise InvalidValue("holding_id is empty",
                               key="reject_empty", what="holding_id")
        term = parse_term(v["term"])
        start = self.bounds.start(v["start_on"])
        maturity = term.add_to(start)
        if v.get("maturity_on") and self.bounds.date(v["maturity_on"], "maturity_on") != maturity:
            raise InvalidValue(f"maturity_on {v['maturity_on']!r} is not start + term ({maturity.isoformat()})",
                               key="reject_maturity", value=v["maturity_on"], expected=maturity.isoformat())
        return {
            "ref": v["holding_id"], "_phone": parse_mobile(phone_cell(v["phone"]), self.options.region),
            "amount_fen": self.bounds.amount_fen(v["amount"]), "term": str(term), "term_days": term.nominal_days,
            "start_on": start, "maturity_on": maturity, "product": v.get("product") or None,
            "monthly_return": parse_bool(v.get("monthly_return", ""), "monthly_return"),
        }

    def referred(self, parsed: dict) -> dict:
        """Customer ids by phone."""
        phones = {values["_phone"] for _r, values in parsed.values()}
        return dict(self.conn.execute(select(customers_t.c.phone, customers_t.c.id).where(among(self.conn, customers_t.c.phone, phones))).all())

    def resolve(self, parsed: dict, referred: dict | None = None) -> None:
        ids = self.referred(parsed) if referred is None else referred
        for key, (_row, values) in list(parsed.items()):
            phone = values.pop("_phone")
            if phone not in ids:
                self.reject(parsed, key, f"no customer with phone {phone} (import customers first)",
                            "reject_no_customer", phone=phone)
            else:
                values["customer_id"] = ids[phone]


class MovementImporter(_Importer):
    columns = MOVEMENT_COLUMNS
    table = movements_t
    built_after = ("ix_movements_holding_id", "ix_movements_customer_kind_on")
    new_columns = {"ref": None, "holding_id": None, "customer_id": None, "kind": None, "on": None, "amount_fen": None}
    labels = {"ref": "movement_id"}
    overlap = True

    def parse(self, row: Row) -> dict:
        v = row.values
        if not v["movement_id"]:
            raise InvalidValue("movement_id is empty",
                               key="reject_empty", what="movement_id")
        if len(v["holding_id"]) > column_length(holdings_t, "ref"):
            raise InvalidValue(f"holding_id is {len(v['holding_id'])} characters long: at most {column_length(holdings_t, 'ref')}",
                               key="reject_too_long", what="holding_id", length=len(v["holding_id"]), max=column_length(holdings_t, "ref"))
        return {
            "ref": v["movement_id"], "_holding": v["holding_id"], "kind": parse_kind(v["kind"]),
            "on": self.bounds.past_date(v["on"], "date"), "amount_fen": self.bounds.amount_fen(v["amount"]),
        }

    def referred(self, parsed: dict) -> dict:
        """Holdings by ref."""
        refs = {values["_holding"] for _r, values in parsed.values()}
        h = holdings_t.c
        return {row.ref: row for row in self.conn.execute(
            select(h.ref, h.id, h.customer_id, h.start_on, h.amount_fen).where(among(self.conn, h.ref, refs)))}

    def resolve(self, parsed: dict, referred: dict | None = None) -> None:
        found = self.referred(parsed) if referred is None else referred
        for key, (row, values) in list(parsed.items()):
            ref = values.pop("_holding")
            holding = found.get(ref)
            if holding is None:
                self.reject(parsed, key, f"no holding {ref!r} (import holdings first)", "reject_no_holding", ref=ref)
            elif values["on"] < holding.start_on:
                self.reject(parsed, key, f"date {values['on']} is before holding {ref!r} started ({holding.start_on})",
                            "reject_before_holding", on=values["on"], ref=ref, start=holding.start_on)
            else:
                values["holding_id"], values["customer_id"] = holding.id, holding.customer_id
                self._check_withdrawal(row, values, holding)

    def _check_withdrawal(self, row: Row, values: dict, holding) -> None:
        if values["kind"] == "withdrawal" and values["amount_fen"] > holding.amount_fen:
            self.warn(row, f"withdrawal of {yuan(values['amount_fen'])} yuan is larger than holding {holding.ref!r}'s "
                           f"principal of {yuan(holding.amount_fen)} yuan")

    def complete_new(self, values: dict) -> dict:
        return {**values, "created_at": self.now}
