"""Every key of every shipped campaign file, changed one at a time (wrong type, out of range, NaN, unknown
value, empty list, removed), through `jinli campaigns validate` and `jinli run` on a seeded SQLite site.

Each mutation either is refused cleanly (validate exits 1, every line names the file; run skips the file
and leaves the business tables as they were) or validates and plans (run exits 0, nothing fails at
planning). Never exit 70, never a traceback.
"""

from __future__ import annotations

import math
from copy import deepcopy
import shutil
import sqlite3
import textwrap
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest
import tomli_w
from click.testing import CliRunner

from app import App
from settings import load_settings
from tests.factories import add_attendance, add_customer, add_holding

REPO = Path(__file__).resolve().parents[2]
# The day each file is planned on, chosen so that it has recipients there (see seed()).
FILES = {"birthday.toml": "2025-06-02", "holding_notices.toml": "2025-06-02", "lucky_day.toml": "2025-06-04",
         "salon_followups.toml": "2025-06-03", "salons.toml": "2025-06-02"}
BUSINESS_TABLES = ("outbox", "events", "invitations", "planning_runs", "customers", "holdings")
REMOVED = object()


def leaves(data: dict, prefix: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of every key; of an array of tables, only the first table's keys."""
    for key, value in data.items():
        path = prefix + (key,)
        yield path, value
        if isinstance(value, dict):
            yield from leaves(value, path)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            yield from leaves(value[0], path + (0,))


def mutations(value: Any) -> list[tuple[str, Any]]:
    """The changes tried on one value, by its type."""
    common = [("removed", REMOVED)]
    if isinstance(value, bool):
        return common + [("wrong_type", "yes")]
    if isinstance(value, int):
        return common + [("wrong_type", str(value)), ("out_of_range", 999_999_999), ("negative", -1),
                         ("nan", math.nan)]
    if isinstance(value, float):
        return common + [("wrong_type", "x"), ("nan", math.nan), ("inf", math.inf), ("out_of_range", 1e300)]
    if isinstance(value, str):
        return common + [("wrong_type", 1), ("unknown_value", "zzz-unknown"), ("empty", ""), ("huge", "长" * 3000)]
    if isinstance(value, list):
        return common + [("empty_list", []), ("wrong_type", "x"), ("wrong_item_type", [1]), ("unknown_item", ["Z"]),
                         ("out_of_range_item", [999_999_999])]
    return common + [("wrong_type", 1), ("empty_table", {})]


def mutated(data: dict, path: tuple, new: Any) -> dict:
    copy = deepcopy(data)
    *parents, last = path
    node = copy
    for step in parents:
        node = node[step]
    if new is REMOVED:
        del node[last]
    else:
        node[last] = new
    return copy


def cases() -> list:
    found = []
    for name in FILES:
        data = tomllib.loads((REPO / "campaigns" / name).read_text(encoding="utf-8"))
        for path, value in leaves(data):
            for label, new in mutations(value):
                found.append(pytest.param(name, path, new, id=f"{name[:-5]}:{'.'.join(map(str, path))}:{label}"))
    return found


@pytest.fixture(scope="module")
def seeded_site(tmp_path_factory) -> Path:
    """One seeded SQLite site (config, templates, database), copied for each mutation."""
    folder = tmp_path_factory.mktemp("seeded")
    (folder / "config.toml").write_text(textwrap.dedent("""
        [database]
        url = "sqlite:///jinli.sqlite3"
        [site]
        campaigns_dir = "campaigns"
        templates_dir = "templates"
        [sms]
        gateway = "file"
        file_path = "sent.jsonl"
    """), encoding="utf-8")
    shutil.copytree(REPO / "templates", folder / "templates")
    (folder / "campaigns").mkdir()
    app = App(load_settings(folder / "config.toml"))
    with app.engine.begin() as conn:
        seed(conn)
    app.engine.dispose()
    return folder


def seed(conn) -> None:
    holder = add_customer(conn, "+8613800000001", "甲", tier="A", birthday="1990-06-02")  # birthday on 06-02
    add_holding(conn, holder, 50_000, "1y", date(2025, 3, 2), monthly_return=True)  # 月月返 on the 2nd
    add_holding(conn, holder, 20_000, "1y", date(2024, 6, 9))  # matures 06-09: a 7-day notice on 06-02
    add_customer(conn, "+8613800000002", "乙", tier="B", birthday="1993-06-01")  # 鸡双子: lucky on Wed 06-04
    guest = add_customer(conn, "+8613800000003", "丙", tier="C")
    add_attendance(conn, guest, date(2025, 6, 2))  # a salon guest without a deposit: followed up on 06-03


def business_rows(database: Path) -> dict[str, list]:
    with sqlite3.connect(database) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in BUSINESS_TABLES}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name, path, new", cases())
def test_one_changed_key_is_refused_cleanly_or_plans(seeded_site, tmp_path, name, path, new):
    site = tmp_path / "site"
    shutil.copytree(seeded_site, site)
    data = tomllib.loads((REPO / "campaigns" / name).read_text(encoding="utf-8"))
    file = site / "campaigns" / name
    file.write_text(tomli_w.dumps(mutated(data, path, new)), encoding="utf-8")
    if name == "salon_followups.toml":  # its events_of needs the salon campaign, which must not plan itself
        salons = (REPO / "campaigns" / "salons.toml").read_text(encoding="utf-8")
        (site / "campaigns" / "salons.toml").write_text(salons.replace("enabled = true", "enabled = false"), encoding="utf-8")
    before = business_rows(site / "jinli.sqlite3")

    validated = jinli(site, "campaigns", "validate")
    ran = jinli(site, "run", "--date", FILES[name])

    for result in (validated, ran):
        assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    assert ran.exit_code == 0, ran.output
    if validated.exit_code == 1:
        # Warnings (e.g. a coming year with no official holiday schedule yet) are not refusals.
        lines = [line for line in validated.stderr.strip().splitlines() if not line.startswith("warning: ")]
        # the common problems in Chinese ("FILE：KEY：…"), the rarer ones still English ("FILE: KEY: …")
        assert lines and all(line.startswith((f"{file}：", f"{file}: ")) for line in lines), lines
        assert "规划失败" in ran.stderr or f"skipped: {file}: " in ran.stderr, ran.output
        assert business_rows(site / "jinli.sqlite3") == before  # nothing planned, nothing sent
    else:
        assert "规划失败" not in ran.stderr and "skipped:" not in ran.stderr, ran.output
        assert "已规划 " in ran.stdout


def jinli(site: Path, *args: str):
    from cli import main

    return CliRunner().invoke(main, ["--config", str(site / "config.toml"), *args], catch_exceptions=False)
