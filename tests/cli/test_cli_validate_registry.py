"""`jinli campaigns validate` against the approved-template registry and the content rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def shop(site: Path) -> Path:
    """The shipped campaigns and templates beside the test site, +86 routed through Aliyun."""
    shutil.copytree(REPO / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REPO / "templates", site.parent / "templates")
    route(site, '{ CN = "aliyun" }')
    return site.parent


def route(site: Path, routes: str) -> None:
    text = site.read_text(encoding="utf-8")
    site.write_text(text.replace('gateway = "file"', f'gateway = "file"\nroutes = {routes}'), encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def problems(result) -> list[str]:
    return [line for line in result.output.splitlines() if not line.startswith("warning: holiday calendar")]


def test_the_shipped_campaigns_validate_cleanly_through_aliyun_under_the_default_policy(cli, shop):
    result = cli("campaigns", "validate")
    assert result.exit_code == 0, result.output
    assert problems(result) == ["6 个活动检查通过：birthday, holding-notices, lucky-day, salon-followups, salons, three-encounters"]


def test_a_template_edited_away_from_its_approved_text_fails_naming_file_and_place(cli, shop):
    edit(shop / "templates" / "salon_reminder.j2", "记得带上朋友", "记得带上家人")
    result = cli("campaigns", "validate")
    assert result.exit_code == 1
    [line] = problems(result)
    assert line.startswith(f"{shop / 'campaigns' / 'salons.toml'}: templates.reminder: {shop / 'templates' / 'salon_reminder.j2'}: "
                           "line 1, character 49: the template reads")
    assert "带上家人" in line and "the approved text of aliyun SMS_000000007 reads" in line and "带上朋友" in line


def test_a_variable_over_its_limit_fails_naming_the_placeholder(cli, shop):
    edit(shop / "templates" / "approved.toml", 'text = "${name}，祝您生日快乐', 'text = "${name}，祝您生日快乐')
    edit(shop / "templates" / "approved.toml", 'variables = { name = "name", brand = "text" }',
         'variables = { name = { type = "name", max = 1 }, brand = "text" }')
    result = cli("campaigns", "validate")
    assert result.exit_code == 1
    [line] = problems(result)
    assert line == (f"{shop / 'campaigns' / 'birthday.toml'}: templates.greeting: {shop / 'templates' / 'birthday_greeting.j2'}: "
                    "sample for aliyun SMS_000000003: ${name} = '王芳': 2 characters, over the name variable's limit of 1")


def test_a_template_without_a_registry_entry_fails(cli, shop):
    edit(shop / "templates" / "approved.toml", "[aliyun.monthly_return]", "[aliyun.monthly_returns]")
    [line] = problems(cli("campaigns", "validate"))
    assert line.endswith(f"monthly_return.j2: no approved aliyun template for 'monthly_return' in {shop / 'templates' / 'approved.toml'}")


def test_a_marketing_approved_text_without_an_unsubscribe_hint_fails(cli, shop):
    edit(shop / "templates" / "approved.toml", "推荐码${code}。回T退订", "推荐码${code}。")
    edit(shop / "templates" / "lucky_day.j2", "推荐码{{ customer.referral_code }}。", "推荐码{{ customer.referral_code }}。回T退订")
    edit(shop / "config.toml", 'file_path = "sent.jsonl"', 'file_path = "sent.jsonl"\nunsubscribe_hint = ""')
    result = cli("campaigns", "validate")
    hint = [line for line in problems(result) if "[aliyun.lucky_day]" in line]
    assert result.exit_code == 1 and hint == [
        f"{shop / 'templates' / 'approved.toml'} [aliyun.lucky_day] text: a marketing template needs an unsubscribe hint "
        "(回T退订, 拒收请回复R) in its approved text"]


def test_a_signature_typed_into_the_approved_text_is_refused(cli, shop):
    edit(shop / "templates" / "approved.toml", 'text = "${name}您好，今天${time}', 'text = "【金福金行】${name}您好，今天${time}')
    result = cli("campaigns", "validate")
    assert result.exit_code == 1
    [line] = problems(result)
    assert line.startswith(f"{shop / 'templates' / 'approved.toml'} [aliyun.salon_reminder] text: contains 【】")


@pytest.mark.parametrize("level, exit_code, expected", [
    ("error", 1, "lottery (error): 锦鲤 in the fixed text"),
    ("warning", 0, "warning: {where}: lottery (warning): 锦鲤 in the fixed text"),
    ("off", 0, None),
])
def test_a_flagged_word_fails_under_error_warns_under_warning_and_is_silent_when_off(cli, shop, level, exit_code, expected):
    route_free = (shop / "config.toml").read_text(encoding="utf-8").replace('routes = { CN = "aliyun" }\n', "")
    (shop / "config.toml").write_text(route_free, encoding="utf-8")  # the lint applies without a domestic route too
    edit(shop / "templates" / "lucky_day.j2", "欢迎把这份好心情", "您就是今天的锦鲤，欢迎把这份好心情")
    edit(shop / "templates" / "content_rules.toml", '[lottery]               # 抽奖、中奖\nlabel = "抽奖/中奖"\nlevel = "error"',
         f'[lottery]\nlabel = "抽奖/中奖"\nlevel = "{level}"')
    result = cli("campaigns", "validate")
    where = f"{shop / 'campaigns' / 'lucky_day.toml'}: templates.lucky_day: {shop / 'templates' / 'lucky_day.j2'}"
    lines = [line for line in problems(result) if "个活动检查通过" not in line]
    assert result.exit_code == exit_code
    if expected is None:
        assert lines == []
    else:
        [line] = lines
        assert line.startswith(expected.format(where=where) if "{where}" in expected else f"{where}: {expected}")
