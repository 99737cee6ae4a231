"""Issue #14 for the commands that write: an import's summary, its dry-run preview and rejects file, customers edit,
points adjust, campaigns pause/resume and a campaign file's problem speak only the site's language (zh by default)."""

from __future__ import annotations

import csv

import pytest

from tests.cli.test_cli_language import EN_VALUES, ZH_VALUES, foreign_words
from tests.cli.views_shop import build_shop

# A new customer, a landline (rejected), a lunar birthday without a year (warning), an unknown referrer (warning).
ROWS = [("phone", "name", "birthday", "referrer"), ("13600000011", "李雷", "1985-03-05", ""),
        ("02162345678", "韩梅", "1986-01-01", ""), ("13600000012", "张三", "农历八月十五", ""),
        ("13600000013", "李四", "", "没有这人")]
DATA = {"李雷", "韩梅", "张三", "李四", "没有这人", "农历八月十五", "王芳", "王芳芳", "补录", "盘点", "暂停一下"}


@pytest.fixture(params=["zh", "en"])
def shop(request, cli, site, monkeypatch):
    build_shop(site, cli, monkeypatch, request.param)
    return cli, request.param, site


def _customers_file(site):
    path = site.parent / "new-customers.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(ROWS)
    return path


def _foreign(output: str, language: str) -> list[str]:
    return foreign_words(output, language, (ZH_VALUES | {"xiaoli"}) if language == "zh" else EN_VALUES | DATA)


def _ok(cli, *args) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.output


def test_an_import_and_its_dry_run_speak_the_site_language(shop):
    cli, language, site = shop
    path = _customers_file(site)
    dry = _ok(cli, "import", "customers", str(path), "--dry-run")
    done = _ok(cli, "import", "customers", str(path))
    assert _foreign(dry, language) == [] and _foreign(done, language) == [], dry + done
    if language == "zh":
        assert "演练：未写入任何数据" in dry and "新增 3，更新 0，未变 0，拒绝 1，警告 2" in done
        assert "第 3 行：手机号 '02162345678' 不是手机号码（座机？）" in dry and "第 5 行：警告：找不到推荐人 '没有这人'" in dry
    else:
        assert "dry run: nothing was written" in dry and "imported 3, updated 0, unchanged 0, rejected 1, warnings 2" in done
        assert "row 3: phone '02162345678' is not a mobile number (landline?)" in dry


def test_the_rejects_file_gives_its_reasons_in_the_site_language(shop):
    cli, language, site = shop
    path = _customers_file(site)
    _ok(cli, "import", "customers", str(path))
    rows = list(csv.reader((site.parent / "new-customers.rejects.csv").open(encoding="utf-8-sig")))
    reasons = {row[0]: row[1] for row in rows[1:]}
    assert reasons == ({"3": "手机号 '02162345678' 不是手机号码（座机？）",
                        "4": "警告：生日 '农历八月十五' 没有年份：每年照常庆祝；但没有出生年份，生肖与年龄类活动会跳过该客户",
                        "5": "警告：找不到推荐人 '没有这人'；客户已导入，未关联推荐人"} if language == "zh" else
                       {"3": "phone '02162345678' is not a mobile number (landline?)",
                        "4": "warning: birthday '农历八月十五' has no year: it is celebrated every year; without a year on "
                             "file, zodiac and age campaigns skip this customer",
                        "5": "warning: referrer '没有这人' not found; customer imported without referrer"})


@pytest.mark.parametrize("args, zh", [
    (("customers", "edit", "13800000001", "--name", "王芳芳"), "：姓名：王芳 → 王芳芳"),
    (("points", "adjust", "13800000001", "+8", "--reason", "补录"), "：积分 +8（补录）；余额"),
    (("campaigns", "pause", "birthday", "--reason", "暂停一下"), "活动 birthday：已暂停；"),
    (("staff", "disable", "xiaoli"), "员工 xiaoli：已停用"),
    (("tiers", "pin", "13800000001", "B", "--reason", "盘点"), "：手动指定为 B"),
])
def test_a_writing_command_speaks_the_site_language(shop, args, zh):
    cli, language, _site = shop
    output = _ok(cli, *args)
    assert _foreign(output, language) == [], output
    assert (zh in output) == (language == "zh"), output


def test_a_resume_speaks_the_site_language(shop):
    cli, language, _site = shop
    _ok(cli, "campaigns", "pause", "birthday")
    output = _ok(cli, "campaigns", "resume", "birthday")
    assert _foreign(output, language) == [], output
    assert output.startswith("活动 birthday：已恢复；" if language == "zh" else "campaign birthday: resumed;"), output


def test_a_campaign_file_problem_names_file_and_key_in_the_site_language(shop):
    cli, language, site = shop
    broken = site.parent / "campaigns" / "broken.toml"
    broken.write_text((site.parent / "campaigns" / "birthday.toml").read_text(encoding="utf-8")
                      .replace('id = "birthday"', 'id = "broken"', 1)
                      .replace("enabled = true", 'enabled = "yes"', 1), encoding="utf-8")
    result = cli("campaigns", "validate")
    assert result.exit_code != 0
    [line] = [line for line in result.stderr.splitlines() if "broken.toml" in line] or [result.output]
    assert line == (f"{broken}：enabled：应为 true 或 false，实际为 'yes'" if language == "zh" else
                    f"{broken}: enabled: expected true or false, got 'yes'")


@pytest.mark.parametrize("change, zh, en", [
    (lambda t: t.replace('id = "birthday"', 'id = "broken"', 1) + "\n[[[", "：不是有效的 `TOML`：", ": invalid TOML: "),
    (lambda t: t, "：id：'birthday' 也是 ", ": id: 'birthday' is also the id of "),
    (lambda t: t.replace('id = "birthday"', 'id = "broken"\nstart_on = 2001-01-01\nend_on = 2000-01-01', 1),
     "：end_on：2000-01-01 早于 `start_on` 2001-01-01",
     ": end_on: 2000-01-01 is before start_on 2001-01-01"),
])
def test_more_campaign_file_problems_are_in_the_site_language(shop, change, zh, en):
    cli, language, site = shop
    folder = site.parent / "campaigns"
    (folder / "broken.toml").write_text(change((folder / "birthday.toml").read_text(encoding="utf-8")), encoding="utf-8")
    result = cli("campaigns", "validate")
    [line] = [line for line in result.stderr.splitlines() if "broken.toml" in line] or [result.output]
    assert (zh if language == "zh" else en) in line, line
    if language == "zh":
        assert foreign_words(line.split("TOML`：")[0], "zh", ZH_VALUES | {"birthday"}) == [], line
