"""Issue #14 for an import's rarer reject reasons: each says why in the site's language (zh by default) in the rejects
file, and a file that is empty or names a column twice is refused in one line of that language."""

from __future__ import annotations

import csv

import pytest

from tests.cli.test_cli_language import EN_VALUES, ZH_VALUES, foreign_words
from tests.cli.views_shop import build_shop

CUSTOMERS = [("phone", "name", "gender", "birthday", "calendar", "leap", "joined_on", "referral_code"),
             ("13600000021", "甲", "X", "", "", "", "", ""),                    # gender
             ("13600000022", "乙", "", "农历1962年八月十五", "公历", "", "", ""),  # the calendar column disagrees
             ("13600000023", "丙", "", "1962-08-15", "农历", "也许", "", ""),     # leap: yes or no
             ("13600000024", "丁", "", "", "", "", "1899-12-31", ""),            # before 1900
             ("13600000025", "戊", "", "8月15日", "公历", "", "", ""),            # no year, not lunar
             ("13600000026", "己", "", "", "", "", "", "R" * 17),               # too long
             ("13600000027", "庚", "", "", "", "", "", "")]
HOLDINGS = [("holding_id", "phone", "amount", "term", "start_on", "maturity_on", "monthly_return"),
            ("", "13600000027", "1000", "1y", "2025-05-01", "", ""),             # holding id empty
            ("H2", "13600000027", "1000", "永远", "2025-05-01", "", ""),          # term
            ("H3", "13600000027", "1000", "200y", "2025-05-01", "", ""),          # term too long
            ("H4", "13600000027", "1000", "1y", "2099-05-01", "", ""),            # start too far ahead
            ("H5", "13600000027", "1000", "1y", "2025-05-01", "2025-06-01", ""),  # maturity is not start + term
            ("H6", "13600000027", "1000", "1y", "2025-05-01", "", "也许"),        # monthly_return: yes or no
            ("H7", "13600000099", "1000", "1y", "2025-05-01", "", "")]            # no such customer
MOVEMENTS = [("movement_id", "holding_id", "kind", "on", "amount"),
             ("M1", "H8", "借款", "2025-05-02", "10"),                             # movement type
             ("", "H8", "deposit", "2025-05-02", "10"),                            # movement id empty
             ("M3", "NOPE9", "deposit", "2025-05-02", "10")]                          # no such holding
DATA = EN_VALUES | {"农历1962年八月十五", "也许", "永远", "借款", "8月15日"}


@pytest.fixture(params=["zh", "en"])
def shop(request, cli, site, monkeypatch):
    build_shop(site, cli, monkeypatch, request.param)
    return cli, request.param, site


def _write(site, name: str, rows) -> str:
    path = site.parent / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)
    return str(path)


def _reasons(cli, site, kind: str, rows) -> dict[str, str]:
    result = cli("import", kind, _write(site, kind, rows))
    assert result.exit_code == 0, result.output
    found = list(csv.reader((site.parent / f"{kind}.rejects.csv").open(encoding="utf-8-sig")))
    return {row[0]: row[1] for row in found[1:]}


def _foreign(said: str, language: str) -> list[str]:
    return foreign_words(said, language, ZH_VALUES | {"R" * 17, "H2", "H3", "NOPE9"} if language == "zh" else DATA)


def test_rare_reject_reasons_are_in_the_site_language(shop):
    cli, language, site = shop
    found = {**{f"c{n}": r for n, r in _reasons(cli, site, "customers", CUSTOMERS).items()},
             **{f"h{n}": r for n, r in _reasons(cli, site, "holdings", HOLDINGS).items()},
             **{f"m{n}": r for n, r in _reasons(cli, site, "movements", MOVEMENTS).items()}}
    assert sorted(found) == ["c2", "c3", "c4", "c5", "c6", "c7", "h2", "h3", "h4", "h5", "h6", "h7", "h8",
                             "m2", "m3", "m4"], found
    assert {k: _foreign(r, language) for k, r in found.items() if _foreign(r, language)} == {}
    if language == "zh":
        assert found["c2"] == "性别 'X'：应为 男 或 女" and found["c3"] == "生日 '农历1962年八月十五' 是农历，但历法列写的是公历"
        assert found["c5"] == "入会日期 1899-12-31 早于 1900-01-31" and found["h2"] == "持仓编号为空"
        assert found["h5"].startswith("起始日 2099-05-01 太靠后") and found["m3"] == "资金变动编号为空"
        assert found["h6"] == "到期日 '2025-06-01' 不等于起始日加期限（2026-05-01）"
        assert found["m4"] == "没有持仓 'NOPE9'（请先导入持仓）"
    else:
        assert found["c2"] == "gender 'X': expected M or F (male/female)" and found["h2"] == "holding_id is empty"


@pytest.mark.parametrize("content, zh, en", [
    ("", "文件为空（没有表头行）", "the file is empty"),
    ("phone,name,手机号\n1,2,3\n", "列 'phone' 出现两次（'手机号'）", "column 'phone' appears twice ('手机号')"),
])
def test_an_unusable_file_is_refused_in_the_site_language(shop, content, zh, en):
    cli, language, site = shop
    path = site.parent / "x.csv"
    path.write_text(content, encoding="utf-8")
    result = cli("import", "customers", str(path))
    assert result.exit_code == 1
    assert (zh if language == "zh" else en) in result.output, result.output
