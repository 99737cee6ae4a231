"""Audience filters on every kind (store, gender, age, birth years, products, terms, amount), the imported
性别 column, and `campaigns validate` warning about names that match nobody. SQLite and PostgreSQL.

The shop on 2025-06-02 (the day the texts go out):
| name | store  | gender  | born       | holdings on the day                                   |
|------|--------|---------|------------|-------------------------------------------------------|
| 王芳 | 南京路店 | F       | 1962-03-05 | 金生利1年 1y ¥200,000 (active)                          |
| 李强 | 静安店  | M       | 1985-06-03 | 稳盈 6m ¥50,000 (active) + 金生利1年 ¥80,000 (matured 06-01) |
| 张敏 | 南京路店 | F       | 1995-06-02 | 金生利1年 1y ¥30,000 (starts 06-03: not yet)            |
| 赵伟 | 静安店  | unknown | unknown    | none                                                  |
"""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app import App
from records import models
from tests.factories import add_holding
from tests.integration.test_campaign_preview import run_preview

CUSTOMERS = """
    手机号,姓名,性别,生日,门店
    13900000001,王芳,女,1962-03-05,南京路店
    13900000002,李强,男,1985-06-03,静安店
    13900000003,张敏,female,1995-06-02,南京路店
    13900000004,赵伟,,,静安店
"""
BROADCAST = """
    id = "{id}"
    name = "新品"
    kind = "broadcast"
    [broadcast]
    date = 2025-06-02
    [audience]
    {audience}
    [templates]
    announcement = "broadcast_new_product"
"""
EVERYONE = {"王芳", "李强", "张敏", "赵伟"}


@pytest.fixture
def shop(app: App, site: Path, cli, make_csv) -> App:
    (site.parent / "campaigns").mkdir()
    import shutil
    shutil.copytree(Path(__file__).resolve().parents[2] / "templates", site.parent / "templates")
    assert cli("import", "customers", str(make_csv("customers.csv", CUSTOMERS))).exit_code == 0
    with app.engine.begin() as conn:
        ids = dict(conn.execute(select(models.Customer.name, models.Customer.id)).all())
        add_holding(conn, ids["王芳"], 200_000, "1y", date(2025, 1, 1))
        add_holding(conn, ids["李强"], 50_000, "6m", date(2025, 3, 1))
        add_holding(conn, ids["李强"], 80_000, "1y", date(2024, 6, 1))  # matures 2025-06-01
        add_holding(conn, ids["张敏"], 30_000, "1y", date(2025, 6, 3))
        conn.execute(models.Holding.__table__.update().values(product="金生利1年").where(models.Holding.term == "1y"))
        conn.execute(models.Holding.__table__.update().values(product="稳盈").where(models.Holding.term == "6m"))
    return app


def audience_of(app: App, audience: str, campaign_id: str = "b") -> tuple[set[str], dict[str, str]]:
    """(recipients, excluded name → reason) of a broadcast on 2025-06-02 with the ``[audience]`` lines given."""
    text = textwrap.dedent(BROADCAST).format(id=campaign_id, audience=audience)
    (app.settings.campaigns_path / f"{campaign_id}.toml").write_text(text, encoding="utf-8")
    found = run_preview(app, campaign_id, date(2025, 6, 2))["announcement"]
    return set(found["to"]), found["excluded"]


def test_the_imported_gender_column(shop):
    with shop.engine.connect() as conn:
        genders = dict(conn.execute(select(models.Customer.name, models.Customer.gender)).all())
    assert genders == {"王芳": "F", "李强": "M", "张敏": "F", "赵伟": None}


def test_a_gender_that_is_no_gender_rejects_its_row(site, cli, make_csv, app):
    result = cli("import", "customers", str(make_csv("c.csv", "手机号,姓名,性别\n13900000001,王芳,女士\n13900000002,李强,男\n")))
    assert result.exit_code == 0
    rejects = (site.parent / "c.rejects.csv").read_text(encoding="utf-8-sig")
    assert "性别 '女士'：应为 男 或 女" in rejects
    with app.engine.connect() as conn:
        assert conn.execute(select(models.Customer.name)).scalars().all() == ["李强"]


def test_reimporting_without_the_gender_column_keeps_it(shop, cli, make_csv):
    assert cli("import", "customers", str(make_csv("again.csv", "手机号,姓名\n13900000001,王芳\n"))).exit_code == 0
    with shop.engine.connect() as conn:
        assert conn.execute(select(models.Customer.gender).where(models.Customer.name == "王芳")).scalar_one() == "F"


@pytest.mark.parametrize("audience, recipients, reason", [
    ("", EVERYONE, None),
    ('stores = ["静安店"]', {"李强", "赵伟"}, "store"),
    ('gender = "女"', {"王芳", "张敏"}, "gender"),
    ('gender = "male"', {"李强"}, "gender"),
    ("age = [31, 63]", {"王芳", "李强"}, "age"),  # 张敏 turns 30 on the day
    ("age = [40, 70]", {"王芳"}, "age"),  # 李强 turns 40 tomorrow: 39
    ("birth_years = [1980, 1999]", {"李强", "张敏"}, "birth_year"),
    ('products = ["金生利1年"]', {"王芳"}, "holding"),  # 李强's matured, 张敏's not started
    ('terms = ["6m"]', {"李强"}, "holding"),
    ("min_amount = 50000", {"王芳", "李强"}, "holding"),
    ("min_amount = 50000.01", {"王芳"}, "holding"),
    ('terms = ["1y", "6m"]\n    min_amount = 100000', {"王芳"}, "holding"),
], ids=["none", "store", "women", "men", "age-31-63", "age-40-70", "birth-years", "product", "term", "amount",
        "amount-fen", "terms-and-amount"])
def test_each_audience_filter(shop, audience, recipients, reason):
    to, excluded = audience_of(shop, audience)
    assert to == recipients
    assert excluded == {name: reason for name in EVERYONE - recipients}


def test_age_on_the_birthday(shop):
    assert audience_of(shop, "age = [30, 30]")[0] == {"张敏"}  # born 1995-06-02: 30 on 2025-06-02
    assert audience_of(shop, "age = [40, 40]")[0] == set()  # 李强 is 40 from 06-03


def test_validate_warns_about_a_store_product_or_term_that_matches_nobody(shop, cli, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", "2025-06-01T09:00+08:00")
    audience_of(shop, 'stores = ["静安店", "徐汇店"]\n    products = ["金生利2年"]\n    terms = ["98d", "6m"]', "w")
    result = cli("campaigns", "validate")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "audience" in line]
    where = f"{shop.settings.campaigns_path / 'w.toml'}: audience"
    assert warnings == [
        f"warning: {where}.stores: '徐汇店' matches no customer (known: 南京路店, 静安店)",
        f"warning: {where}.products: '金生利2年' matches no holding (known: 稳盈, 金生利1年)",
        f"warning: {where}.terms: '98d' matches no holding",
    ]


def test_a_broadcast_to_a_recipients_file_keeps_the_audience_filters(shop, cli, monkeypatch):
    folder = shop.settings.campaigns_path
    (folder / "people.csv").write_text("手机号\n13900000001\n13900000002\n13900000003\n13900000099\n", encoding="utf-8")
    text = textwrap.dedent(BROADCAST).format(id="f", audience='gender = "女"').replace(
        "[broadcast]", '[broadcast]\nrecipients_file = "people.csv"')
    (folder / "f.toml").write_text(text, encoding="utf-8")
    found = run_preview(shop, "f", date(2025, 6, 2))["announcement"]
    assert set(found["to"]) == {"王芳", "张敏"} and found["excluded"] == {"李强": "gender"}  # 赵伟 not in the file
    assert found["to"]["王芳"] == "【金福金行】王芳您好！金福金行新款金饰已于6月2日到店，欢迎您到店品鉴试戴。回T退订"
    monkeypatch.setenv("JINLI_NOW", "2025-06-01T09:00+08:00")
    result = cli("campaigns", "validate")
    assert f"warning: {folder / 'f.toml'}: broadcast.recipients_file: people.csv: 1 phone(s) match no customer and get " \
           "no text: line 5 139****0099" in result.stderr.splitlines()
