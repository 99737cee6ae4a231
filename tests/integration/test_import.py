"""`jinli import`: real CSV files into a real SQLite file, through the command line."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text

from records import models
from settings import load_settings

CUSTOMERS = """
    phone,name,birthday,calendar,leap,store,joined_on,referrer,referral_code
    13800000001,王芳,1985-03-12,solar,,南京路店,2020-01-05,,WANGFANG
    +86 138 0000 0002,李娜,1990-04-15,农历,,南京路店,2021-02-01,13800000001,
    138-0000-0003,张伟,,,,淮海路店,2024-11-01,WANGFANG,
"""


def db(site):
    return create_engine(load_settings(site).database_url)


def customers(site) -> dict[str, dict]:
    with db(site).connect() as conn:
        return {r["phone"]: dict(r) for r in conn.execute(select(models.Customer.__table__)).mappings()}


def count(site, table: str) -> int:
    with db(site).connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()


def run_json(cli, *args) -> dict:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_customers_with_bom_are_stored_in_e164_with_birthdays_and_referrers(cli, site, make_csv):
    path = make_csv("customers.csv", CUSTOMERS, bom=True)
    assert run_json(cli, "import", "customers", str(path)) == {"imported": 3, "updated": 0, "rejected": 0}
    stored = customers(site)
    assert set(stored) == {"+8613800000001", "+8613800000002", "+8613800000003"}
    wang, li, zhang = (stored[f"+861380000000{i}"] for i in (1, 2, 3))
    assert (wang["born_on"], wang["birth_calendar"], wang["star_sign"]) == (date(1985, 3, 12), "solar", 11)  # 双鱼
    assert wang["referral_code"] == "WANGFANG"
    assert li["birth_calendar"] == "lunar" and li["born_on"] == date(1990, 5, 9)  # 农历 1990-04-15
    assert li["animal_sf"] == 6  # 马 (1990 is a horse year)
    assert li["referrer_id"] == wang["id"] and zhang["referrer_id"] == wang["id"]
    assert zhang["born_on"] is None and len(zhang["referral_code"]) == 7
    assert count(site, "referrals") == 2


def test_reimporting_the_same_file_changes_nothing(cli, site, make_csv):
    path = make_csv("customers.csv", CUSTOMERS)
    run_json(cli, "import", "customers", str(path))
    before = customers(site)
    assert run_json(cli, "import", "customers", str(path)) == {"imported": 0, "updated": 0, "rejected": 0}
    assert customers(site) == before
    assert count(site, "referrals") == 2


def test_an_updated_file_updates_and_empty_cells_erase_nothing(cli, site, make_csv):
    run_json(cli, "import", "customers", str(make_csv("a.csv", CUSTOMERS)))
    updated = make_csv("b.csv", """
        phone,name,store,birthday
        13800000001,王芳芳,,
        13800000003,张伟,静安店,1970-01-01
    """)
    assert run_json(cli, "import", "customers", str(updated)) == {"imported": 0, "updated": 2, "rejected": 0}
    stored = customers(site)
    assert stored["+8613800000001"]["name"] == "王芳芳"
    assert stored["+8613800000001"]["store"] == "南京路店"  # empty cell kept the value
    assert stored["+8613800000001"]["born_on"] == date(1985, 3, 12)
    assert stored["+8613800000003"]["store"] == "静安店"


def test_the_same_phone_twice_in_a_file_is_one_customer_with_the_last_row(cli, site, make_csv):
    path = make_csv("dup.csv", """
        phone,name
        13800000001,王芳
        +8613800000001,王芳（新）
        138 0000 0001,王芳（最新）
    """)
    result = run_json(cli, "import", "customers", str(path))
    assert result["rejected"] == 0 and result["imported"] == 1
    assert [c["name"] for c in customers(site).values()] == ["王芳（最新）"]


BAD_ROWS = """
    phone,name,birthday,calendar,leap
    13800000001,好人,1980-01-01,,
    02112345678,座机,1980-01-01,,
    12345,短号,,,
    13800000004,,,,
    13800000005,坏日期,2023-02-29,,
    13800000006,农历无闰,2024-02-10,lunar,yes
    13800000007,农历小月三十,2023-03-30,lunar,
    13800000008,格式错,1980/13/45,,
    13800000009,闰二月,2023-02-10,lunar,yes
"""


def test_bad_rows_are_rejected_with_row_number_and_reason_and_the_rest_imported(cli, site, make_csv, tmp_path):
    path = make_csv("bad.csv", BAD_ROWS)
    result = cli("import", "customers", str(path))
    assert result.exit_code == 0
    assert "新增 2" in result.output and "拒绝 7" in result.output
    assert set(customers(site)) == {"+8613800000001", "+8613800000009"}
    with open(tmp_path / "bad.rejects.csv", encoding="utf-8-sig", newline="") as f:
        rejects = list(csv.DictReader(f))
    reasons = {int(r["row"]): r["reason"] for r in rejects}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "不是手机号码" in reasons[3] or "不是有效号码" in reasons[3]
    assert "12345" in reasons[4]
    assert "姓名为空" in reasons[5]
    assert "2023-02-29" in reasons[6]
    assert "leap" in reasons[7].lower() or "闰" in reasons[7]
    assert "30" in reasons[8]
    assert reasons[9] == "公历生日 1980-13-45 不存在"
    assert rejects[0]["phone"] == "02112345678"  # the original cells are kept for fixing


def test_a_clean_reimport_removes_the_stale_rejects_file(cli, make_csv, tmp_path):
    path = make_csv("c.csv", BAD_ROWS)
    cli("import", "customers", str(path))
    assert (tmp_path / "c.rejects.csv").exists()
    make_csv("c.csv", "phone,name\n13800000001,好人\n")
    cli("import", "customers", str(path))
    assert not (tmp_path / "c.rejects.csv").exists()


def test_referrer_problems_keep_the_customer_and_warn(cli, site, make_csv, tmp_path):
    path = make_csv("refs.csv", """
        phone,name,referrer
        13800000001,甲,13800000002
        13800000002,乙,13800000001
        13800000003,丙,13800000003
        13800000004,丁,13999999999
    """)
    result = cli("import", "customers", str(path))
    assert result.exit_code == 0 and "新增 4" in result.output and "警告 3" in result.output
    stored = customers(site)
    assert stored["+8613800000001"]["referrer_id"] == stored["+8613800000002"]["id"]  # first link in file order
    assert stored["+8613800000002"]["referrer_id"] is None  # would close a cycle
    assert stored["+8613800000003"]["referrer_id"] is None  # self-referral
    rejects = (tmp_path / "refs.rejects.csv").read_text(encoding="utf-8-sig")
    assert "本身（直接或间接）由该客户推荐" in rejects and "客户不能推荐自己" in rejects
    assert "找不到推荐人" in rejects


def test_a_file_that_fails_midway_writes_nothing(cli, site, tmp_path):
    path = tmp_path / "gbk.csv"
    rows = "phone,name\n" + "".join(f"1380000{i:04d},客户{i}\n" for i in range(3000))
    path.write_bytes(rows.encode("utf-8") + "13900000000,坏编码\n".encode("gbk"))
    result = cli("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "gbk.csv" in result.output and "Traceback" not in result.output
    assert count(site, "customers") == 0


def test_gb18030_files_import_without_flags_and_the_encoding_option_still_wins(cli, site, make_csv):
    path = make_csv("ansi.csv", "手机号,姓名,门店\n13800000001,王芳,南京路店\n", encoding="gb18030")
    assert run_json(cli, "import", "customers", str(path))["imported"] == 1
    assert customers(site)["+8613800000001"]["store"] == "南京路店"
    wrong = cli("import", "customers", str(path), "--encoding", "utf-8")
    assert wrong.exit_code == 1 and "not UTF-8 text" in wrong.output and len(wrong.output.splitlines()) == 1


@pytest.mark.parametrize("content, message", [
    ("name\n王芳\n", "缺少列 phone"),
    ("", "文件为空（没有表头行）"),
    ("phone,name,手机号\n1,2,3\n", "列 'phone' 出现两次（'手机号'）"),
], ids=["no-phone-column", "empty-file", "duplicate-column"])
def test_unusable_files_fail_with_one_line(cli, make_csv, content, message):
    result = cli("import", "customers", str(make_csv("x.csv", content)))
    assert result.exit_code == 1 and message in result.output and len(result.output.splitlines()) == 1


def test_missing_file_is_one_line(cli, tmp_path):
    result = cli("import", "customers", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1 and "nope.csv：文件不存在" in result.output


HOLDINGS = """
    holding_id,phone,amount,term,start_on,monthly_return,product
    H1,13800000001,"100,000.00",1y,2024-06-01,是,月月返一年
    H2,13800000001,5万,98d,2025-01-31,否,98天
    H3,13800000002,20000,2m,2024-12-31,,两个月
    H4,13899999999,20000,2m,2024-12-31,,
    H5,13800000002,abc,2m,2024-12-31,,
    H6,13800000002,20000,3w,2024-12-31,,
    H7,13800000002,20000,2m,2024-12-31,,
"""


def test_holdings_compute_maturity_with_month_ends_clamped_and_reject_unknown_customers(cli, site, make_csv):
    run_json(cli, "import", "customers", str(make_csv("c.csv", CUSTOMERS)))
    result = run_json(cli, "import", "holdings", str(make_csv("h.csv", HOLDINGS)))
    assert result == {"imported": 4, "updated": 0, "rejected": 3}
    with db(site).connect() as conn:
        rows = {r.ref: r for r in conn.execute(select(models.Holding.__table__))}
    assert rows["H1"].amount_fen == 10_000_000 and rows["H1"].maturity_on == date(2025, 6, 1) and rows["H1"].monthly_return
    assert rows["H2"].amount_fen == 5_000_000 and rows["H2"].maturity_on == date(2025, 5, 9)
    assert rows["H3"].maturity_on == date(2025, 2, 28)  # 12-31 + 2 months, clamped
    assert run_json(cli, "import", "holdings", str(make_csv("h.csv", HOLDINGS)))["imported"] == 0


def test_movements_need_a_known_holding_and_a_date_after_its_start(cli, site, make_csv):
    run_json(cli, "import", "customers", str(make_csv("c.csv", CUSTOMERS)))
    run_json(cli, "import", "holdings", str(make_csv("h.csv", HOLDINGS)))
    moves = make_csv("m.csv", """
        movement_id,holding_id,kind,date,amount
        M1,H1,加金,2024-09-01,10000
        M2,H1,withdrawal,2025-01-01,5000
        M3,H9,top_up,2025-01-01,5000
        M4,H1,renewal,2024-01-01,5000
        M5,H1,gift,2025-01-01,5000
    """)
    assert run_json(cli, "import", "movements", str(moves)) == {"imported": 2, "updated": 0, "rejected": 3}
    with db(site).connect() as conn:
        kinds = dict(conn.execute(select(models.Movement.ref, models.Movement.kind)).all())
    assert kinds == {"M1": "top_up", "M2": "withdrawal"}


def test_a_large_file_streams_in_batches(cli, site, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("phone,name\n" + "".join(f"139{i:08d},客户{i}\n" for i in range(12_345)), encoding="utf-8")
    assert run_json(cli, "import", "customers", str(path))["imported"] == 12_345
    assert count(site, "customers") == 12_345
    with db(site).connect() as conn:
        assert conn.execute(select(func.count(func.distinct(models.Customer.referral_code)))).scalar() == 12_345


def _planner_rows(site, table: str) -> float:
    """What PostgreSQL's planner believes ``table`` holds (-1 before any ANALYZE or VACUUM)."""
    with db(site).connect() as conn:
        return conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}).scalar()


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_bulk_import_refreshes_the_statistics_of_the_tables_it_wrote(cli, site, make_csv, monkeypatch):
    from records import db as records_db

    cli("db", "upgrade")
    small = make_csv("few.csv", "phone,name,referrer\n13800000001,王芳,\n13800000002,李娜,13800000001\n")
    monkeypatch.setattr(records_db, "ANALYZE_AFTER_ROWS", 3)
    run_json(cli, "import", "customers", str(small))  # two rows: under the threshold, nothing analysed
    assert _planner_rows(site, "customers") == -1
    more = make_csv("more.csv", "phone,name,referrer\n" + "".join(f"1390000000{i},客户{i},13800000001\n" for i in range(4)))
    run_json(cli, "import", "customers", str(more))
    assert (_planner_rows(site, "customers"), _planner_rows(site, "referrals")) == (6, 5)
