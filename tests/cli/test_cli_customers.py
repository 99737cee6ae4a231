"""The customer desk: `customers list` finds and masks, `show` takes a unique name, `edit` changes on purpose and is recorded."""

from __future__ import annotations

import csv
import getpass
import io
import json

import pytest
from sqlalchemy import select

from records import models
from records.importing import birth_columns

CUSTOMERS = """phone,name,birthday,store,referral_code,joined_on
13800000001,王芳,1985-03-05,南京路店,WANGFANG,2024-01-01
13800000002,李娜,1990-01-20,南京路店,LINA2,2024-01-01
13900000003,王芳,1970-02-01,淮海路店,WANGF2,2024-01-01
13900000004,张伟,,淮海路店,ZHANGW,2024-01-01
"""


@pytest.fixture
def desk(cli, make_csv):
    assert cli("import", "customers", str(make_csv("c.csv", CUSTOMERS))).exit_code == 0
    return cli


def listed(desk, *args) -> list[str]:
    result = desk("customers", "list", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [row["name"] + ":" + row["phone"] for row in json.loads(result.output)]


@pytest.mark.parametrize("args, expected", [
    ((), ["王芳:138****0001", "李娜:138****0002", "王芳:139****0003", "张伟:139****0004"]),
    (("--search", "王"), ["王芳:138****0001", "王芳:139****0003"]),
    (("--search", "0002"), ["李娜:138****0002"]),
    (("--search", "139 0000"), ["王芳:139****0003", "张伟:139****0004"]),
    (("--search", "zhangw"), ["张伟:139****0004"]),
    (("--store", "淮海路店"), ["王芳:139****0003", "张伟:139****0004"]),
    (("--store", "淮海路店", "--search", "王芳"), ["王芳:139****0003"]),
    (("--tier", "a"), []),
    (("--search", "100%"), []),
], ids=["all", "name-part", "phone-fragment", "phone-spaced", "code", "store", "store-and-name", "tier", "wildcard-literal"])
def test_list_filters_combine_and_phones_are_masked(desk, args, expected):
    assert listed(desk, *args) == expected


def test_list_as_csv_has_chinese_headers_and_no_bom(desk):
    result = desk("customers", "list", "--format", "csv", "--search", "李娜")
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0][:4] == ["编号", "姓名", "手机", "等级"] and not result.output.startswith("\ufeff")
    assert rows[1][1:4] == ["李娜", "138****0002", "P"]


def test_list_says_when_more_match_than_the_limit(desk):
    result = desk("customers", "list", "--limit", "2")
    assert "符合条件的客户超过 2 位：用 --search、--tier 或 --store 缩小范围，或调大 --limit" in result.output
    assert result.output.count("****") == 2


def test_show_by_a_unique_name_gives_the_full_number(desk):
    shown = json.loads(desk("customers", "show", "李娜", "--json").output)["customer"]
    assert (shown["name"], shown["phone"]) == ("李娜", "+8613800000002")


def test_show_by_an_ambiguous_name_is_one_line_saying_how_many(desk):
    result = desk("customers", "show", "王芳")
    assert result.exit_code == 1
    assert result.output.strip() == ("jinli: 错误：客户姓名 '王芳' 对应 2 位客户：请用手机号、id:编号或推荐码指明"
                                     "（jinli customers list --search 王芳）")


def stored(app, phone: str) -> dict:
    with app.engine.connect() as conn:
        c = models.Customer.__table__
        return dict(conn.execute(select(c).where(c.c.phone == phone)).mappings().one())


def test_edit_recomputes_the_derived_birthday_columns_like_the_importer(app, desk):
    result = desk("customers", "edit", "李娜", "--birthday", "1990年8月15日", "--calendar", "农历")
    assert result.exit_code == 0, result.output
    after = stored(app, "+8613800000002")
    expected = birth_columns("1990-8-15", "lunar", "")
    assert {k: after[k] for k in expected} == expected
    assert after["born_on"].isoformat() == "1990-10-03" and after["birthday_key"] == 100815


def test_edit_calendar_alone_rereads_the_stored_birth_date(app, desk):
    desk("customers", "edit", "13800000001", "--calendar", "lunar")
    after = stored(app, "+8613800000001")
    assert (after["birth_calendar"], after["birth_month"], after["birth_day"]) == ("lunar", 3, 5)
    assert after["born_on"].isoformat() == "1985-04-24"  # 农历 1985-03-05


def test_edit_is_recorded_with_who_and_before_after(desk):
    desk("customers", "edit", "LINA2", "--name", "李娜娜", "--store", "总店", "--by", "王经理")
    desk("customers", "edit", "LINA2", "--joined-on", "2023-05-01")
    trail = json.loads(desk("audit", "--customer", "LINA2", "--json").output)
    assert [(e["action"], e["actor"], json.loads(e["detail"])["changes"]) for e in trail] == [
        ("customers.edit", f"os:{getpass.getuser()}", {"joined_on": ["2024-01-01", "2023-05-01"]}),
        ("customers.edit", f"王经理 via os:{getpass.getuser()}", {"name": ["李娜", "李娜娜"], "store": ["南京路店", "总店"]}),
    ]


def test_an_edit_changing_nothing_records_nothing(desk):
    result = desk("customers", "edit", "LINA2", "--store", "南京路店")
    assert result.output.strip() == "客户 2：没有改动"
    assert json.loads(desk("audit", "--customer", "LINA2", "--json").output) == []


def test_edit_links_a_referrer_named_by_unique_name(app, desk):
    result = desk("customers", "edit", "ZHANGW", "--referrer", "李娜")
    assert result.exit_code == 0, result.output
    with app.engine.connect() as conn:
        r = models.Referral.__table__.c
        assert conn.execute(select(r.referrer_id, r.referee_id, r.source)).all() == [(2, 4, "staff")]
    assert stored(app, "+8613900000004")["referrer_id"] == 2


def test_an_empty_import_cell_still_never_erases_an_edit(app, desk, make_csv):
    desk("customers", "edit", "ZHANGW", "--birthday", "1980-06-01")
    desk("import", "customers", str(make_csv("again.csv", "phone,name,birthday\n13900000004,张伟,\n")))
    assert stored(app, "+8613900000004")["born_on"].isoformat() == "1980-06-01"


@pytest.mark.parametrize("args, message", [
    (("nobody", "--name", "x"), "jinli: 错误：找不到客户 'nobody'（不是手机号、编号、推荐码或客户姓名）"),
    (("王芳", "--name", "x"), "jinli: 错误：客户姓名 '王芳' 对应 2 位客户"),
    (("LINA2", "--birthday", "1990-02-30"), "公历生日 1990-02-30 不存在"),
    (("LINA2", "--birthday", "19九〇"), "生日 '19九〇' 不是日期（如 1985/3/5"),
    (("LINA2", "--joined-on", "2099-01-01"), "入会日期 2099-01-01 晚于导入日"),
    (("LINA2", "--name", ""), "姓名为空"),
    (("LINA2", "--name", "长" * 51), "姓名长 51 个字：最多 50 个（`[import] max_name_length`）"),
    (("LINA2", "--store", "店" * 101), "门店长 101 个字符：最多 100 个"),
    (("LINA2", "--calendar", "火星历"), "历法 '火星历'：应为 公历 或 农历"),
    (("ZHANGW", "--leap", "yes"), "--calendar and --leap need a birthday: give --birthday too"),
    (("LINA2",), "nothing to change: give --name"),
    (("LINA2", "--referrer", "LINA2"), "不能自己推荐自己"),
], ids=["unknown", "ambiguous", "impossible-date", "not-a-date", "future-join", "empty-name", "long-name", "long-store",
        "bad-calendar", "leap-without-birthday", "nothing", "self-referral"])
def test_edit_bad_input_is_one_line_and_changes_nothing(app, desk, args, message):
    before = stored(app, "+8613800000002")
    result = desk("customers", "edit", *args)
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
    assert result.output.startswith(("jinli: error: ", "jinli: 错误：")) and message in result.output
    assert stored(app, "+8613800000002") == before
