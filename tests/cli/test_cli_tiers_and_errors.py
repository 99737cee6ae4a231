"""The command line end to end: tiers commands and the error paths (one line, non-zero, no traceback)."""

from __future__ import annotations

import json

import pytest

HOLDINGS = """
    holding_id,phone,amount,term,start_on,monthly_return
    H1,13800000001,100000,1y,2025-03-01,是
    H2,13800000002,20000,2m,2025-05-01,否
"""


@pytest.fixture
def seeded(cli, make_csv):
    cli("import", "customers", str(make_csv("c.csv", "phone,name,referral_code\n13800000001,王芳,WANGFANG\n"
                                                  "13800000002,李娜,\n13800000003,张伟,\n")))
    cli("import", "holdings", str(make_csv("h.csv", HOLDINGS)))
    return cli


def test_recompute_prints_counts_per_tier_as_json(seeded):
    result = seeded("tiers", "recompute", "--as-of", "2025-06-01", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"as_of": "2025-06-01", "tiers": {"A": 0, "B": 0, "C": 2, "P": 1}, "total": 3}


def test_recompute_table_names_each_tier(seeded):
    result = seeded("tiers", "recompute", "--as-of", "2025-06-01")
    assert result.exit_code == 0 and "C" in result.output and "合计" in result.output


@pytest.mark.parametrize("who", ["13800000001", "+86 138-0000-0001", "wangfang", "id:1", "1"])
def test_explain_finds_a_customer_by_phone_code_or_id(seeded, who):
    result = seeded("tiers", "explain", who, "--as-of", "2025-06-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["customer"]["name"] == "王芳" and data["customer"]["phone"] == "138****0001"
    assert data["indicators"]["deposit"] == {"value": 10_000_000, "points": 3}
    assert data["indicators"]["term"] == {"value": 365, "points": 3}
    assert (data["score"], data["tier"]) == (6, "C")


def test_explain_table_shows_indicators_in_chinese(seeded):
    result = seeded("tiers", "explain", "13800000001", "--as-of", "2025-06-01")
    assert "入金额" in result.output and "¥100,000" in result.output and "等级 C" in result.output


def test_pin_and_unpin(seeded):
    result = seeded("tiers", "pin", "13800000002", "a", "--reason", "行长的朋友")
    assert result.exit_code == 0 and "：手动指定为 A" in result.output
    explained = json.loads(seeded("tiers", "explain", "13800000002", "--json").output)
    assert (explained["pinned_tier"], explained["tier"]) == ("A", "A")
    shown = json.loads(seeded("customers", "show", "13800000002", "--json").output)
    assert [h["reason"] for h in shown["tier_history"]] == ["pin"] and shown["tier_history"][0]["note"] == "行长的朋友"
    result = seeded("tiers", "unpin", "13800000002")
    assert result.exit_code == 0 and "已取消手动指定；按得分等级" in result.output
    assert json.loads(seeded("tiers", "explain", "13800000002", "--json").output)["pinned_tier"] is None


def one_line_error(result, *fragments: str, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("args, fragments", [
    (("tiers", "explain", "13999999999"), ("jinli: 错误：找不到客户 '139****9999'",)),  # errors mask phones too
    (("tiers", "explain", "hello world"), ("不是手机号、编号或推荐码",)),
    (("tiers", "pin", "13800000001", "B", "--reason", "  "), ("--reason 不能为空",)),
    (("customers", "show", "id:99"), ("找不到客户 'id:99'",)),
], ids=["unknown-phone", "unparsable", "empty-reason", "unknown-id"])
def test_error_paths_are_one_line(seeded, args, fragments):
    one_line_error(seeded(*args), *fragments)


def test_a_bad_date_option_is_a_usage_error(seeded):
    result = seeded("tiers", "recompute", "--as-of", "2025-02-30")
    assert result.exit_code == 2 and "2025-02-30" in result.output and "Traceback" not in result.output


def test_a_broken_config_is_one_line(tmp_path):
    from click.testing import CliRunner

    from cli import main

    config = tmp_path / "config.toml"
    for content, fragment in [("[sms]\nweekly_cap = 'three'\n", "[sms] weekly_cap: expected int"),
                              ("[smss]\n", "unknown section [smss]"),
                              ("[sms]\ngatway = 'file'\n", "unknown key 'gatway'"),
                              ("[site\n", "invalid TOML"),
                              ("[site]\ntimezone = 'Mars/Olympus'\n", "unknown time zone")]:
        config.write_text(content, encoding="utf-8")
        result = CliRunner().invoke(main, ["--config", str(config), "tiers", "recompute"])
        one_line_error(result, str(config), fragment)
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "missing.toml"), "db", "current"])
    one_line_error(result, "config file not found")


def test_config_from_the_environment(tmp_path, make_csv):
    from click.testing import CliRunner

    from cli import main

    config = tmp_path / "other.toml"
    config.write_text('[database]\nurl = "sqlite:///other.sqlite3"\n', encoding="utf-8")
    path = make_csv("c.csv", "phone,name\n13800000001,王芳\n")
    result = CliRunner().invoke(main, ["import", "customers", str(path), "--json"], env={"JINLI_CONFIG": str(config)})
    assert result.exit_code == 0 and (tmp_path / "other.sqlite3").exists()


def test_db_upgrade_and_an_outdated_schema(cli, site):
    from records.db import head_revision

    assert f"数据库结构：空 → {head_revision()}" in cli("db", "upgrade").output
    assert f"数据库结构已是最新：{head_revision()}" in cli("db", "upgrade").output
    from sqlalchemy import create_engine, text

    from settings import load_settings

    with create_engine(load_settings(site).database_url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    one_line_error(cli("tiers", "recompute"), "run `jinli db upgrade`")


def test_a_database_at_0001_keeps_its_rows_and_gains_the_monthly_return_index(cli, site, make_csv):
    """A shop that ran the first release: jinli refuses the old schema until `db upgrade`, which adds
    the 月月返 index and leaves every row where it was."""
    from sqlalchemy import create_engine, text

    from records import db
    from settings import load_settings

    engine = create_engine(load_settings(site).database_url)
    db.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (name, phone, phone_status, store, birth_leap, referral_code, opted_out, "
                          "tier, tier_score) VALUES ('王芳', '+8613800000001', 'ok', '', false, 'ABC2345', false, 'P', 0)"))
    one_line_error(cli("tiers", "recompute"), "run `jinli db upgrade`")
    assert f"数据库结构：0001 → {db.head_revision()}" in cli("db", "upgrade").output
    catalog = ("SELECT name FROM sqlite_master WHERE type = 'index'" if engine.dialect.name == "sqlite"
               else "SELECT indexname FROM pg_indexes")
    with engine.connect() as conn:
        assert "ix_holdings_monthly_return_day" in conn.execute(text(catalog)).scalars().all()
        assert conn.execute(text("SELECT name FROM customers")).scalars().all() == ["王芳"]
    assert cli("tiers", "recompute").exit_code == 0
