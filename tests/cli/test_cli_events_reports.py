"""`jinli checkin`, `referrals`, `events` and `report` end to end through click, on the seeded shop."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import click
from click.testing import CliRunner
import pytest

from app import App, ManualClock
from cli import JinliGroup, main
from records.commands import checkin_command, events_group, referrals_group
from reports.commands import report_group
from settings import load_settings
from tests.events_seed import Seed, add_salon, invite, seed_shop
from tests.factories import SHANGHAI, add_customer

MINE = (checkin_command, referrals_group, events_group, report_group)


@pytest.fixture
def jinli(site):
    """`jinli` with this site and a manual clock (05-28 12:00 Shanghai, the day after the banquet)."""
    clock = ManualClock(datetime(2025, 5, 28, 12, 0, tzinfo=SHANGHAI))
    app = App(load_settings(site), clock=clock)

    @click.group(cls=JinliGroup)
    @click.pass_context
    def root(ctx):
        ctx.obj = app

    for command in MINE:
        root.add_command(command)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(root, list(args), catch_exceptions=False)

    run.app, run.clock = app, clock
    return run


@pytest.fixture
def shop(jinli):
    with jinli.app.engine.begin() as conn:
        jinli.seed = seed_shop(conn)
    return jinli


@pytest.fixture
def wired(cli):
    """The real `jinli` command, with these commands registered as cli.py will (no-op once wired)."""
    for command in MINE:
        if command.name not in main.commands:
            main.add_command(command)
    return cli


def test_checkin_through_the_real_command(wired, app):
    with app.engine.begin() as conn:
        seed = Seed(phones={"a1": "+8613800000001", "r1": "+8613800000002"})
        seed.ids["r1"] = add_customer(conn, seed.phones["r1"], "李娜")
        seed.ids["a1"] = add_customer(conn, seed.phones["a1"], "王芳", referrer_id=seed.ids["r1"])
        seed.ids["E1"] = add_salon(conn, app.today(), title="周一沙龙", slogan="你有我也有")
        invite(conn, seed, "E1", "a1", "A", "delivered")
    result = wired("checkin", "hah xyz", "--event", str(seed.ids["E1"]))
    assert result.exit_code == 0, result.output
    assert "王芳（138****0001）" in result.output and " 签到：周一沙龙" in result.output
    assert "到访 1 次" in result.output and "福字红包" in result.output and "推荐人：李娜（138****0002）" in result.output
    again = wired("checkin", "13800000001", "--event", str(seed.ids["E1"]), "--json")
    data = json.loads(again.output)
    assert (data["already"], data["visits"], data["phone"], data["gift"]["gift"]) == (True, 1, "138****0001", "福字红包")


@pytest.mark.parametrize("args", [(), ("ABCDEF", "--walk-in", "13900000001"), ("ABCDEF", "--name", "某人")])
def test_checkin_usage_errors(jinli, args):
    result = jinli("checkin", *args)
    assert result.exit_code == 2


def test_checkin_errors_are_one_line(shop):
    result = shop("checkin", "ZZZZZZ", "--event", "1")
    assert result.exit_code == 1
    assert result.output.startswith("jinli: 错误：'ZZZZZZ'：没有匹配的邀请码") and result.output.count("\n") == 1


def test_walk_in_from_the_command_line(shop):
    banquet = str(shop.seed.ids["E3"])
    result = shop("checkin", "--walk-in", "139 0000 7777", "--name", "周敏", "--referrer", "13800000001", "--event", banquet)
    assert result.exit_code == 0, result.output
    assert "周敏（139****7777）" in result.output and "新客" in result.output and "推荐人：王芳" in result.output
    listed = json.loads(shop("referrals", "list", "--referrer", "13800000001", "--json").output)
    assert [r["referee_name"] for r in listed][:1] == ["周敏"] and listed[0]["source"] == "walk_in"
    assert listed[0]["event_id"] == shop.seed.ids["E3"]  # 王芳 attended the banquet the day before


def test_referrals_add_registers_the_friend_and_refuses_with_the_reason(shop):
    result = shop("referrals", "add", "13800000002", "13900008888", "--name", "吴刚")
    assert result.exit_code == 0, result.output
    assert "李娜（138****0002） → 吴刚（139****8888）（已登记为潜在客户）；未归属场次" in result.output
    again = shop("referrals", "add", "13800000002", "13900008888")
    assert again.exit_code == 1 and "重复：李娜（138****0002） 已推荐过 吴刚（139****8888）（2025-05-28）" in again.output
    nameless = shop("referrals", "add", "13800000002", "13900009999")
    assert nameless.exit_code == 1 and "没有手机号为 139****9999 的客户：请用 `--name`" in nameless.output
    attributed = shop("referrals", "add", "13800000004", "13900006666", "--name", "钱多", "--on", "2025-05-23")
    assert f"；归属场次 {shop.seed.ids['E2']}（salons）" in attributed.output


def test_events_list_and_close(shop):
    listed = shop("events", "list", "--on", "2025-05-22", "--json")
    assert [(e["id"], e["confirmed"]) for e in json.loads(listed.output)] == [(shop.seed.ids["E2"], 2)]
    closed = shop("events", "close", str(shop.seed.ids["E1"]))
    assert closed.exit_code == 0 and "：0 人标记为未到场" in closed.output  # marked already during the seed


def test_report_funnel_json(shop):
    data = json.loads(shop("report", "funnel", "--by", "campaign", "--format", "json").output)
    total = data["total"]
    assert [total[k] for k in ("invited", "delivered", "confirmed", "attended", "walk_ins", "referrers", "referrals",
                               "converted", "deposits_fen")] == [11, 10, 6, 5, 5, 5, 6, 3, 8_000_000]
    assert total["rates"]["referrers"] == 0.5 and total["of_invited"]["converted"] == round(3 / 11, 4)
    assert [g["key"] for g in data["groups"]] == ["birthday", "salons"]
    assert [w["key"] for w in data["weeks"]] == ["2025-W21", "2025-W22"]


def test_report_funnel_filters_from_the_command_line(shop):
    data = json.loads(shop("report", "funnel", "--tier", "a", "--from", "2025-05-19", "--to", "2025-05-22", "--format", "json").output)
    assert (data["total"]["invited"], data["total"]["attended"], data["filters"]) == (3, 1, {"tier": "A", "date_from": "2025-05-19", "date_to": "2025-05-22"})
    assert shop("report", "funnel", "--from", "2025-06-02", "--to", "2025-06-01").exit_code == 1


def test_report_funnel_csv_has_chinese_headers_and_raw_numbers(shop):
    rows = list(csv.reader(io.StringIO(shop("report", "funnel", "--by", "tier", "--format", "csv").output)))
    assert rows[0][:4] == ["客户分类", "邀请", "送达", "送达/邀请"]
    assert rows[1][:4] == ["A", "5", "5", "1.0"] and rows[-1][0] == "合计" and rows[-1][-3] == "80000.00"
    assert rows[0][-3:] == ["转介绍入金(元)", "应发奖励", "已发奖励"]


def test_report_funnel_table_in_english(shop):
    output = shop("report", "funnel", "--language", "en").output
    assert "Event funnel" in output and "invited" in output and "¥80,000" in output and "90.9%" in output


def test_report_funnel_html_is_self_contained_with_charts(shop, tmp_path):
    target = tmp_path / "funnel.html"
    result = shop("report", "funnel", "--by", "week", "--format", "html", "--output", str(target))
    page = target.read_text(encoding="utf-8")
    assert result.exit_code == 0 and page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 2 and "活动漏斗" in page and "2025-W21" in page and "¥80,000" in page
    assert not any(ref in page for ref in ("<script", "<link", 'src="http', 'href="http', "url(http"))  # nothing fetched


def test_report_funnel_png(shop, tmp_path):
    target = tmp_path / "funnel.png"
    assert shop("report", "funnel", "--format", "png", "--output", str(target)).exit_code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 20_000
    assert shop("report", "funnel", "--format", "png").exit_code == 2  # needs --output


def test_report_referrals(shop):
    data = json.loads(shop("report", "referrals", "--format", "json").output)
    assert [(x["name"], x["referrals"], x["converted"], x["downline"], x["depth"]) for x in data["leaderboard"][:3]] == [
        ("王芳", 2, 1, 3, 2), ("刘洋", 1, 1, 1, 1), ("陈静", 1, 1, 1, 1)]
    assert data["generations"] == {"1": 5, "2": 2}
    assert [(v["key"], v["viral"]) for v in data["viral"]] == [("birthday", 0.0), ("salons", round(6 / 7, 4)), ("total", 0.6)]
    table = shop("report", "referrals", "--by", "salon").output
    assert "王芳" in table and "138****0001" in table and "你有我也有" in table


def test_report_visits(shop):
    data = json.loads(shop("report", "visits", "--format", "json").output)
    assert (data["conversions"], data["mean_visits"], data["three_or_more"]) == (4, 1.0, 0.25)
    assert "三次及以上: 25.0%" in shop("report", "visits").output


def test_report_followups(shop):
    data = json.loads(shop("report", "followups", "--format", "json").output)
    assert [(c["name"], c["phone"], c["referrer_name"], c["hours_left"]) for c in data] == [
        ("王芳", "+8613800000001", None, 50.1), ("朋友f2", shop.seed.phones["f2"], "王芳", 50.2)]
    table = shop("report", "followups", "--event", str(shop.seed.ids["E3"]), "--language", "en").output
    assert "朋友f2" in table and shop.seed.phones["f2"] in table and "72-hour follow-up list" in table  # full phone: staff call
    assert json.loads(shop("report", "followups", "--event", str(shop.seed.ids["E2"]), "--format", "json").output) == []


def test_a_rate_label_names_its_denominator_and_means_one_thing(shop):
    """The chart's attended-of-invited and the table's attended-of-confirmed carry two different labels."""
    from reports.funnel_output import rate_label
    from reports.labels import labels

    L = labels("zh")
    header = next(csv.reader(io.StringIO(shop("report", "funnel", "--by", "tier", "--format", "csv").output)))
    assert "到场/确认参加" in header and rate_label("attended", L) == "到场/确认参加"
    assert L["attendance_rate"] == "到场/邀请" and "到场率" not in header


def test_report_funnel_by_store(shop, app):
    """E1 and E2 move to 南京路店, E3 (the banquet) stays shop-wide (*): 9 invitations there, 2 at E3."""
    from sqlalchemy import update

    from records import models

    with app.engine.begin() as conn:
        conn.execute(update(models.Event.__table__).where(models.Event.campaign_id == "salons").values(store="南京路店"))
    rows = list(csv.reader(io.StringIO(shop("report", "funnel", "--by", "store", "--format", "csv").output)))
    assert [(r[0], r[1]) for r in rows[1:]] == [("南京路店", "9"), ("*", "2"), ("合计", "11")]
    only = list(csv.reader(io.StringIO(shop("report", "funnel", "--store", "南京路店", "--format", "csv").output)))
    assert only[1][:2] == ["邀请", "9"]
