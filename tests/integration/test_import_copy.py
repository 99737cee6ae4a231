"""PostgreSQL imports through COPY: the rows it stores are the rows SQLite stores.

A small messy shop (full-width and separated phones, a landline, lunar and yearless birthdays, an
impossible date, a repeated phone, referrers by phone, code and name, one named before it exists,
holdings and movements with rejects) goes into SQLite and into PostgreSQL through `import_file`; every
stored column is compared, customers matched by phone (ids and random referral codes aside).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from records.db import ensure_schema, make_engine
from records.importing import ImportOptions, import_file
from tests.conftest import PG_URL, reset_postgres

pytestmark = pytest.mark.postgres

CUSTOMERS = """phone,name,birthday,calendar,leap,store,joined_on,referrer,referral_code,gender
13800000001,王芳,1985-03-12,solar,,南京路店,2020-01-05,,WANGFANG,女
+86 138 0000 0002,李娜,1990-04-15,农历,,南京路店,2021-02-01,13800000001,,
１３８０００００００３,张伟,农历八月十五,,,淮海路店,2024-11-01,WANGFANG,,男
138-0000-0004,赵敏,2020年闰4月8日,,,静安店,,孙丽,,
021-6321-8888,座机客户,1980-01-01,公历,,南京路店,2024-01-01,,,
13800000005,日期有误,1985-02-30,公历,,南京路店,2024-01-01,,,
13800000006,孙丽,1962/8/15,公历,,徐汇店,2019-05-05,,,
13800000002,李娜,1990-04-15,农历,,淮海路店,2021-02-01,13800000001,,
13800000007,周杰,,,,徐汇店,2024-06-01,13900000000,,
"""
HOLDINGS = """合同号,手机号,金额,期限,起息日,月月返
H1,13800000001,100000,1y,2024-06-01,是
H2,+8613800000002,50000,6m,2024-12-01,否
H3,13800000009,20000,2m,2025-01-01,否
H4,13800000006,"10,000",98d,2025-03-01,
"""
MOVEMENTS = """流水号,合同号,类型,日期,金额
M1,H1,加金,2024-08-01,20000
M2,H1,出金,2025-01-10,500000
M3,H2,续金,2024-11-01,1000
M4,H9,加金,2025-02-01,1000
"""
TODAY = date(2025, 6, 18)
NOW = datetime(2025, 6, 17, 17, 0, tzinfo=timezone.utc)
CUSTOMER_SQL = """
SELECT c.phone, c.name, c.store, c.gender, c.joined_on, c.birth_calendar, c.birth_year, c.birth_month, c.birth_day,
       c.birth_leap, c.born_on, c.birthday_key, c.animal_sf, c.animal_lc, c.star_sign, c.phone_status, c.opted_out,
       c.tier, c.tier_score, c.created_at, c.updated_at, r.phone AS referrer, length(c.referral_code) AS code_length,
       CASE WHEN c.referral_code = 'WANGFANG' THEN c.referral_code END AS given_code
FROM customers c LEFT JOIN customers r ON r.id = c.referrer_id ORDER BY c.phone"""
OTHER_SQL = {
    "holdings": """SELECT h.ref, c.phone, h.product, h.amount_fen, h.term, h.term_days, h.start_on, h.maturity_on,
                   h.monthly_return, h.created_at FROM holdings h JOIN customers c ON c.id = h.customer_id ORDER BY h.ref""",
    "movements": """SELECT m.ref, h.ref, c.phone, m.kind, m."on", m.amount_fen, m.created_at FROM movements m
                    JOIN holdings h ON h.id = m.holding_id JOIN customers c ON c.id = m.customer_id ORDER BY m.ref""",
    "referrals": """SELECT e.phone, r.phone, f.source, f.referred_on, f.converted_on, f.created_at FROM referrals f
                    JOIN customers e ON e.id = f.referee_id JOIN customers r ON r.id = f.referrer_id ORDER BY e.phone""",
}


def _import_all(url: str, folder: Path) -> tuple[dict, dict]:
    """Import the three files into ``url``; (summaries by kind, stored rows by table)."""
    engine = make_engine(url)
    ensure_schema(engine)
    summaries = {}
    for kind, body in (("customers", CUSTOMERS), ("holdings", HOLDINGS), ("movements", MOVEMENTS)):
        path = folder / f"{kind}.csv"
        path.write_text(body, encoding="utf-8")
        options = ImportOptions(rejects_path=folder / f"{kind}.rejects.csv", today=TODAY, now=NOW)
        summary = import_file(engine, kind, path, options)
        rejects = (folder / f"{kind}.rejects.csv").read_text(encoding="utf-8") if summary.rejects_path else ""
        summaries[kind] = (summary.imported, summary.updated, summary.unchanged, summary.rejected, summary.warnings,
                           summary.merged, rejects)
    with engine.connect() as conn:
        rows = {"customers": [_plain(r) for r in conn.execute(text(CUSTOMER_SQL))]}
        rows.update({t: [_plain(r) for r in conn.execute(text(sql))] for t, sql in OTHER_SQL.items()})
    engine.dispose()
    return summaries, rows


def _plain(row) -> tuple:
    """A row as comparable values: booleans as bool, instants as aware UTC, dates as dates."""
    out = []
    for value in row:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        elif isinstance(value, str) and len(value) in (10, 26) and value[4:5] == "-" and value[:4].isdigit():
            value = datetime.fromisoformat(value).replace(tzinfo=timezone.utc) if len(value) == 26 else date.fromisoformat(value)
        out.append(value)
    return tuple(out)


@pytest.fixture
def postgres_url():
    if not PG_URL:
        pytest.skip("no PostgreSQL: JINLI_TEST_PG_URL is not set")
    reset_postgres(PG_URL)
    return PG_URL


def assert_postgresql_stores_what_sqlite_stores(tmp_path, postgres_url: str) -> dict:
    """The messy shop imported into a fresh SQLite file and into PostgreSQL: the same summaries and rows
    (booleans as SQLite stores them); returns PostgreSQL's rows."""
    (tmp_path / "lite").mkdir()
    (tmp_path / "pg").mkdir()
    lite_summaries, lite_rows = _import_all(f"sqlite:///{tmp_path / 'lite' / 'jinli.sqlite3'}", tmp_path / "lite")
    pg_summaries, pg_rows = _import_all(postgres_url, tmp_path / "pg")
    assert pg_summaries == lite_summaries
    for table in ("customers", *OTHER_SQL):
        assert [tuple(_sqlite_bool(v) for v in r) for r in pg_rows[table]] == \
               [tuple(_sqlite_bool(v) for v in r) for r in lite_rows[table]], table
    return pg_rows


def test_a_messy_shop_imported_into_postgresql_stores_the_rows_sqlite_stores(tmp_path, postgres_url):
    pg_rows = assert_postgresql_stores_what_sqlite_stores(tmp_path, postgres_url)
    assert len(pg_rows["customers"]) == 6 and len(pg_rows["holdings"]) == 3 and len(pg_rows["movements"]) == 2
    assert len(pg_rows["referrals"]) == 3  # by phone, by code and by a name that came later in the file


def _sqlite_bool(value):
    """SQLite hands booleans back as 0/1."""
    return int(value) if isinstance(value, bool) else value


def test_postgresql_imports_go_through_copy(tmp_path, postgres_url):
    engine = make_engine(postgres_url)
    ensure_schema(engine)
    seen: list[str] = []
    from sqlalchemy import event

    # COPY runs on the raw psycopg cursor, so the staging INSERT … SELECT is what SQLAlchemy's events cannot see:
    # the customers arrive without any INSERT INTO customers statement passing through SQLAlchemy.
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: seen.append(statement))
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS, encoding="utf-8")
    summary = import_file(engine, "customers", path, ImportOptions(rejects_path=tmp_path / "r.csv", today=TODAY, now=NOW))
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM customers")).scalar()
    engine.dispose()
    assert summary.imported == stored == 6
    assert not [s for s in seen if s.lstrip().upper().startswith("INSERT INTO CUSTOMERS")]
