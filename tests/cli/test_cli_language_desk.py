"""Issue #14 for the commands staff use daily at the door and the desk: checkin (its lines, notes and errors),
events list|close|cancel and referrals add speak only the site's language (zh by default)."""

from __future__ import annotations

import pytest

from tests.cli.test_cli_language import EN_VALUES, ZH_VALUES, foreign_words
from tests.cli.views_shop import build_shop

# Data in the English views: the seed's customers and events, the names given below, the gift ladder's gifts (config).
DATA = EN_VALUES | {"李娜", "王芳", "周敏", "吴刚", "幸运庆生宴", "周一沙龙", "周四沙龙", "你有我也有", "你能我也能",
                    "福字红包", "金箔书签"}


@pytest.fixture(params=["zh", "en"])
def desk(request, cli, site, monkeypatch):
    seed = build_shop(site, cli, monkeypatch, request.param)
    return cli, request.param, seed.ids


def _foreign(output: str, language: str) -> list[str]:
    """Words of the other language; values allowed: codes, ids, the steps and the gateway named in the output."""
    return foreign_words(output, language, ZH_VALUES | {"ZZZZZZ", "nope", "someday", "invitation", "reminder", "file"} if language == "zh" else DATA)


def _said(cli, language, args, code, zh, en) -> str:
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert _foreign(result.output, language) == [], result.output
    assert (zh if language == "zh" else en) in result.output, result.output
    return result.output


def test_a_check_in_speaks_the_site_language(desk):
    cli, language, ids = desk
    _said(cli, language, ("checkin", "13800000001", "--event", str(ids["E3"])), 0,
          "王芳（138****0001）已于 14:05 签到过：幸运庆生宴（场次 3）\n  到访 2 次 · 随手礼：金箔书签",
          "王芳 (138****0001) already checked in at 14:05: 幸运庆生宴 (event 3)\n  visits: 2 · gift: 金箔书签")


def test_a_refused_walk_in_referral_is_a_note_in_the_site_language(desk):
    cli, language, ids = desk
    _said(cli, language, ("checkin", "--walk-in", "13900007777", "--name", "周敏", "--referrer", "13800000002",
                          "--event", str(ids["E3"])), 0, "周敏（139****7777）", "周敏 (139****7777)")
    _said(cli, language, ("checkin", "--walk-in", "13800000002", "--name", "李娜", "--referrer", "13800000002",
                          "--event", str(ids["E3"])), 0,
          "备注：未记录转介绍：不能自己推荐自己：李娜（138****0002）",
          "note: referral not recorded: self-referral: 李娜 (138****0002) cannot refer themself")


@pytest.mark.parametrize("args, code, zh, en", [
    (("checkin", "ZZZZZZ", "--event", "1"), 1, "'ZZZZZZ'：没有匹配的邀请码、手机号或推荐码", "'ZZZZZZ': no invitation code"),
    (("checkin", "13800000001"), 1, "2025-05-28 没有场次", "no event on 2025-05-28"),
    (("checkin", "13800000001", "--event", "999"), 1, "找不到场次 999", "event 999 not found"),
    (("checkin", "13800000001", "--walk-in", "13900007777"), 2, "请给出 邀请码|手机号", "give either CODE|PHONE"),
    (("checkin", "13800000001", "--name", "周敏"), 2, "只能与 `--walk-in` 一起用", "go with --walk-in"),
    (("checkin", "--walk-in", "13900007777", "--event", "1"), 1, "139****7777：新客人需要姓名", "a new guest needs a name"),
    (("events", "cancel", "1", "--notify", "nope"), 1, "`--notify` 'nope'：没有模板", "--notify 'nope': no template"),
    (("referrals", "add", "13800000002", "13900009999"), 1, "没有手机号为 139****9999 的客户",
     "no customer with phone 139****9999"),
])
def test_a_desk_error_is_one_line_in_the_site_language(desk, args, code, zh, en):
    cli, language, _ids = desk
    output = _said(cli, language, args, code, zh, en)
    assert output.startswith("jinli: 错误：" if language == "zh" else "jinli: error: ") and output.count("\n") == 1


def test_events_close_and_cancel_speak_the_site_language(desk):
    cli, language, ids = desk
    event = str(ids["E1"])
    _said(cli, language, ("events", "close", event), 0, "场次 {}（周一沙龙）：0 人标记为未到场".format(event),
          f"event {event} (周一沙龙): 0 no-show(s) marked")
    _said(cli, language, ("events", "cancel", event), 0, "：已取消；0 条未发短信已取消", ": cancelled; 0 unsent text(s)")
    _said(cli, language, ("events", "cancel", event), 0, "：此前已取消；", ": was already cancelled;")
    _said(cli, language, ("events", "list", "--date", "2025-05-19"), 0, "2025-05-19", "2025-05-19")


def test_referrals_add_and_its_refusal_speak_the_site_language(desk):
    cli, language, _ids = desk
    _said(cli, language, ("referrals", "add", "13800000002", "13900008888", "--name", "吴刚"), 0,
          "李娜（138****0002） → 吴刚（139****8888）（已登记为潜在客户）；未归属场次",
          "李娜 (138****0002) → 吴刚 (139****8888) (registered as a prospect); unattributed")
    _said(cli, language, ("referrals", "add", "13800000002", "13900008888"), 1,
          "重复：李娜（138****0002） 已推荐过 吴刚（139****8888）（2025-05-28）",
          "duplicate: 李娜 (138****0002) already referred 吴刚 (139****8888) on 2025-05-28")


@pytest.mark.parametrize("now, zh, en", [
    ("someday", "`JINLI_NOW` 'someday' 不是日期时间", "JINLI_NOW 'someday' is not an ISO date-time"),
    ("2025-05-28T12:00", "`JINLI_NOW` '2025-05-28T12:00' 缺少时区偏移", "JINLI_NOW '2025-05-28T12:00' needs a UTC offset"),
])
def test_a_bad_jinli_now_is_said_in_the_site_language(desk, monkeypatch, now, zh, en):
    cli, language, _ids = desk
    monkeypatch.setenv("JINLI_NOW", now)
    output = _said(cli, language, ("events", "list"), 2, zh, en)
    assert output.startswith("jinli: 错误：" if language == "zh" else "jinli: error: ") and output.count("\n") == 1


def test_send_test_speaks_the_site_language(desk):
    cli, language, _ids = desk
    result = cli("send-test", "13800138000", "--campaign", "salons")
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()[:1]
    assert _foreign(line, language) == [], line
    assert ("的测试短信已经" in line) == (language == "zh"), line
    _said(cli, language, ("send-test", "13800138000", "--campaign", "salons", "--step", "nope"), 1,
          "活动 'salons' 没有步骤 'nope'", "campaign 'salons' has no step 'nope'")


def test_init_speaks_chinese_the_new_shop_folders_language(tmp_path):
    from click.testing import CliRunner

    from cli import main

    result = CliRunner().invoke(main, ["init", str(tmp_path / "shop")])
    assert result.exit_code == 0, result.output
    assert foreign_words(result.output, "zh", ZH_VALUES | {"var", "config.toml", "README"}) == [], result.output
    assert "已建立店铺文件夹" in result.output and "数据库与文件网关的输出" in result.output
