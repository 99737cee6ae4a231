import pytest

from errors import TemplateError
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
