"""The approved-template registry, the template's shape against the approved text, variables, and the content lint."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import ConfigError, TemplateError
from messaging.content_rules import load_content_rules
from messaging.registry import load_registry
from messaging.render import TemplateRenderer
from messaging.template_shape import mismatch

ENTRY = '''
[aliyun.greet]
code = "SMS_1"
text = "${name}您好！今天是会员日，推荐码${code}。回T退订"
variables = { name = "name", code = "number" }
'''


def registry(tmp_path: Path, text: str = ENTRY):
    path = tmp_path / "approved.toml"
    path.write_text(text, encoding="utf-8")
    return load_registry(path)


def renderer(tmp_path: Path, source: str) -> TemplateRenderer:
    (tmp_path / "greet.j2").write_text(source, encoding="utf-8")
    return TemplateRenderer(tmp_path)


@pytest.mark.parametrize("text, expected", [
    ("[baidu.greet]\ncode = 'x'", "[baidu]: unknown provider: expected aliyun or tencent"),
    ("[aliyun.greet]\ntext = '您好'", "[aliyun.greet] code: required, a non-empty string"),
    ("[aliyun.greet]\ncode = 'S'\ntext = '${name}您好'", "[aliyun.greet] variables: the text's placeholder ${name} has no type"),
    ("[aliyun.greet]\ncode = 'S'\ntext = '【金福】您好'", "[aliyun.greet] text: contains 【】"),
    ("[aliyun.greet]\ncode = 'S'\ntext = '${a}您好'\nvariables = { a = { type = 'name', max = 36 } }",
     "[aliyun.greet] variables.a max: expected 1 to 35 (aliyun's limit for a name variable), got 36"),
    ("[tencent.greet]\ncode = '1'\ntext = '{1}您好'\nvariables = { 1 = 'colour' }", "[tencent.greet] variables.1 type: expected one of"),
    ("[aliyun.greet]\ncode = 'S'\ntext = '您好'\ncolour = 'red'", "[aliyun.greet]: unknown key 'colour'"),
    ("[aliyun.greet]\ncode = 'S'\ntext = '您好'\nvariables = { a = 'text' }", "[aliyun.greet] variables.a: not a placeholder of the text"),
    ("[aliyun.greet\n", "invalid TOML"),
])
def test_a_broken_registry_is_one_line_naming_file_and_key(tmp_path, text, expected):
    with pytest.raises(ConfigError) as error:
        registry(tmp_path, text)
    message = str(error.value)
    assert message.startswith(str(tmp_path / "approved.toml")) and expected in message and "\n" not in message


def test_a_missing_registry_is_empty(tmp_path):
    found = load_registry(tmp_path / "nope.toml")
    assert (found.found, found.entries) == (False, {})


def test_a_template_matching_its_approved_text_gives_named_variables_in_order(tmp_path):
    approved = registry(tmp_path).find("aliyun", "greet")
    r = renderer(tmp_path, "{{ customer.name }}您好！今天是会员日，推荐码{{ customer.code | upper }}。\n")
    assert mismatch(r.shape("greet"), approved, "回T退订") is None
    values = r.render_values("greet", {"customer": {"name": "王芳", "code": "k2m5"}})
    params, problems = approved.params(values)
    assert (params, problems) == ({"name": "王芳", "code": "K2M5"}, [])
    assert approved.fill(params) == "王芳您好！今天是会员日，推荐码K2M5。回T退订"


def test_a_template_edited_away_from_its_approved_text_names_the_first_differing_place(tmp_path):
    approved = registry(tmp_path).find("aliyun", "greet")
    r = renderer(tmp_path, "{# greeting #}\n{{ customer.name }}您好！今天是幸运日，推荐码{{ customer.code }}。")
    problem = mismatch(r.shape("greet"), approved, "回T退订")
    assert problem == ("line 2, character 14: the template reads '…e}您好！今天是幸运日，推荐码$…' where the approved "
                       "text of aliyun SMS_1 reads '…e}您好！今天是会员日，推荐码$…'")


def test_a_statement_around_fixed_text_is_refused_with_its_line(tmp_path):
    approved = registry(tmp_path).find("aliyun", "greet")
    r = renderer(tmp_path, "{{ customer.name }}您好！\n{% if vip %}尊贵的{% endif %}今天是会员日，推荐码{{ customer.code }}。")
    assert mismatch(r.shape("greet"), approved).startswith("line 2: a {% … %} statement")
    with pytest.raises(TemplateError, match="greet.j2.*line 2: a {% … %} statement"):
        r.render_values("greet", {"customer": {"name": "王芳", "code": "K2"}, "vip": True})


@pytest.mark.parametrize("values, problem", [
    (["王" * 36, "K2M5"], "${name} = '" + "王" * 36 + "': 36 characters, over the name variable's limit of 35"),
    (["王芳", "http://x.cn/a"], "${code} = 'http://x.cn/a': a link inside a variable"),
    (["jinli.com/r", "K2M5"], "${name} = 'jinli.com/r': a link inside a variable"),
    (["【金福】王芳", "K2M5"], "${name} = '【金福】王芳': 【】 inside a variable"),
    (["王芳", "K2 M5"], "${code} = 'K2 M5': not a number value (letters, digits, - and _)"),
    (["", "K2M5"], "${name} = '': empty"),
])
def test_a_variable_breaking_its_type_limit_or_holding_a_link_is_named(tmp_path, values, problem):
    approved = registry(tmp_path).find("aliyun", "greet")
    _, problems = approved.params(values)
    assert len(problems) == 1 and problems[0].startswith(problem)


def test_a_link_token_is_a_variable_only_of_letters_and_digits_up_to_12(tmp_path):
    approved = registry(tmp_path, '''
[tencent.rsvp]
code = "2045001"
text = "{1}您好，回复请点 https://jinli.example/r/{2} 拒收请回复R"
variables = { 1 = "name", 2 = "token" }
''').find("tencent", "rsvp")
    assert approved.params(["王芳", "Ab3dE6gH9k2M"])[1] == []
    assert approved.params(["王芳", "Ab3dE6gH9k2M7"])[1] == ["{2} = 'Ab3dE6gH9k2M7': 13 characters, over the token variable's limit of 12"]
    assert approved.fill({"1": "王芳", "2": "Ab3"}) == "王芳您好，回复请点 https://jinli.example/r/Ab3 拒收请回复R"


def test_the_content_lint_names_category_level_and_words(tmp_path):
    rules = load_content_rules(tmp_path / "none.toml")  # no file: the default policy
    found = rules.lint("144人中的锦鲤，幸运日稳赚不赔，积分兑换好礼")
    assert [(f.category, f.level, f.words) for f in found] == [
        ("lottery", "error", ("锦鲤",)), ("financial_promises", "error", ("稳赚",)),
        ("points_redemption", "warning", ("积分兑换",))]
    assert rules.lint("今天是您的幸运日") == []  # 幸运 alone is allowed


def test_content_rules_from_the_file_with_staff_words_and_levels(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[lottery]\nlevel = "off"\nwords = ["锦鲤"]\n[shop]\nlevel = "warning"\nwords = ["秒杀"]\n', encoding="utf-8")
    rules = load_content_rules(path)
    assert [(f.category, f.words) for f in rules.lint("锦鲤秒杀")] == [("shop", ("秒杀",))]
    path.write_text('[lottery]\nlevel = "fatal"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"rules.toml \[lottery\] level: expected error, warning or off, got 'fatal'"):
        load_content_rules(path)
