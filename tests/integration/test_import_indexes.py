"""On SQLite, an import into an empty table builds the plain indexes it never reads once at the end
(records.db.indexes_built_after): the database ends with exactly the indexes it had, the rows are the
same, a table that already holds rows keeps its indexes throughout, and a failed import leaves them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text

from records.db import ensure_schema, make_engine
from records.importing import ImportOptions, import_file
from tests.integration.test_import_copy import NOW, TODAY

CUSTOMERS = "phone,name,birthday,referrer\n13800000001,王芳,1990-03-05,\n13800000002,李娜,1985-11-20,13800000001\n"
MORE = "phone,name,birthday\n13800000003,张伟,1979-01-02\n"
HOLDINGS = "合同号,手机号,金额,期限,起息日\nH1,13800000001,1000,1y,2024-06-01\nH2,13800000002,2000,1y,2024-06-01\n"


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'shop.sqlite3'}")
    ensure_schema(engine)
    yield engine
    engine.dispose()


def indexes(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")).all())


def run(engine, folder: Path, kind: str, body: str, progress=None):
    path = folder / f"{kind}.csv"
    path.write_text(body, encoding="utf-8")
    return import_file(engine, kind, path, ImportOptions(rejects_path=folder / f"{kind}.rejects.csv", today=TODAY, now=NOW),
                       progress)


def index_statements(engine) -> list[str]:
    """The DROP INDEX / CREATE INDEX statements the engine sends from now on."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("DROP INDEX", "CREATE INDEX")):
            seen.append(" ".join(statement.split()[:3]))

    return seen


def test_an_import_into_empty_tables_ends_with_the_same_indexes_and_rows(tmp_path, engine):
    before = indexes(engine)
    sent = index_statements(engine)
    customers = run(engine, tmp_path, "customers", CUSTOMERS)
    holdings = run(engine, tmp_path, "holdings", HOLDINGS)
    assert indexes(engine) == before
    assert sorted(sent) == sorted(
        [f"DROP INDEX \"{n}\"" for n in ("ix_customers_birthday_key", "ix_customers_lucky", "ix_customers_lucky_lichun",
                                         "ix_holdings_customer_id", "ix_holdings_maturity_on", "ix_holdings_monthly_return_day")]
        + [f"CREATE INDEX {n}" for n in ("ix_customers_birthday_key", "ix_customers_lucky", "ix_customers_lucky_lichun",
                                         "ix_holdings_customer_id", "ix_holdings_maturity_on", "ix_holdings_monthly_return_day")])
    assert (customers.imported, holdings.imported) == (2, 2)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        by_birthday = conn.execute(text("SELECT phone FROM customers INDEXED BY ix_customers_birthday_key "
                                        "WHERE birthday_key = 1120")).scalars().all()
        referred = conn.execute(text("SELECT r.phone FROM customers c JOIN customers r ON r.id = c.referrer_id "
                                     "WHERE c.phone = '+8613800000002'")).scalar()
    assert by_birthday == ["+8613800000002"]
    assert referred == "+8613800000001"


def test_a_table_that_holds_rows_keeps_its_indexes(tmp_path, engine):
    run(engine, tmp_path, "customers", CUSTOMERS)
    sent = index_statements(engine)
    summary = run(engine, tmp_path, "customers", MORE)
    assert summary.imported == 1
    assert sent == []


def test_a_failed_import_into_an_empty_table_leaves_its_indexes_and_no_rows(tmp_path, engine):
    before = indexes(engine)

    def fail(_position, _size):
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        run(engine, tmp_path, "customers", CUSTOMERS, progress=fail)
    assert indexes(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar() == 0
