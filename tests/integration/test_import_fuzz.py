"""Random files through `jinli import`: never exit 70, never a traceback, a refused file changes nothing,
and an imported file accounts for each of its data rows (imported, updated, unchanged, rejected or merged)."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import textwrap
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import create_engine, select
from sqlmodel import SQLModel

from records import models  # noqa: F401  (the tables, in SQLModel.metadata)

from records.encodings import encoding_of
from records.importing import CUSTOMER_COLUMNS, HOLDING_COLUMNS, MOVEMENT_COLUMNS
from tests.conftest import database_url_for

NOW = "2025-06-02T09:00+08:00"
COLUMNS = {"customers": CUSTOMER_COLUMNS, "holdings": HOLDING_COLUMNS, "movements": MOVEMENT_COLUMNS}
SEEDS = {
    "customers": "phone,name\n13800000001,王芳\n13800000002,李娜\n13800000003,张伟\n",
    "holdings": "holding_id,phone,amount,term,start_on\nH1,13800000001,10000,1y,2025-01-01\n"
                "H2,13800000002,50000,6m,2025-03-01\nH3,13800000003,20000,2m,2024-12-31\n",
}
SUMMARY = re.compile(r"新增 (\d+)，更新 (\d+)，未变 (\d+)，拒绝 (\d+)(?:，警告 \d+)?(?:，合并 (\d+))?")
ODD = ["", " ", "NaN", "Infinity", "-inf", "1e30", "99999999999999999999", "0", "-5", "100000000.01", "5万", "¥1,000.50",
       "9999-12-31", "0001-01-01", "1900-01-30", "2025-02-29", "2025-06-03", "2026-06-03", "2025/6/2", "20250602",
       "9999y", "0m", "98d", "1y", "半年", "lunar", "农历", "闰月", "是", "withdrawal", "出金", "top_up",
       "=1+2", "'=1+2", "@SUM(A1)", "+8613800000001", "13800000001", "138 0000 0002", "02112345678", "H1", "H2", "M1",
       "WANGFANG", "wangfang", "\x00", "a\x00b", '"', 'a"b', '"王', "\n", "王\n李", "\r", "王" * 51, "店" * 101, "A" * 65]


PHONES = st.sampled_from(["13800000001", "+86 138 0000 0002", "138-0000-0003", "13800000004", "8613800000005"])
DATES = st.dates(min_value=date(1950, 1, 1), max_value=date(2025, 6, 2)).map(date.isoformat)
RECENT = st.dates(min_value=date(2025, 3, 1), max_value=date(2025, 6, 2)).map(date.isoformat)
HOSTILE_AMOUNTS = st.sampled_from(["NaN", "Infinity", "1e30", "99999999999999999999", "0", "100000000.01"])
VALID = {  # values that belong in the column, hostile ones among them (the values that once aborted a file)
    "phone": PHONES, "referrer": PHONES, "name": st.sampled_from(["王芳", "李娜", "-小王", "=1+2", "'@x"]),
    "birthday": DATES, "calendar": st.sampled_from(["", "solar", "农历"]), "leap": st.sampled_from(["", "否", "是"]),
    "store": st.sampled_from(["", "南京路店", "店" * 101, "南京\x00路店"]), "joined_on": DATES, "referral_code": st.sampled_from(["WANGFANG", "wangfang", "LINA", "A" * 17]) | st.from_regex(r"[A-Z2-9]{4,8}", fullmatch=True),
    "holding_id": st.sampled_from(["H1", "H2", "H4", "H5"]), "amount": st.integers(1, 200_000).map(str) | HOSTILE_AMOUNTS,
    "term": st.sampled_from(["98d", "2m", "6m", "1y", "两个月", "9999y"]),
    "start_on": DATES | st.sampled_from(["9999-06-01", "0001-01-01"]), "maturity_on": st.just(""),
    "monthly_return": st.sampled_from(["", "是", "否"]), "product": st.text(max_size=10),
    "movement_id": st.sampled_from(["M1", "M2", "M3", "M4"]), "kind": st.sampled_from(["入金", "加金", "出金", "withdrawal"]),
    "on": RECENT, "gender": st.sampled_from(["", "男", "女", "F", "male", "未知", "女士"]),
}


def header(kind: str):
    """(header text, column name) pairs from the real names and aliases: any order, any case, a column
    sometimes left out, sometimes an extra column."""
    def named(column):
        return st.sampled_from((column.name, *column.aliases)).flatmap(
            lambda n: st.sampled_from((n, n.upper(), f" {n} "))).map(lambda n: (n, column.name))
    def maybe(column):
        kept = [True] * (9 if column.required else 2) + [False]
        return st.sampled_from(kept).flatmap(lambda keep: named(column) if keep else st.none())
    extra = st.lists(st.sampled_from([("序号", None), ("备注", None), ("", None)]), max_size=1)
    picks = st.tuples(st.tuples(*map(maybe, COLUMNS[kind])), extra)
    return picks.map(lambda t: [p for p in t[0] if p is not None] + t[1]).flatmap(st.permutations)


CELL = st.one_of(st.sampled_from(ODD), st.text(max_size=30), st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
                 st.dates().map(date.isoformat), st.decimals(allow_nan=True).map(str))


def row(columns: list[str | None]):
    """A row of plausible values, or one where any cell may be odd."""
    clean = st.tuples(*[VALID[c] if c else CELL for c in columns])
    mixed = st.tuples(*[(VALID[c] | VALID[c] | CELL) if c else CELL for c in columns])
    return (clean | mixed).map(list)


@st.composite
def csv_files(draw, kind: str) -> bytes:
    """Random bytes, or a header and rows written by csv.writer, or the same joined with no quoting at all."""
    mode = draw(st.sampled_from(["bytes", "csv", "csv", "csv", "raw"]))
    if mode == "bytes":
        head = draw(st.sampled_from([b"", ",".join(c.name for c in COLUMNS[kind]).encode() + b"\n"]))
        return head + draw(st.binary(max_size=300))
    pairs = draw(header(kind))
    rows = draw(st.lists(row([column for _name, column in pairs]), max_size=8))
    lines = [[name for name, _column in pairs], *rows]
    if mode == "raw":
        return "\n".join(",".join(cells) for cells in lines).encode("utf-8", "surrogatepass")
    out = io.StringIO(newline="")
    csv.writer(out).writerows(lines)
    return out.getvalue().encode("utf-8", "surrogatepass")


def data_rows(content: bytes) -> int | None:
    """How many data rows the stdlib's csv module sees after the header (the first non-blank row), in the
    encoding jinli detects and with its delimiter (a tab if the first line has tabs and no commas);
    None if it cannot read the file."""
    encoding = encoding_of(io.BytesIO(content))
    try:
        text = content.decode(encoding)
        first = io.StringIO(text, newline="").readline()
        delimiter = "\t" if "\t" in first and "," not in first else ","
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter))
    except (UnicodeDecodeError, csv.Error):
        return None
    filled = [row for row in rows if any(cell.strip() for cell in row)]
    return len(filled) - 1 if filled else 0


class Shop:
    """A config.toml and its database; ``snapshot`` reads every table, ``run`` imports a file via the CLI."""

    def __init__(self, folder: Path, url: str):
        self.folder, self.url = folder, url
        self.config = folder / "config.toml"
        self.config.write_text(textwrap.dedent(f"""
            [database]
            url = "{url}"
        """), encoding="utf-8")
        self.engine = create_engine(url.replace("sqlite:///", f"sqlite:///{folder}/") if url.startswith("sqlite:///") else url)

    def run(self, *args: str):
        from cli import main

        return CliRunner().invoke(main, ["--config", str(self.config), *args], env={"JINLI_NOW": NOW}, catch_exceptions=False)

    def seed(self, kind: str) -> None:
        assert self.run("db", "upgrade").exit_code == 0
        for seed_kind in ("customers", "holdings")[: {"customers": 0, "holdings": 1, "movements": 2}[kind]]:
            path = self.folder / f"seed_{seed_kind}.csv"
            path.write_text(SEEDS[seed_kind], encoding="utf-8")
            assert self.run("import", seed_kind, str(path)).exit_code == 0

    def snapshot(self) -> dict[str, list]:
        with self.engine.connect() as conn:
            return {table.name: sorted(map(tuple, conn.execute(select(table))), key=repr)
                    for table in SQLModel.metadata.sorted_tables}


def check_import(shop: Shop, kind: str, content: bytes) -> None:
    path = shop.folder / "input.csv"
    path.write_bytes(content)
    before = shop.snapshot()
    result = shop.run("import", kind, str(path))
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    if result.exit_code == 1:
        assert len(result.output.splitlines()) == 1, result.output
        assert shop.snapshot() == before
        return
    counts = SUMMARY.search(result.output)
    assert counts, result.output
    imported, updated, unchanged, rejected, merged = (int(n or 0) for n in counts.groups())
    assert imported + updated + unchanged + rejected + merged == data_rows(content), result.output


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def fresh_copy(template: Path, target: Path) -> None:
    """``target`` becomes a consistent copy of ``template``: through SQLite's backup API, because the
    databases are in WAL mode (the newest pages may still be in ``-wal``), and with the previous
    example's ``-wal``/``-shm`` removed so they cannot be replayed onto the copy."""
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.unlink(missing_ok=True)
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)


@pytest.fixture(scope="module")
def sqlite_templates(tmp_path_factory) -> dict[str, Path]:
    """One seeded SQLite file per importer, copied before each example."""
    templates = {}
    for kind in COLUMNS:
        shop = Shop(tmp_path_factory.mktemp(f"template_{kind}"), "sqlite:///jinli.sqlite3")
        shop.seed(kind)
        shop.engine.dispose()
        templates[kind] = shop.folder / "jinli.sqlite3"
    return templates


@pytest.mark.parametrize("kind", list(COLUMNS))
def test_random_files_never_crash_the_importer_on_sqlite(kind, sqlite_templates, tmp_path_factory):
    shop = Shop(tmp_path_factory.mktemp(f"fuzz_{kind}"), "sqlite:///jinli.sqlite3")

    @settings(FUZZ, max_examples=70)
    @given(content=csv_files(kind))
    def check(content: bytes) -> None:
        shop.engine.dispose()
        fresh_copy(sqlite_templates[kind], shop.folder / "jinli.sqlite3")
        check_import(shop, kind, content)

    check()


@pytest.mark.postgres
@pytest.mark.parametrize("kind", list(COLUMNS))
def test_random_files_never_crash_the_importer_on_postgresql(kind, tmp_path_factory):
    shop = Shop(tmp_path_factory.mktemp(f"pg_{kind}"), database_url_for("postgresql"))
    shop.seed(kind)

    @settings(FUZZ, max_examples=20)
    @given(content=csv_files(kind))
    def check(content: bytes) -> None:
        check_import(shop, kind, content)

    try:
        check()
    finally:
        shop.engine.dispose()
