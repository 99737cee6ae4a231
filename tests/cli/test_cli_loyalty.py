"""`jinli points …`, `jinli rewards give`, `jinli report points|rewards`, and `jinli points recompute` after `jinli import`
(an import itself no longer recomputes: the daemon does, within [daemon] import_check_minutes).

The shop: 王芳 holds H1 (2025-01-10, renewed 03-10 with no withdrawal) and refers 李娜, whose H2
(2025-02-01) is her first deposit. Defaults: 王芳 10 + 2 + 5 = 17 points, 李娜 10; a 足金小金豆 is owed
to 王芳 for 李娜.
"""

from __future__ import annotations

import json

import pytest

CUSTOMERS = "phone,name,store,referrer\n13800000001,王芳,南京路店,\n13800000002,李娜,淮海路店,13800000001\n"
HOLDINGS = "holding_id,phone,amount,term,start_on\nH1,13800000001,50000,2m,2025-01-10\nH2,13800000002,20000,2m,2025-02-01\n"
MOVEMENTS = "movement_id,holding_id,kind,on,amount\nM1,H1,renewal,2025-03-10,50000\n"


@pytest.fixture
def shop(cli, make_csv, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", "2025-06-02T09:00+08:00")
    files = [("customers", make_csv("c.csv", CUSTOMERS)), ("holdings", make_csv("h.csv", HOLDINGS)),
             ("movements", make_csv("m.csv", MOVEMENTS))]
    outputs = [_import_then_recompute(cli, kind, path) for kind, path in files]
    return cli, files, outputs


def _import_then_recompute(cli, kind: str, path) -> str:
    """What the import says, then what a manual `points recompute` says (the daemon's job, by hand)."""
    imported = cli("import", kind, str(path)).output
    assert "积分与分级将由后台服务在 5 分钟内重算" in imported and "转介绍奖励" not in imported
    return cli("points", "recompute").output


def shown(cli, who: str) -> dict:
    result = cli("points", "show", who, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_each_import_leaves_points_to_the_daemon_and_a_recompute_awards_what_its_records_earn(shop):
    _cli, _files, outputs = shop
    assert "新增 0 笔" in outputs[0]
    assert "新增 3 笔（购买产品 2，续金无出金 0，转介绍 1，签到 0）；转介绍奖励：新增待发 1" in outputs[1]
    assert "新增 1 笔（购买产品 0，续金无出金 1，转介绍 0，签到 0）" in outputs[2]


def test_importing_the_same_files_twice_awards_nothing_new(shop):
    cli, files, _outputs = shop
    before = shown(cli, "13800000001")
    again = [_import_then_recompute(cli, kind, path) for kind, path in files]
    assert all("新增 0 笔" in out and "新增待发 0，取消 0" in out for out in again)
    assert shown(cli, "13800000001") == before
    assert before["balance"] == 17 and [e["points"] for e in before["entries"]] == [10, 5, 2]


def test_show_lists_earnings_balance_rewards_within_reach_and_rewards_owed(shop):
    cli, _files, _outputs = shop
    result = cli("points", "show", "13800000001")
    assert result.exit_code == 0
    assert "购买产品" in result.output and "续金无出金" in result.output
    assert "余额 17；可兑换：无" in result.output
    assert "转介绍奖励 1（2025-02-01 起待发）：足金小金豆（推荐 李娜 138****0002）" in result.output


def test_adjust_both_ways_and_redeem_spend_and_are_audited(shop):
    cli, _files, _outputs = shop
    assert cli("points", "adjust", "13800000001", "+8", "--reason", "补录").output.strip().endswith("余额 25")
    assert cli("points", "adjust", "13800000001", "-3", "--reason", "录错").output.strip().endswith("余额 22")
    result = cli("points", "redeem", "13800000001", "生日蛋糕")
    assert result.exit_code == 0 and result.output.strip() == "王芳（138****0001）：兑换 生日蛋糕，用去 20 积分；余额 2"
    audit = json.loads(cli("audit", "--json").stdout)
    points = [(a["action"], a["reason"]) for a in audit if a["action"].startswith("points.")]
    assert points == [("points.redeem", "生日蛋糕"), ("points.adjust", "录错"), ("points.adjust", "补录")]


def test_a_short_balance_refuses_the_redemption_in_one_line(shop):
    cli, _files, _outputs = shop
    result = cli("points", "redeem", "13800000002", "20")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "jinli: error: 李娜 (138****0002) has 10 points, 生日蛋糕 needs 20\n"
    assert shown(cli, "13800000002")["balance"] == 10


def test_an_unknown_reward_names_the_ladder(shop):
    cli, _files, _outputs = shop
    result = cli("points", "redeem", "13800000001", "金条")
    assert result.exit_code == 1
    assert result.stderr == "jinli: error: reward '金条': expected one of 生日蛋糕 (20), 优惠利率 (30), VIP服务 (40)\n"


def test_give_a_reward_records_who_and_the_report_shows_it_masked(shop):
    cli, _files, _outputs = shop
    assert cli("rewards", "give", "1", "--by", "王店长").output.strip() == "奖励 1（足金小金豆）已由 staff:王店长 发放"
    again = cli("rewards", "give", "1")
    assert again.exit_code == 1 and again.stderr == "jinli: error: reward 1 (足金小金豆) is given, not owed\n"
    csv = cli("report", "rewards", "--format", "csv").stdout.splitlines()
    assert csv[0] == "编号,状态,礼品,应发日期,推荐人,推荐人手机,被推荐人,被推荐人手机,场次,活动,发放人,发放时间,取消日期"
    assert csv[1] == "1,已发放,足金小金豆,2025-02-01,王芳,138****0001,李娜,138****0002,,,staff:王店长,2025-06-02 09:00,"
    assert json.loads(cli("audit", "--json").stdout)[0]["action"] == "rewards.give"


def test_report_points_by_store_as_csv_and_json(shop):
    cli, _files, _outputs = shop
    cli("points", "adjust", "13800000001", "3", "--reason", "补录")
    cli("points", "redeem", "13800000001", "生日蛋糕")
    csv = cli("report", "points", "--by", "store", "--format", "csv").stdout.splitlines()
    assert csv == ["门店,获得积分,使用积分,过期积分,剩余积分", "南京路店,20,20,0,0", "淮海路店,10,0,0,10", "合计,30,20,0,10"]
    data = json.loads(cli("report", "points", "--format", "json").stdout)
    assert data == {"as_of": "2025-06-02", "by": None,
                    "rows": [{"key": "total", "earned": 30, "spent": 20, "expired": 0, "outstanding": 10}]}


def test_points_as_a_tier_indicator_lifts_the_score(shop, site):
    cli, _files, _outputs = shop
    site.write_text(site.read_text(encoding="utf-8") + "[tiers]\npoints = [[40, 3], [15, 2]]\n", encoding="utf-8")
    explained = json.loads(cli("tiers", "explain", "13800000001", "--json").stdout)
    assert explained["indicators"]["points"] == {"value": 17, "points": 2}
    assert "│ 积分 " in cli("tiers", "explain", "13800000001").output
    assert cli("tiers", "recompute").exit_code == 0
    history = json.loads(cli("customers", "show", "13800000001", "--json").stdout)["tier_history"]
    assert (history[-1]["points"], history[-1]["points_points"]) == (17, 2)


def test_without_points_thresholds_explain_leaves_the_indicator_out(shop):
    cli, _files, _outputs = shop
    assert "points" not in json.loads(cli("tiers", "explain", "13800000001", "--json").stdout)["indicators"]
