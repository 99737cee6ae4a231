"""`jinli import` against careless or hostile files: stray quotes, absurd values, formulas. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import select

from records import models
from tests.integration.test_import import count, customers, db, run_json

TODAY = "2025-06-02"  # the import day: JINLI_NOW below


@pytest.fixture(autouse=True)
def _import_day(monkeypatch):
    monkeypatch.setenv("JINLI_NOW", f"{TODAY}T09:00+08:00")


def rejects(path) -> dict[int, dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {int(r["row"]): r for r in csv.DictReader(f)}


def holdings(site) -> dict[str, dict]:
    with db(site).connect() as conn:
        return {r["ref"]: dict(r) for r in conn.execute(select(models.Holding.__table__)).mappings()}


def one_line_refusal(result, *parts: str) -> None:
    assert result.exit_code == 1, result.output
    assert len(result.output.splitlines()) == 1 and "Traceback" not in result.output, result.output
    for part in parts:
        assert part in result.output, result.output


# ---------------------------------------------------------------- stray quotes
def test_a_stray_quote_running_to_the_end_refuses_the_file_naming_the_line_it_opened(cli, site, make_csv):
    path = make_csv("quote.csv", '''
        phone,name
        13800000010,好人
        13800000011,"王
        13800000012,李
        13800000013,张
    ''')
    one_line_refusal(cli("import", "customers", str(path)), "quote.csv", "line 3", "quote")
    assert count(site, "customers") == 0


def test_a_quoted_cell_over_a_line_break_refuses_the_file_even_when_a_later_quote_closes_it(cli, site, make_csv):
    path = make_csv("quote2.csv", '''
        phone,name,store
        13800000010,好人,南京路店
        13800000011,"王,南京路店
        13800000012,李",南京路店
        13800000013,张,南京路店
    ''')
    one_line_refusal(cli("import", "customers", str(path)), "quote2.csv", "line 3", "line break")
    assert count(site, "customers") == 0


def test_a_quote_that_closes_in_the_middle_of_a_cell_refuses_the_file(cli, site, make_csv):
    path = make_csv("quote3.csv", 'phone,name\n13800000010,好人\n13800000011,"王"小明\n')
    one_line_refusal(cli("import", "customers", str(path)), "quote3.csv", "line 3")
    assert count(site, "customers") == 0


# ---------------------------------------------------------------- values that aborted the file
def _customers(cli, make_csv) -> None:
    run_json(cli, "import", "customers", str(make_csv("c.csv", "phone,name\n13800000001,王芳\n13800000002,李娜\n")))


def test_unparsable_amounts_terms_and_starts_reject_their_row_and_the_rest_imports(cli, site, make_csv, tmp_path):
    _customers(cli, make_csv)
    path = make_csv("h.csv", """
        holding_id,phone,amount,term,start_on
        H1,13800000001,10000,1y,2025-01-01
        H2,13800000001,NaN,1y,2025-01-01
        H3,13800000001,Infinity,1y,2025-01-01
        H4,13800000001,1e30,1y,2025-01-01
        H5,13800000001,99999999999999999999,1y,2025-01-01
        H6,13800000001,10000,9999y,2025-01-01
        H7,13800000001,10000,1y,9999-06-01
        H8,13800000001,-inf,1y,2025-01-01
    """)
    assert run_json(cli, "import", "holdings", str(path)) == {"imported": 1, "updated": 0, "rejected": 7}
    assert set(holdings(site)) == {"H1"}
    reasons = {n: r["reason"] for n, r in rejects(tmp_path / "h.rejects.csv").items()}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    for row, value in [(3, "NaN"), (4, "Infinity"), (5, "1e30"), (6, "99999999999999999999"), (7, "9999y"),
                       (8, "9999-06-01"), (9, "-inf")]:
        assert value in reasons[row], reasons[row]


def test_a_referral_code_repeated_in_one_file_rejects_the_later_row(cli, site, make_csv, tmp_path):
    path = make_csv("codes.csv", """
        phone,name,referral_code
        13800000001,王芳,WANGFANG
        13800000002,李娜,wangfang
        13800000003,张伟,ZHANGWEI
    """)
    assert run_json(cli, "import", "customers", str(path)) == {"imported": 2, "updated": 0, "rejected": 1}
    stored = customers(site)
    assert stored["+8613800000001"]["referral_code"] == "WANGFANG" and "+8613800000002" not in stored
    assert "WANGFANG" in rejects(tmp_path / "codes.rejects.csv")[3]["reason"]


def test_a_row_rejected_for_a_taken_code_leaves_no_referrer_link_behind(cli, site, make_csv, tmp_path):
    run_json(cli, "import", "customers", str(make_csv("a.csv", "phone,name,referral_code\n13800000001,王芳,WANGFANG\n")))
    path = make_csv("b.csv", "phone,name,referral_code,referrer\n13800000004,赵六,WANGFANG,13800000001\n")
    assert run_json(cli, "import", "customers", str(path)) == {"imported": 0, "updated": 0, "rejected": 1}
    assert "已属于另一位客户" in rejects(tmp_path / "b.rejects.csv")[2]["reason"]
    assert set(customers(site)) == {"+8613800000001"} and count(site, "referrals") == 0


def test_cells_longer_than_their_columns_and_nul_bytes_reject_their_row_on_every_database(cli, site, make_csv, tmp_path):
    path = make_csv("long.csv", "phone,name,store,referral_code\n"
                    "13800000001,王芳,南京路店,\n"
                    f"13800000002,李娜,{'店' * 101},\n"
                    f"13800000003,张伟,,{'A' * 17}\n"
                    "13800000004,赵\x00六,,\n"
                    "13800000005,钱七,南京\x00路店,\n")
    assert run_json(cli, "import", "customers", str(path)) == {"imported": 1, "updated": 0, "rejected": 4}
    reasons = {n: r["reason"] for n, r in rejects(tmp_path / "long.rejects.csv").items()}
    assert reasons[3] == "门店长 101 个字符：最多 100 个"
    assert reasons[4] == "推荐码长 17 个字符：最多 16 个"
    assert reasons[5] == "姓名含有 NUL 字节（\\x00）"
    assert "NUL" in reasons[6] and "门店" in reasons[6]


def test_holding_and_movement_references_longer_than_their_columns_reject_their_row(cli, site, make_csv, tmp_path):
    _customers(cli, make_csv)
    holdings_csv = make_csv("h.csv", f"holding_id,phone,amount,term,start_on,product\n"
                            f"H1,13800000001,10000,1y,2025-01-01,\n{'H' * 65},13800000001,10000,1y,2025-01-01,\n"
                            f"H3,13800000001,10000,1y,2025-01-01,{'金' * 101}\n")
    assert run_json(cli, "import", "holdings", str(holdings_csv)) == {"imported": 1, "updated": 0, "rejected": 2}
    moves = make_csv("m.csv", f"movement_id,holding_id,kind,date,amount\nM1,H1,top_up,2025-02-01,100\n"
                     f"{'M' * 65},H1,top_up,2025-02-01,100\nM3,{'H' * 65},top_up,2025-02-01,100\n")
    assert run_json(cli, "import", "movements", str(moves)) == {"imported": 1, "updated": 0, "rejected": 2}
    reasons = {n: r["reason"] for n, r in rejects(tmp_path / "m.rejects.csv").items()}
    assert reasons[3] == "资金变动编号长 65 个字符：最多 64 个"
    assert reasons[4] == "持仓编号长 65 个字符：最多 64 个"


# ---------------------------------------------------------------- bounds
def test_absurd_holdings_are_rejected_with_the_bound_they_break(cli, site, make_csv, tmp_path):
    _customers(cli, make_csv)
    path = make_csv("h.csv", """
        holding_id,phone,amount,term,start_on
        OK1,13800000001,100000000,1y,2025-01-01
        OK2,13800000001,10000,1y,2026-06-02
        BIG,13800000001,100000000.01,1y,2025-01-01
        E15,13800000001,1000000000000000,1y,2025-01-01
        ZERO,13800000001,0,1y,2025-01-01
        OLD,13800000001,10000,1y,0001-01-01
        EARLY,13800000001,10000,1y,1900-01-30
        AHEAD,13800000001,10000,1y,2026-06-03
    """)
    assert run_json(cli, "import", "holdings", str(path)) == {"imported": 2, "updated": 0, "rejected": 6}
    reasons = {n: r["reason"] for n, r in rejects(tmp_path / "h.rejects.csv").items()}
    assert "100,000,000" in reasons[4] and "100,000,000" in reasons[5]
    assert "须为正数金额" in reasons[6]
    assert "1900-01-31" in reasons[7] and "1900-01-31" in reasons[8]
    assert "2026-06-02" in reasons[9]  # the latest start allowed: a year after the import day


def test_movements_in_the_future_are_rejected_and_a_withdrawal_over_the_principal_warns(cli, site, make_csv, tmp_path):
    _customers(cli, make_csv)
    run_json(cli, "import", "holdings", str(make_csv("h.csv", "holding_id,phone,amount,term,start_on\nH1,13800000001,10000,1y,2025-01-01\n")))
    path = make_csv("m.csv", f"""
        movement_id,holding_id,kind,date,amount
        M1,H1,top_up,{TODAY},500
        M2,H1,withdrawal,2025-03-01,10000
        M3,H1,withdrawal,2025-03-02,10000.01
        M4,H1,top_up,2025-06-03,500
        M5,H1,top_up,9999-12-31,500
    """)
    result = cli("import", "movements", str(path))
    assert result.exit_code == 0 and "新增 3" in result.output and "拒绝 2" in result.output
    assert "警告 1" in result.output
    reasons = {n: r["reason"] for n, r in rejects(tmp_path / "m.rejects.csv").items()}
    assert sorted(reasons) == [4, 5, 6]
    assert reasons[4].startswith("警告：") and "10,000" in reasons[4]
    assert TODAY in reasons[5] and "晚于导入日" in reasons[5] and "晚于导入日" in reasons[6]
    with db(site).connect() as conn:
        assert sorted(conn.execute(select(models.Movement.ref)).scalars()) == ["M1", "M2", "M3"]


def test_absurd_customers_are_rejected_with_the_bound_they_break(cli, site, make_csv, tmp_path):
    path = make_csv("c.csv", f"""
        phone,name,birthday,joined_on
        13800000001,{'王' * 50},{TODAY},{TODAY}
        13800000002,{'李' * 51},,
        13800000003,{'张' * 100_000},,
        13800000004,明天生,2025-06-03,
        13800000005,未来会员,,9999-01-01
        13800000006,明天入会,,2025-06-03
        13800000007,太早,1900-01-30,
        13800000008,很早入会,,1899-12-31
    """)
    assert run_json(cli, "import", "customers", str(path)) == {"imported": 1, "updated": 0, "rejected": 7}
    reasons = {n: r["reason"] for n, r in rejects(tmp_path / "c.rejects.csv").items()}
    assert "50" in reasons[3] and "51" in reasons[3] and "100000" in reasons[4]
    assert reasons[5] == f"生日（公历 2025-06-03）晚于导入日 {TODAY}"
    assert "入会日期" in reasons[6] and "晚于导入日" in reasons[6] and "晚于导入日" in reasons[7]
    assert "1900-01-31" in reasons[8] and "1900-01-31" in reasons[9]


def test_the_bounds_a_shop_may_change_come_from_config(cli, site, make_csv):
    with open(site, "a", encoding="utf-8") as f:
        f.write("[import]\nmax_amount = 200000000\nmax_name_length = 60\nstart_ahead_days = 0\n")
    path = make_csv("c.csv", f"phone,name\n13800000001,{'王' * 60}\n")
    assert run_json(cli, "import", "customers", str(path))["imported"] == 1
    path = make_csv("h.csv", "holding_id,phone,amount,term,start_on\n"
                    "H1,13800000001,150000000,1y,2025-01-01\nH2,13800000001,10000,1y,2025-06-03\n")
    assert run_json(cli, "import", "holdings", str(path)) == {"imported": 1, "updated": 0, "rejected": 1}


# ---------------------------------------------------------------- formulas
FORMULAS = """
    phone,name,birthday,store
    13800000001,"=HYPERLINK(""http://evil"",""点我"")",1985-13-01,@门店
    13800000002,-小王,1985-02-30,+cmd|' /C calc'!A0
    +8613800000003,好人,1985-01-01,南京路店
    +86 138 0000 0004,坏人,-5,南京路店
"""


def test_rejects_files_prefix_formula_text_but_not_numbers_or_phones(cli, make_csv, tmp_path):
    cli("import", "customers", str(make_csv("f.csv", FORMULAS)))
    text = (tmp_path / "f.rejects.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows[1][2:] == ["13800000001", "'=HYPERLINK(\"http://evil\",\"点我\")", "1985-13-01", "'@门店"]
    assert rows[2][2:] == ["13800000002", "'-小王", "1985-02-30", "'+cmd|' /C calc'!A0"]
    assert rows[3][2:] == ["+86 138 0000 0004", "坏人", "-5", "南京路店"]
    assert all(not cell.startswith(("=", "+", "@")) or cell.startswith("+86") for row in rows for cell in row)


def test_a_corrected_rejects_file_reimports_with_the_original_text(cli, site, make_csv, tmp_path):
    cli("import", "customers", str(make_csv("f.csv", FORMULAS)))
    with open(tmp_path / "f.rejects.csv", encoding="utf-8-sig", newline="") as f:
        fixed = [{**row, "birthday": "1985-01-02"} for row in csv.DictReader(f)]
    with open(tmp_path / "fixed.csv", "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, ["row", "reason", "phone", "name", "birthday", "store"])
        writer.writeheader()
        writer.writerows(fixed)
    assert run_json(cli, "import", "customers", str(tmp_path / "fixed.csv")) == {"imported": 3, "updated": 0, "rejected": 0}
    stored = customers(site)
    assert stored["+8613800000001"]["name"] == '=HYPERLINK("http://evil","点我")' and stored["+8613800000001"]["store"] == "@门店"
    assert stored["+8613800000002"]["name"] == "-小王" and stored["+8613800000002"]["store"] == "+cmd|' /C calc'!A0"
    assert stored["+8613800000004"]["name"] == "坏人"


def test_report_csvs_prefix_a_customer_name_that_is_a_formula(cli, make_csv):
    run_json(cli, "import", "customers", str(make_csv("c.csv", """
        phone,name,referrer
        13800000001,=1+2,
        13800000002,李娜,13800000001
    """)))
    rows = list(csv.reader(cli("report", "referrals", "--format", "csv").output.splitlines()))
    names = [row[1] for row in rows[1:]]
    assert "'=1+2" in names and "=1+2" not in names


def test_json_output_is_not_prefixed(cli, make_csv):
    run_json(cli, "import", "customers", str(make_csv("c.csv", "phone,name,referrer\n13800000001,=1+2,\n13800000002,李娜,13800000001\n")))
    data = json.loads(cli("report", "referrals", "--format", "json").output)
    assert data["leaderboard"][0]["name"] == "=1+2"
