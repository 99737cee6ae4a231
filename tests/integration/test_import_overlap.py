"""PostgreSQL imports of holdings and movements write a batch's new rows on a second thread while the next
batch is parsed: the next batch still sees them, and a write that fails fails the whole file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from records import bulk, importing
from records.db import ensure_schema, make_engine
from records.importing import ImportOptions, import_file
from tests.conftest import PG_URL, reset_postgres
from tests.integration.test_import_copy import NOW, TODAY

pytestmark = pytest.mark.postgres

CUSTOMERS = "phone,name\n13800000001,王芳\n13800000002,李娜\n"
# Batches of two rows: H1 comes back in the third batch with a new amount, while the second may be writing.
HOLDINGS = """合同号,手机号,金额,期限,起息日
H1,13800000001,1000,1y,2024-06-01
H2,13800000002,2000,1y,2024-06-01
H3,13800000001,3000,1y,2024-06-01
H4,13800000002,4000,1y,2024-06-01
H1,13800000001,1500,1y,2024-06-01
H5,13800000002,5000,1y,2024-06-01
"""
MOVEMENTS = """流水号,合同号,类型,日期,金额
M1,H1,加金,2024-08-01,100
M2,H2,加金,2024-08-01,200
M3,H5,加金,2024-08-01,300
M1,H1,加金,2024-08-01,150
"""


@pytest.fixture
def engine(tmp_path, monkeypatch):
    if not PG_URL:
        pytest.skip("no PostgreSQL: JINLI_TEST_PG_URL is not set")
    reset_postgres(PG_URL)
    monkeypatch.setattr(importing, "BATCH", 2)
    engine = make_engine(PG_URL)
    ensure_schema(engine)
    _import(engine, tmp_path, "customers", CUSTOMERS)
    yield engine
    engine.dispose()


def _import(engine, folder: Path, kind: str, body: str):
    path = folder / f"{kind}.csv"
    path.write_text(body, encoding="utf-8")
    return import_file(engine, kind, path, ImportOptions(rejects_path=folder / f"{kind}.rejects.csv", today=TODAY, now=NOW))


def test_a_later_batch_updates_a_holding_an_earlier_batch_wrote(tmp_path, engine):
    holdings = _import(engine, tmp_path, "holdings", HOLDINGS)
    movements = _import(engine, tmp_path, "movements", MOVEMENTS)
    with engine.connect() as conn:
        amounts = dict(conn.execute(text("SELECT ref, amount_fen FROM holdings")).all())
        moved = dict(conn.execute(text("SELECT ref, amount_fen FROM movements")).all())
    assert (holdings.imported, holdings.updated, holdings.rejected) == (5, 1, 0)
    assert amounts == {"H1": 150_000, "H2": 200_000, "H3": 300_000, "H4": 400_000, "H5": 500_000}
    assert (movements.imported, movements.updated, movements.rejected) == (3, 1, 0)
    assert moved == {"M1": 15_000, "M2": 20_000, "M3": 30_000}


def test_a_batch_that_fails_to_write_fails_the_file_and_stores_no_holding(tmp_path, engine, monkeypatch):
    real_write, calls = bulk.CopyInserter._write, []

    def failing_second_write(self, raw, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("the server went away")
        real_write(self, raw, rows)

    monkeypatch.setattr(bulk.CopyInserter, "_write", failing_second_write)
    with pytest.raises(RuntimeError, match="went away"):
        _import(engine, tmp_path, "holdings", HOLDINGS)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM holdings")).scalar() == 0
    assert len(calls) == 2  # the third batch was never written


def test_the_messy_shop_in_batches_of_two_stores_on_postgresql_what_sqlite_stores(tmp_path, monkeypatch):
    """Referrer links written while the next batch is parsed: a later batch's referees, cycles and warnings
    come out as on SQLite, where nothing runs on a second thread."""
    from tests.integration.test_import_copy import assert_postgresql_stores_what_sqlite_stores

    if not PG_URL:
        pytest.skip("no PostgreSQL: JINLI_TEST_PG_URL is not set")
    reset_postgres(PG_URL)
    monkeypatch.setattr(importing, "BATCH", 2)
    pg_rows = assert_postgresql_stores_what_sqlite_stores(tmp_path, PG_URL)
    assert len(pg_rows["referrals"]) == 3


def test_links_resolved_at_the_end_of_the_file_are_written_on_the_importing_thread(tmp_path, engine, monkeypatch):
    """The writer thread is closed before the end of the file: the last links (a referrer named before
    their own row) are written before the opt-outs are applied and the file commits."""
    import threading

    from records import referrer_links

    real, writers = referrer_links._write_links, []

    def recording(*args):
        writers.append(threading.current_thread() is threading.main_thread())
        real(*args)

    monkeypatch.setattr(referrer_links, "_write_links", recording)
    summary = _import(engine, tmp_path, "customers", "phone,name,referrer\n13800000003,张伟,13800000001\n"
                      "13800000004,赵敏,13800000005\n13800000006,孙丽,\n13800000005,周杰,\n")
    with engine.connect() as conn:
        linked = conn.execute(text("SELECT count(*) FROM referrals")).scalar()
    assert (summary.imported, summary.warnings, linked) == (4, 0, 2)
    assert writers == [False, True]  # batch 1's link on the writer thread; 赵敏's, found at the end, on this one


# Batches of two: the first batch's rows are rejected only once looked up (no such customer, no such holding),
# the second batch's first row while it is parsed (an amount that is no number, a date that is no date).
LOOKED_UP_THEN_PARSED = {
    "holdings": "合同号,手机号,金额,期限,起息日\nH7,13800000009,1000,1y,2024-06-01\nH8,13800000001,1000,1y,2024-06-01\n"
                "H9,13800000002,很多,1y,2024-06-01\nH10,13800000002,1000,1y,2024-06-01\n",
    "movements": "流水号,合同号,类型,日期,金额\nM7,H99,加金,2024-08-01,100\nM8,H8,加金,2024-08-01,100\n"
                 "M9,H8,加金,昨天,100\nM10,H10,加金,2024-08-01,100\n",
}


def _rejected_rows(folder: Path) -> dict[str, list[str]]:
    """Each file's rejects, as the row number and the reason of each line in file order."""
    rows = {}
    for kind in LOOKED_UP_THEN_PARSED:
        lines = (folder / f"{kind}.rejects.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
        rows[kind] = [",".join(line.split(",")[:2]) for line in lines]
    return rows


def test_rejects_found_while_looking_ahead_are_listed_in_the_order_sqlite_lists_them(tmp_path, engine):
    """The writer thread looks a batch up while the next is parsed: the next batch's parse rejects still
    come after this batch's look-up rejects, as on SQLite."""
    lite = make_engine(f"sqlite:///{tmp_path / 'jinli.sqlite3'}")
    ensure_schema(lite)
    (tmp_path / "lite").mkdir()
    _import(lite, tmp_path / "lite", "customers", CUSTOMERS)
    for kind, body in LOOKED_UP_THEN_PARSED.items():
        _import(engine, tmp_path, kind, body)
        _import(lite, tmp_path / "lite", kind, body)
    lite.dispose()
    on_postgresql = _rejected_rows(tmp_path)
    assert [line.split(",")[0] for line in on_postgresql["holdings"]] == ["2", "4"]
    assert [line.split(",")[0] for line in on_postgresql["movements"]] == ["2", "4"]
    assert on_postgresql == _rejected_rows(tmp_path / "lite")
