"""Labels are all Chinese or all English per [site] language: every data command's titles, headers, summaries and the
common errors, scanned for words of the other language (values such as campaign ids are allowed by name)."""

from __future__ import annotations

import re

import pytest

from cli_words import WORDS
from tests.cli.views_shop import CAMPAIGN_IDS, DATA_COMMANDS, build_shop

ASCII_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3001-\u3011]")
# Values, not labels: campaign and step ids, the tiers, a unit, the command's own name, the accepted forms of a day.
ZH_VALUES = {*CAMPAIGN_IDS, "ABCP", "ABC", "SMS", "jinli", "today", "tomorrow", "yesterday"}
# Chinese values in English views: the shop's customers, stores and events (data), and the accepted forms of a day.
EN_VALUES = {"王芳", "黄敏", "南京路店", "今天", "明天", "昨天", "后天"}
BOX = re.compile(r"[─-╿]")


def labels_in(output: str) -> str:
    """The words a view adds around the data: tables' titles and headers and the lines outside tables, with the
    data rows, `command hints` and the customers show values left out."""
    kept, in_rows = [], False
    for line in output.splitlines():
        if line.startswith("┡"):
            in_rows = True
        elif line.startswith("└"):
            in_rows = False
        elif not in_rows:
            kept.append(line)
    text = re.sub(r"`[^`]*`", " ", "\n".join(kept))
    return BOX.sub(" ", text)


def foreign_words(output: str, language: str, values: set[str]) -> list[str]:
    """Words of the other language among the labels; ``values`` and file paths (data) are left out first."""
    text = re.sub(r"[^\s'（]*/[^\s'）]*", " ", labels_in(output))
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, " ")
    return ASCII_WORD.findall(text) if language == "zh" else CJK.findall(text)


@pytest.fixture(params=["zh", "en"])
def shop(request, cli, site, monkeypatch):
    build_shop(site, cli, monkeypatch, request.param)
    return cli, request.param


def _view(cli, name: str) -> str:
    result = cli(*DATA_COMMANDS[name])
    assert result.exit_code == 0, result.output
    if name == "customers show":  # "label: value" lines: the labels only
        return "\n".join(line.split(":")[0] for line in result.stdout.splitlines())
    return result.stdout


@pytest.mark.parametrize("name", sorted(DATA_COMMANDS))
def test_a_view_speaks_one_language(shop, name):
    cli, language = shop
    output = _view(cli, name)
    assert foreign_words(output, language, ZH_VALUES if language == "zh" else EN_VALUES) == [], output


@pytest.mark.parametrize("args, zh, en", [
    (("customers", "show", "nobody"), "找不到客户 'nobody'", "customer 'nobody' not found"),
    (("campaigns", "preview", "nope"), "找不到活动 'nope'", "campaign 'nope' not found"),
    (("events", "list", "--date", "someday"), "不是日期", "is not a day"),
    (("import", "customers", "missing.csv"), "missing.csv：文件不存在", "missing.csv: file not found"),
    (("outbox", "list", "--format", "xlsx"), "写入文件", "writes a file"),
])
def test_common_errors_are_one_line_in_the_site_language(shop, args, zh, en):
    cli, language = shop
    result = cli(*args)
    assert result.exit_code in (1, 2)
    [line] = result.output.strip().splitlines()
    assert line.startswith("jinli: 错误：" if language == "zh" else "jinli: error: ") and (zh if language == "zh" else en) in line
    values = {"nobody", "nope", "someday", "missing", "csv", "xlsx", "format", "output", *ZH_VALUES} if language == "zh" \
        else {"missing.csv", *EN_VALUES}
    assert foreign_words(re.sub(r"--[a-z]+", " ", line), language, values) == [], line


def test_the_catalogue_has_every_key_in_both_languages():
    assert set(WORDS["zh"]) == set(WORDS["en"])
    assert [k for k, v in WORDS["en"].items() if CJK.search(v.replace("今天", "").replace("明天", ""))] == []
