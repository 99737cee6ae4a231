"""`--json` (= `--format json`) on every command that prints data: machine-readable, English keys, ISO dates,
numbers as numbers, phones masked (but in `customers show`); `--format xlsx --output` on the lists."""

from __future__ import annotations

import json
import re

import pytest
from python_calamine import CalamineWorkbook

from tests.cli.test_cli_dates import GREETING
from tests.cli.views_shop import CAMPAIGN_IDS, DATA_COMMANDS, build_shop
from tests.factories import add_customer

ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
MASKED = re.compile(r"^1\d{2}\*{4}\d{4}$")


@pytest.fixture
def shop(cli, site, monkeypatch):
    build_shop(site, cli, monkeypatch)
    return cli


def as_json(cli, name: str, *more: str):
    result = cli(*DATA_COMMANDS[name], *more)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_is_the_short_spelling_of_format_json(shop):
    assert as_json(shop, "customers list", "--json") == as_json(shop, "customers list", "--format", "json")


def test_json_and_another_format_exclude_each_other(shop):
    result = shop("audit", "--json", "--format", "csv")
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "--json" in result.output


def test_outbox_list_and_stuck(shop):
    listed = as_json(shop, "outbox list", "--json")
    states = {m["state"] for m in listed["messages"]}
    assert len(listed["messages"]) == 12 and {"delivered", "sent", "failed", "sending"} <= states
    assert all(MASKED.match(m["phone"]) and ISO_INSTANT.match(m["due_at"]) for m in listed["messages"])
    assert listed["holds"] == []
    stuck = as_json(shop, "outbox stuck", "--json")["messages"]
    assert [(m["campaign"], m["step"], m["phone"], m["sending_at"][:16]) for m in stuck] == [
        ("salons", "invitation", "138****0002", "2025-05-28T02:00")]


def test_optout_list_and_show(shop):
    listed = as_json(shop, "optout list", "--json")["opt_outs"]
    assert [(o["phone"], o["name"], o["source"], o["detail"]) for o in listed] == [("138****0007", "黄敏", "staff", "电话")]
    shown = as_json(shop, "optout show", "--json")
    assert shown["opted_out"] is True and shown["customer"]["phone"] == "138****0007"
    assert [(e["action"], e["source"]) for e in shown["events"]] == [("out", "staff")]


def test_events_list(shop):
    found = as_json(shop, "events list", "--json")
    assert [(e["title"], e["capacity"], e["starts_at"]) for e in found] == [("周一沙龙", 10, "2025-05-19T06:00:00+00:00")]
    assert isinstance(found[0]["confirmed"], int)


def test_customers_list_masks_and_show_gives_the_full_number(shop):
    listed = as_json(shop, "customers list", "--json")
    assert len(listed) == len({c["id"] for c in listed}) and all(MASKED.match(c["phone"]) for c in listed)
    assert next(c for c in listed if c["name"] == "王芳")["joined_on"] == "2020-01-01"
    shown = as_json(shop, "customers show", "--json")
    assert shown["customer"]["phone"] == "+8613800000001" and shown["customer"]["name"] == "王芳"


def test_points_show_staff_list_and_audit(shop):
    points = as_json(shop, "points show", "--json")
    assert points["customer"]["phone"] == "138****0001" and isinstance(points["balance"], int)
    assert as_json(shop, "staff list", "--json")[0] | {"created_at": None} == {
        "name": "xiaoli", "role": "door", "stores": ["南京路店"], "disabled": False, "created_at": None}
    trail = as_json(shop, "audit", "--json")
    assert [e["action"] for e in trail] == ["tiers.pin", "optout.add", "staff.add"]
    assert all(ISO_INSTANT.match(e["at"]) for e in trail)


def test_campaigns_validate_and_list(shop):
    validated = as_json(shop, "campaigns validate", "--json")
    assert validated["ok"] is True and validated["campaigns"] == list(CAMPAIGN_IDS) and validated["problems"] == []
    listed = as_json(shop, "campaigns list", "--json")
    assert [c["id"] for c in listed["campaigns"]] == list(CAMPAIGN_IDS)
    assert next(c for c in listed["campaigns"] if c["id"] == "lucky-day")["tiers"] == "ABC"


def test_schedule_json_is_the_short_spelling_too(shop):
    assert as_json(shop, "schedule", "--json")["from"] == "2025-05-28"


@pytest.mark.parametrize("name", ["customers list", "outbox list", "audit", "optout list", "events list", "staff list",
                                  "campaigns list", "schedule", "points show", "outbox stuck"])
def test_lists_write_xlsx_with_numbers_as_numbers(shop, tmp_path, name):
    target = tmp_path / "out.xlsx"
    result = shop(*DATA_COMMANDS[name], "--format", "xlsx", "--output", str(target))
    assert result.exit_code == 0, result.output
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    body = [row for row in rows if any(cell != "" for cell in row)]
    assert len(body) >= 2 and body[0][0]  # a title, then the headers (and the rows)
    if name in ("customers list", "outbox list"):
        header = next(i for i, row in enumerate(rows) if row[0] == "编号")
        assert all(isinstance(row[0], float) for row in rows[header + 1:])  # ids are numbers
        assert all(MASKED.match(row[rows[header].index("手机")]) for row in rows[header + 1:])


def test_run_json_is_one_object_with_the_runs_numbers(cli, site, monkeypatch):
    (site.parent / "campaigns").mkdir()
    (site.parent / "campaigns" / "birthday.toml").write_text(GREETING, encoding="utf-8")
    (site.parent / "templates").mkdir()
    (site.parent / "templates" / "greeting.j2").write_text("{{ customer.name }}生日快乐", encoding="utf-8")
    from app import App
    from settings import load_settings

    with App(load_settings(site)).engine.begin() as conn:
        for n in range(3):
            add_customer(conn, f"+861390000000{n}", "客户", birthday="1990-06-06")
        add_customer(conn, "+8613900000009", "退订客户", birthday="1990-06-06", opted_out=True)
    monkeypatch.setenv("JINLI_NOW", "2025-06-06T09:00+08:00")
    result = cli("run", "--date", "today", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["date"], summary["dry_run"], summary["planned"]) == ("2025-06-06", False, 3)
    assert summary["suppressed"] == {"opted_out": 1} or summary["not_targeted"] == {"opted_out": 1}
    assert summary["dispatched"]["sent"] == 3 and summary["dispatched"]["failed"] == 0
    sent = json.loads(cli("outbox", "list", "--json").stdout)["messages"]
    assert sorted(m["phone"] for m in sent if m["state"] == "sent") == ["139****0000", "139****0001", "139****0002"]
