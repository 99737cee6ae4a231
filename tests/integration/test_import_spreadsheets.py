"""`jinli import` of spreadsheets as staff really have them: Excel workbooks, ANSI and UTF-16 CSV,
title rows, decorated headers, lunar birthdays, --map, --dry-run, referrers by name, rejects files."""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import python_calamine
import xlsxwriter
from sqlalchemy import create_engine, select, text

from records import models
from settings import load_settings

DATA = Path(__file__).parent.parent / "data"


def customers(site) -> dict[str, dict]:
    with create_engine(load_settings(site).database_url).connect() as conn:
        return {r["phone"]: dict(r) for r in conn.execute(select(models.Customer.__table__)).mappings()}


def count(site, table: str) -> int:
    with create_engine(load_settings(site).database_url).connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()


def run_json(cli, *args) -> dict:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def read_xlsx(path: Path) -> list[list]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_index(0).to_python()


def write_xlsx(path: Path, rows: list[list], sheet: str = "Sheet1", first_row: int = 0) -> Path:
    """A workbook as Excel saves one: date cells formatted as dates, numbers as numbers, text as text."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    as_date = book.add_format({"num_format": "yyyy/m/d"})
    with_time = book.add_format({"num_format": "yyyy/m/d h:mm"})
    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, with_time)
            elif isinstance(value, date):
                ws.write_datetime(r, c, value, as_date)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, value)
    book.close()
    return path


# ------------------------------------------------------------------ the realistic GB18030 file
# tests/data/customers_excel_gb18030.csv is a customer list as Chinese Excel saves "CSV (逗号分隔)":
# GB18030/GBK without a BOM, CRLF line ends, a title row and an empty row above the headers, decorated
# headers (客户姓名, 手机号（必填）, 所属门店), extra columns (序号, 性别, 备注), cells as Excel displays them.
def test_the_realistic_gb18030_file_imports_all_but_the_landline_and_the_scientific_phone(cli, site, tmp_path):
    path = shutil.copy(DATA / "customers_excel_gb18030.csv", tmp_path / "客户名单.csv")
    result = cli("import", "customers", str(path))
    assert result.exit_code == 0, result.output
    assert "新增 11，更新 0，未变 0，拒绝 2，警告 1，合并 1" in result.output
    stored = customers(site)
    assert len(stored) == 11
    assert "+862162345678" not in stored and not any(p.startswith("+86135123") and len(p) < 14 for p in stored)
    wang, zhang, liu = stored["+8613800000001"], stored["+8613512345678"], stored["+8613700000004"]
    assert zhang["born_on"] == date(1956, 1, 1)  # 1956/1/1 0:00: the time ignored
    assert liu["born_on"] == date(1985, 3, 6)  # the Excel serial 31112
    assert zhang["referrer_id"] == wang["id"] and liu["referrer_id"] == wang["id"]  # by name, by phone
    yang, zhao, huang = stored["+8613600000006"], stored["+8613600000007"], stored["+8613600000008"]
    assert (yang["birth_calendar"], yang["birth_year"], yang["birth_month"], yang["birth_day"]) == ("lunar", 1962, 8, 15)
    assert (zhao["birth_year"], zhao["birth_month"], zhao["birth_day"], zhao["birth_leap"]) == (1974, 4, 8, True)
    assert (huang["birth_calendar"], huang["birth_year"], huang["born_on"], huang["animal_sf"]) == ("lunar", None, None, None)
    assert huang["birthday_key"] == 100815
    assert stored["+8613900000009"]["born_on"] == date(1962, 8, 15)  # full-width digits
    assert stored["+8613712345678"]["born_on"] == date(1990, 1, 20)  # +86 137-1234-5678, 19900120
    assert stored["+8613500000011"]["born_on"] == date(1992, 12, 12)
    assert stored["+8613500000012"]["born_on"] == date(1988, 2, 29)
    assert stored["+8613500000014"]["birth_leap"] is True  # 1966年闰3月3日, 历法 阴历
    assert wang["store"] == "南京路店" and wang["name"] == "王芳"
    rejects = (tmp_path / "客户名单.rejects.csv").read_bytes()
    assert rejects.startswith(codecs.BOM_UTF8)
    lines = list(csv.reader(io.StringIO(rejects.decode("utf-8-sig"))))
    assert lines[0] == ["row", "reason", "序号", "客户姓名", "手机号（必填）", "性别", "出生日期", "历法", "所属门店", "推荐人", "备注"]
    assert lines[1][:2] == ["5", "手机号 '1.35123E+10' 是科学计数法，末几位已丢失：请在 Excel 中把该列设为文本格式，再重新输入号码"]
    assert lines[1][2:] == ["2", "李娜", "1.35123E+10", "女", "1990/4/15", "", "南京路店", "", ""]  # the cells as they were
    assert lines[2][:2] == ["8", "手机号 '021-62345678' 不是手机号码（座机？）"]
    assert lines[3][0] == "11" and lines[3][1].startswith("警告：生日 '农历八月十五' 没有年份")
    assert len(lines) == 4


def test_a_lunar_leap_month_that_did_not_exist_that_year_is_rejected(cli, site, make_csv, tmp_path):
    path = make_csv("leap.csv", "手机号,姓名,生日,历法\n13600000007,赵敏,1970年闰4月8日,农历\n", encoding="gb18030")
    assert run_json(cli, "import", "customers", str(path))["rejected"] == 1
    assert "lunar year 1970 has no leap month 闰4" in (tmp_path / "leap.rejects.csv").read_text(encoding="utf-8-sig")


def test_utf16_csv_from_excel_unicode_text_imports_without_flags(cli, site, tmp_path):
    path = tmp_path / "unicode.txt"  # Excel's "Unicode 文本": UTF-16 LE with a BOM, tab-separated
    path.write_bytes("手机号\t姓名\t门店\r\n13800000001\t王芳\t南京路店\r\n".encode("utf-16"))
    comma = tmp_path / "utf16.csv"
    comma.write_bytes(codecs.BOM_UTF16_BE + "手机号,姓名\r\n13800000002,李娜\r\n".encode("utf-16-be"))
    assert run_json(cli, "import", "customers", str(path))["imported"] == 1
    assert run_json(cli, "import", "customers", str(comma))["imported"] == 1
    stored = customers(site)
    assert stored["+8613800000001"]["store"] == "南京路店" and stored["+8613800000002"]["name"] == "李娜"


# ------------------------------------------------------------------ Excel workbooks
def test_an_xlsx_with_a_title_row_date_cells_serials_floats_and_lunar_strings(cli, site, tmp_path):
    path = write_xlsx(tmp_path / "客户.xlsx", [
        ["2025年客户登记表"],
        ["说明：带*为必填"],
        ["序号", "*客户姓名", "联系电话", "出生日期", "历法", "所属门店", "入会日期"],
        [1, "王芳", 13800000001, date(1985, 3, 5), None, "南京路店", 45292],
        [2, "张伟", 13512345678.0, datetime(1956, 1, 1, 0, 0), "", "淮海路店", date(2024, 1, 2)],
        [3, "刘洋", "13700000004", 31112, None, "淮海路店", None],
        [4, "杨秀英", "13600000006", "农历1962年八月十五", None, "静安店", None],
        [5, "赵敏", "13600000007", "1974年闰4月8日", "农历", "静安店", None],
        [6, "黄丽", "13600000008", "农历八月十五", None, "静安店", None],
        [7, "李娜", "1.35123E+10", date(1990, 4, 15), None, "南京路店", None],
    ], first_row=1)
    summary = run_json(cli, "import", "customers", str(path))
    assert summary == {"imported": 6, "updated": 0, "rejected": 1}
    stored = customers(site)
    assert stored["+8613800000001"]["born_on"] == date(1985, 3, 5)
    assert stored["+8613800000001"]["joined_on"] == date(2024, 1, 1)  # serial 45292 in a date column
    assert stored["+8613512345678"]["born_on"] == date(1956, 1, 1)
    assert stored["+8613512345678"]["joined_on"] == date(2024, 1, 2)
    assert stored["+8613700000004"]["born_on"] == date(1985, 3, 6)
    assert stored["+8613600000006"]["born_on"] == date(1962, 9, 13)  # 农历1962年八月十五 = 1962-09-13
    assert stored["+8613600000007"]["birth_leap"] is True
    assert stored["+8613600000008"]["birth_year"] is None
    rejects = read_xlsx(tmp_path / "客户.rejects.xlsx")
    assert rejects[0] == ["row", "reason", "序号", "*客户姓名", "联系电话", "出生日期", "历法", "所属门店", "入会日期"]
    assert [row[0] for row in rejects[1:]] == [10.0, 11.0]  # the Excel row numbers staff see (data from row 5)
    assert "科学计数法" in rejects[2][1] and rejects[2][4] == "1.35123E+10"
    assert rejects[2][5] == date(1990, 4, 15)  # the original date cell, still a date
    assert rejects[1][1].startswith("警告：生日 '农历八月十五' 没有年份") and rejects[1][2] == 6.0


def test_another_sheet_is_read_with_the_sheet_option(cli, site, tmp_path):
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write_string(0, 0, "本表为客户名单")
    data = book.add_worksheet("客户")
    data.write_row(0, 0, ["手机号", "姓名"])
    data.write_row(1, 0, ["13800000001", "王芳"])
    book.close()
    first = cli("import", "customers", str(path))
    assert first.exit_code == 1 and "缺少列 phone" in first.output
    assert run_json(cli, "import", "customers", str(path), "--sheet", "客户")["imported"] == 1
    missing = cli("import", "customers", str(path), "--sheet", "名单")
    assert missing.exit_code == 1 and "no sheet '名单'; the sheets are 说明, 客户" in missing.output


def test_holdings_and_movements_from_xlsx_with_chinese_terms_and_amounts_as_numbers(cli, site, tmp_path):
    write_xlsx(tmp_path / "c.xlsx", [["手机号", "姓名"], [13800000001, "王芳"]])
    run_json(cli, "import", "customers", str(tmp_path / "c.xlsx"))
    holdings = write_xlsx(tmp_path / "h.xlsx", [
        ["合同号", "手机号", "金额", "期限", "起息日"],
        ["H1", 13800000001, 100000, "3个月", date(2025, 1, 31)],
        ["H2", 13800000001, 50000.5, "12个月", 45658],
        ["H3", 13800000001, 20000, "98天", "2025/1/2 0:00"],
        ["H4", 13800000001, 20000, "半年", "2025.1.2"],
    ])
    assert run_json(cli, "import", "holdings", str(holdings)) == {"imported": 4, "updated": 0, "rejected": 0}
    with create_engine(load_settings(site).database_url).connect() as conn:
        got = {r.ref: r for r in conn.execute(select(models.Holding.__table__))}
    assert (got["H1"].term, got["H1"].maturity_on, got["H1"].amount_fen) == ("3m", date(2025, 4, 30), 10_000_000)
    assert (got["H2"].term, got["H2"].start_on, got["H2"].amount_fen) == ("12m", date(2025, 1, 1), 5_000_050)
    assert (got["H3"].maturity_on, got["H4"].term) == (date(2025, 4, 10), "6m")
    movements = write_xlsx(tmp_path / "m.xlsx", [
        ["流水号", "合同号", "类型", "日期", "金额"], ["M1", "H1", "加金", date(2025, 2, 1), 5000]])
    assert run_json(cli, "import", "movements", str(movements))["imported"] == 1


# ------------------------------------------------------------------ mapping, dry run, referrers
def test_map_option_and_config_columns_map_any_header(cli, site, make_csv):
    path = make_csv("m.csv", "客户号码,称呼,客户来源\n13800000001,王芳,\n13800000002,李娜,王芳\n")
    refused = cli("import", "customers", str(path))
    assert refused.exit_code == 1 and "缺少列 phone" in refused.output
    assert run_json(cli, "import", "customers", str(path), "--map", "客户号码=phone", "--map", "称呼=name",
                    "--map", "客户来源=referrer")["imported"] == 2
    stored = customers(site)
    assert stored["+8613800000002"]["referrer_id"] == stored["+8613800000001"]["id"]
    with open(site, "a", encoding="utf-8") as f:
        f.write('[import]\ncolumns = { "客户号码" = "phone", "称呼" = "name", "合同编号" = "holding_id" }\n')
    again = make_csv("n.csv", "客户号码,称呼\n13800000003,张伟\n")
    assert run_json(cli, "import", "customers", str(again))["imported"] == 1
    bad = cli("import", "customers", str(again), "--map", "称呼=nam")
    assert bad.exit_code == 1 and "unknown column 'nam'" in bad.output


def test_dry_run_reports_what_would_happen_and_writes_nothing(cli, site, make_csv, tmp_path):
    path = make_csv("d.csv", "手机号,姓名,推荐人\n13800000001,王芳,\n13800000002,李娜,王芳\n021-62345678,陈静,\n")
    stale = tmp_path / "d.rejects.csv"
    stale.write_text("old", encoding="utf-8")
    result = cli("import", "customers", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "演练：未写入任何数据" in result.output
    assert "新增 2，更新 0，未变 0，拒绝 1" in result.output
    assert "第 4 行：手机号 '021-62345678' 不是手机号码（座机？）" in result.output
    assert count(site, "customers") == 0 and count(site, "referrals") == 0
    assert stale.read_text(encoding="utf-8") == "old" and sorted(p.name for p in tmp_path.iterdir() if "rejects" in p.name) == ["d.rejects.csv"]
    assert run_json(cli, "import", "customers", str(path), "--dry-run") == {
        "imported": 2, "updated": 0, "rejected": 1, "dry_run": True}


def test_referrer_by_name_links_a_unique_name_and_warns_about_a_shared_one(cli, site, make_csv, tmp_path):
    run_json(cli, "import", "customers", str(make_csv("a.csv", "手机号,姓名\n13800000001,王芳\n13800000002,李娜\n13800000003,李娜\n")))
    path = make_csv("b.csv", "手机号,姓名,推荐人\n13800000004,张伟,王芳\n13800000005,刘洋,李娜\n13800000006,陈静,赵敏\n")
    assert run_json(cli, "import", "customers", str(path)) == {"imported": 3, "updated": 0, "rejected": 0}
    stored = customers(site)
    assert stored["+8613800000004"]["referrer_id"] == stored["+8613800000001"]["id"]
    assert stored["+8613800000005"]["referrer_id"] is None and stored["+8613800000006"]["referrer_id"] is None
    rejects = (tmp_path / "b.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[1].startswith("3,警告：推荐人 '李娜' 是 2 位客户的姓名：请填写推荐人的手机号或推荐码；客户已导入，未关联该推荐人")
    assert rejects[2].startswith("4,警告：找不到推荐人 '赵敏'")


def test_a_title_row_above_decorated_headers_is_skipped(cli, site, make_csv):
    path = make_csv("t.csv", "客户名单,,\n\n*手机号,客户姓名（必填）,所属门店\n13800000001,王芳,南京路店\n", encoding="gb18030")
    assert run_json(cli, "import", "customers", str(path))["imported"] == 1
    assert customers(site)["+8613800000001"]["store"] == "南京路店"


def test_a_legacy_xls_workbook_imports_like_an_xlsx(cli, site, tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("客户")
    sheet.write(0, 0, "客户名单（旧版Excel）")
    for col, header in enumerate(["手机号", "客户姓名", "生日", "历法"]):
        sheet.write(2, col, header)
    sheet.write(3, 0, 13800000001)
    sheet.write(3, 1, "王芳")
    sheet.write(3, 2, date(1985, 3, 5), xlwt.easyxf(num_format_str="yyyy/m/d"))
    sheet.write(4, 0, "1.38E+10")
    sheet.write(4, 1, "李娜")
    sheet.write(4, 2, "农历八月十五")
    book.save(str(tmp_path / "old.xls"))
    assert run_json(cli, "import", "customers", str(tmp_path / "old.xls")) == {"imported": 1, "updated": 0, "rejected": 1}
    assert customers(site)["+8613800000001"]["born_on"] == date(1985, 3, 5)
    rejects = read_xlsx(tmp_path / "old.rejects.xlsx")  # an .xls input gets its rejects as .xlsx
    assert rejects[1][:2] == [5.0, "手机号 '1.38E+10' 是科学计数法，末几位已丢失：请在 Excel 中把该列设为文本格式，再重新输入号码"]


def test_a_header_without_a_required_column_is_named_below_a_title_row(cli, site, make_csv):
    path = make_csv("h.csv", "客户名单\n序号,客户姓名,门店\n1,王芳,南京路店\n")
    result = cli("import", "customers", str(path))
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert "缺少列 phone (" in result.output and "name (" not in result.output


def test_a_yearless_lunar_birthday_keeps_a_known_year_of_the_same_day_and_clears_one_of_another(cli, site, make_csv):
    run_json(cli, "import", "customers", str(make_csv("a.csv", "手机号,姓名,生日\n13800000001,王芳,农历1962年八月十五\n"
                                                                "13800000002,李娜,农历1970年三月初三\n")))
    later = make_csv("b.csv", "手机号,姓名,生日\n13800000001,王芳,农历八月十五\n13800000002,李娜,农历九月初九\n")
    assert run_json(cli, "import", "customers", str(later)) == {"imported": 0, "updated": 1, "rejected": 0}
    stored = customers(site)
    wang, li = stored["+8613800000001"], stored["+8613800000002"]
    assert (wang["birth_year"], wang["born_on"], wang["animal_sf"]) == (1962, date(1962, 9, 13), 2)  # 寅, kept
    assert (li["birth_month"], li["birth_day"], li["birth_year"], li["born_on"], li["animal_sf"], li["star_sign"]) == (
        9, 9, None, None, None, None)
