"""Report files as staff open them in Excel: `--format xlsx` re-reads with the same numbers; CSV files start with a BOM."""

from __future__ import annotations

import codecs
import json

import python_calamine

from tests.cli.test_cli_events_reports import jinli, shop  # noqa: F401  (fixtures)


def sheets(path) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def table_below_header(rows: list[list], first_label: str) -> tuple[list, list[list]]:
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_label)
    return rows[start], rows[start + 1:]


def test_funnel_xlsx_re_reads_with_the_numbers_of_the_json_report(shop, tmp_path):
    target = tmp_path / "funnel.xlsx"
    result = shop("report", "funnel", "--by", "tier", "--tier", "a", "--from", "2025-05-19", "--to", "2025-05-31",
                  "--format", "xlsx", "--output", str(target))
    assert result.exit_code == 0, result.output
    data = json.loads(shop("report", "funnel", "--by", "tier", "--tier", "a", "--from", "2025-05-19", "--to", "2025-05-31",
                           "--format", "json").output)
    book = sheets(target)
    assert list(book) == ["活动漏斗", "活动漏斗 · 客户分类", "每周趋势"]
    steps = book["活动漏斗"]
    assert steps[0][0] == "活动漏斗" and steps[1][0] == "筛选: tier=A, date_from=2025-05-19, date_to=2025-05-31"
    assert steps[2][0] == "期间: 2025-05-19 – 2025-05-31"
    header, rows = table_below_header(book["活动漏斗 · 客户分类"], "客户分类")
    assert header[:4] == ["客户分类", "邀请", "送达", "送达/邀请"]
    total = rows[-1]
    assert total[0] == "合计"
    t = data["total"]
    by_label = dict(zip(header, total))
    assert by_label["邀请"] == t["invited"] and by_label["到场"] == t["attended"]
    assert by_label["送达/邀请"] == t["rates"]["delivered"]  # a fraction, formatted as a percentage
    assert by_label["转介绍入金(元)"] == t["deposits_fen"] / 100  # yuan, a number


def test_referrals_xlsx_has_one_sheet_per_table_and_numbers_as_numbers(shop, tmp_path):
    target = tmp_path / "referrals.xlsx"
    assert shop("report", "referrals", "--format", "xlsx", "--output", str(target)).exit_code == 0
    data = json.loads(shop("report", "referrals", "--format", "json").output)
    book = sheets(target)
    assert len(book) == 3
    header, rows = table_below_header(book["转介绍报告"], "名次")
    leaders = [dict(zip(header, row)) for row in rows]
    assert [(x["姓名"], x["转介绍"], x["裂变人数"], x["手机"]) for x in leaders] == [
        (x["name"], x["referrals"], x["downline"], x["phone"]) for x in data["leaderboard"]]
    assert book["转介绍报告"][2][0] == "期间: 全部"


def test_xlsx_needs_an_output_file(shop):
    result = shop("report", "visits", "--format", "xlsx")
    assert result.exit_code == 2 and "--format xlsx 写入文件：请给出 --output 文件.xlsx" in result.output


def test_a_csv_report_file_starts_with_a_bom_and_standard_output_has_none(shop, tmp_path):
    target = tmp_path / "visits.csv"
    assert shop("report", "visits", "--format", "csv", "--output", str(target)).exit_code == 0
    data = target.read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and data.decode("utf-8-sig").startswith("到访次数,成交人数")
    printed = shop("report", "visits", "--format", "csv").output
    assert printed.startswith("到访次数,成交人数")
