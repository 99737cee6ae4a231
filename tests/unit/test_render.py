import pytest

from errors import TemplateError, TemplateTooLong
from messaging.render import TemplateRenderer, compose_sms

TEMPLATES = {
    "birthday.j2": "\n  {{ name }}您好,祝您生日快乐!\n\n",
    "salon/invite.j2": (
        "{{ name }}您好,\n"
        "{% if friend %}\n"
        "欢迎带{{ friend }}一起来,\n"
        "{% endif %}\n"
        "{{ weekday }}沙龙「{{ slogan }}」等您。\n"
    ),
    "greeting.j2": "{{ name }}您好,\n祝{{ customer.title }}开心",
    "escape.j2": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "format.j2": "{{ name }}\n{{ '{0.__class__}'.format(name) }}",
    "mutate.j2": "{{ tags.append('vip') }}{{ tags }}",
    "globals.j2": "{{ cycler.__init__.__globals__ }}",
    "broken.j2": "{{ name }}您好\n{% if %}",
    "divide.j2": "第一行\n{{ 1 / zero }}",
    "plain.txt": "not a template",
    "notice.j2": "{{ customer.name }}您好，{{ customer.tier }}级{% if customer.name %}，{{ brand }}{% endif %}",
    "whole.j2": "{{ customer }}",
    "subscript.j2": "{{ customer['name'] }}{{ customer.tier }}",
    "included.j2": "{% include 'notice.j2' %}",
    "ranges.j2": "{% for i in range(3) %}{{ i }}{% endfor %}{{ dict(a=1)['a'] }}",
}


@pytest.fixture
def renderer(tmp_path):
    for name, text in TEMPLATES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return TemplateRenderer(tmp_path)


def test_names_are_j2_files_without_extension(renderer):
    expected = ["birthday", "broken", "divide", "escape", "format", "globals", "greeting", "included", "mutate", "notice",
                "ranges", "salon/invite", "subscript", "whole"]
    assert renderer.names() == expected


def test_names_of_a_missing_folder_is_empty(tmp_path):
    assert TemplateRenderer(tmp_path / "nope").names() == []


@pytest.mark.parametrize("name, expected", [("birthday", True), ("salon/invite", True), ("plain", False), ("nope", False)])
def test_exists(renderer, name, expected):
    assert renderer.exists(name) is expected


def test_render_trims_surrounding_whitespace(renderer):
    assert renderer.render("birthday", {"name": "张女士"}) == "张女士您好,祝您生日快乐!"


@pytest.mark.parametrize(
    "friend, expected",
    [
        ("朋友", "王先生您好,\n欢迎带朋友一起来,\n周六沙龙「你敢我也敢」等您。"),
        ("", "王先生您好,\n周六沙龙「你敢我也敢」等您。"),
    ],
    ids=["with friend", "block tags leave no blank line"],
)
def test_render_multi_line(renderer, friend, expected):
    context = {"name": "王先生", "friend": friend, "weekday": "周六", "slogan": "你敢我也敢"}
    assert renderer.render("salon/invite", context) == expected


@pytest.mark.parametrize(
    "name, context, fragments",
    [
        ("birthday", {}, ["'birthday'", "birthday.j2:2", "undefined", "'name' is undefined"]),
        ("greeting", {"name": "张", "customer": {}}, ["greeting.j2:2", "undefined", "title"]),
        ("escape", {}, ["escape.j2:1", "unsafe", "__class__"]),
        ("format", {"name": "张"}, ["format.j2:2", "unsafe", "__class__"]),
        ("mutate", {"tags": ["a"]}, ["mutate.j2:1", "unsafe", "append"]),
        ("globals", {}, ["globals.j2:1", "unsafe", "__init__"]),
        ("broken", {"name": "张"}, ["broken.j2:2", "syntax error"]),
        ("divide", {"zero": 0}, ["divide.j2:2", "ZeroDivisionError"]),
        ("nope", {}, ["'nope'", "not found", "nope.j2"]),
    ],
    ids=["undefined variable", "undefined attribute", "sandbox mro", "sandbox format", "immutable context",
         "sandbox globals", "syntax error", "runtime error", "missing template"],
)
def test_render_failures_are_one_line_template_errors(renderer, name, context, fragments):
    with pytest.raises(TemplateError) as caught:
        renderer.render(name, context)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_context_is_not_mutated_by_a_template(renderer):
    tags = ["a"]
    with pytest.raises(TemplateError):
        renderer.render("mutate", {"tags": tags})
    assert tags == ["a"]


def test_templates_are_compiled_once(renderer, tmp_path):
    renderer.render("birthday", {"name": "张"})
    (tmp_path / "birthday.j2").write_text("changed {{ name }}", encoding="utf-8")
    assert renderer.render("birthday", {"name": "张"}) == "张您好,祝您生日快乐!"
    assert TemplateRenderer(tmp_path).render("birthday", {"name": "张"}) == "changed 张"


@pytest.mark.parametrize("name, expected", [
    ("notice", frozenset({"name", "tier"})),
    ("birthday", frozenset()),
    ("whole", None),  # the variable used whole: anything may be read
    ("subscript", None),
    ("included", None),  # another template may read more
])
def test_attributes_read_of_a_variable(renderer, name, expected):
    assert renderer.attributes_read(name, "customer") == expected


def test_jinja_globals_remain_available_to_templates(renderer):
    assert renderer.render("ranges", {}) == "0121"


def test_variables_lists_what_a_template_reads(renderer):
    assert renderer.variables("salon/invite") == {"name", "friend", "weekday", "slogan"}


SIG, HINT = "【金福金行】", "回T退订"


@pytest.mark.parametrize(
    "body, marketing, signature, expected",
    [
        ("周六沙龙等您", True, SIG, "【金福金行】周六沙龙等您回T退订"),
        ("您的产品将于5月1日到期", False, SIG, "【金福金行】您的产品将于5月1日到期"),
        ("【金福金行】周六沙龙等您", True, SIG, "【金福金行】周六沙龙等您回T退订"),
        ("周六沙龙等您,回T退订", True, SIG, "【金福金行】周六沙龙等您,回T退订"),
        ("【金福金行】周六沙龙等您回T退订", True, SIG, "【金福金行】周六沙龙等您回T退订"),
        ("您的产品到期,回T退订", False, SIG, "【金福金行】您的产品到期,回T退订"),
        ("  周六沙龙等您\n", True, SIG, "【金福金行】周六沙龙等您回T退订"),
        ("周六沙龙等您", True, "金福金行", "【金福金行】周六沙龙等您回T退订"),
        ("周六沙龙等您", True, "", "周六沙龙等您回T退订"),
    ],
    ids=["marketing", "notice has no hint", "signature already there", "hint already there", "both already there",
         "notice keeps a template's own hint", "body trimmed", "brackets added", "no signature configured"],
)
def test_compose_sms(body, marketing, signature, expected):
    assert compose_sms(body, marketing=marketing, signature=signature, unsubscribe_hint=HINT) == expected


# ---- bounds: a template must not hang or exhaust memory; each case is a quick, one-line TemplateError
BOUNDED = {
    "nested_ranges": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "nested_silent_loops": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "nested_text_loops": "{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}{% endfor %}{% endfor %}",
    "power": "{{ 10**100000 }}",
    "power_chain": "{{ (10**100)**100 }}",
    "squaring": "{% set ns = namespace(v=3) %}{% for i in range(64) %}{% set ns.v = ns.v * ns.v %}{% endfor %}{{ 1 }}",
    "huge_string": "{{ 'x' * 100000000 }}",
    "huge_list": "{{ ([1] * 100000000)|length }}",
    "doubling_concat": "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "doubling_plus": "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "doubling_replace": "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s|replace('a', 'aa') %}{% endfor %}",
    "center_filter": "{{ 'x'|center(1000000000) }}",
    "center_method": "{{ 'x'.center(1000000000) }}",
    "format_width": "{{ '{:>1000000000}'.format(1) }}",
    "percent_width": "{{ '%01000000000d' % 1 }}",
    "format_filter": "{{ '%01000000000d'|format(1) }}",
    "slice_filter": "{{ [1]|slice(1000000000)|list|length }}",
    "macro_recursion": "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
    "block_set": "{% set t %}{% for i in range(10000) %}{{ s }}{% endfor %}{% endset %}{{ t|length }}",
    "long_output": "{% for i in range(10000) %}好{% endfor %}",
}


@pytest.fixture
def bounded(tmp_path):
    for name, text in BOUNDED.items():
        (tmp_path / f"{name}.j2").write_text(text, encoding="utf-8")
    return TemplateRenderer(tmp_path, max_chars=2000)


@pytest.mark.timeout(5)
@pytest.mark.parametrize("name", sorted(BOUNDED))
def test_a_template_over_a_bound_is_one_template_error_naming_the_file(bounded, tmp_path, name):
    with pytest.raises(TemplateError) as caught:
        bounded.render(name, {"s": "x" * 2000})
    message = str(caught.value)
    assert message.startswith(f"template {name!r} ({tmp_path / name}.j2:") and "\n" not in message
    assert "over a rendering bound" in message, message


@pytest.mark.parametrize("name, too_long", [("long_output", True), ("huge_string", True), ("block_set", True),
                                            ("power", False), ("nested_silent_loops", False)])
def test_texts_over_the_limit_are_template_too_long(bounded, name, too_long):
    with pytest.raises(TemplateError) as caught:
        bounded.render(name, {"s": "x" * 2000})
    assert isinstance(caught.value, TemplateTooLong) is too_long


def test_what_a_bounded_template_may_still_do(tmp_path):
    (tmp_path / "fine.j2").write_text(
        "{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}{{ 2**64 }} {{ 'ab' * 3 }} "
        "{{ '%05.1f'|format(3.14159) }} {{ '{:>4}'.format(7) }} {{ ('x' * 1990)|length }} {{ [1, 2] + [3] }}",
        encoding="utf-8")
    assert TemplateRenderer(tmp_path, max_chars=2000).render("fine", {}) == \
        "18446744073709551616 ababab 003.1    7 1990 [1, 2, 3]"


def test_the_output_limit_is_the_renderers_max_chars(tmp_path):
    (tmp_path / "name.j2").write_text("{{ name }}您好", encoding="utf-8")
    assert TemplateRenderer(tmp_path, max_chars=12).render("name", {"name": "张" * 10}) == "张" * 10 + "您好"
    with pytest.raises(TemplateTooLong, match="longer than 12 characters"):
        TemplateRenderer(tmp_path, max_chars=12).render("name", {"name": "张" * 11})


def test_max_render_chars_is_read_from_config_and_bounded(tmp_path):
    from errors import ConfigError
    from settings import settings_from_dict

    assert settings_from_dict({"sms": {"max_render_chars": 500}}, base_dir=tmp_path).sms.max_render_chars == 500
    assert settings_from_dict({}, base_dir=tmp_path).sms.max_render_chars == 2000
    with pytest.raises(ConfigError, match=r"\[sms\] max_render_chars: expected 70 to 100000 characters, got 0"):
        settings_from_dict({"sms": {"max_render_chars": 0}}, base_dir=tmp_path)
