"""`jinli campaigns validate|list` end to end on a copy of the shipped playbook."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def playbook(site: Path) -> Path:
    shutil.copytree(REPO / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REPO / "templates", site.parent / "templates")
    return site.parent


def test_the_shipped_playbook_validates(cli, playbook):
    result = cli("campaigns", "validate")
    assert result.exit_code == 0, result.output
    assert "6 个活动检查通过" in result.output


def test_validate_reports_every_problem_on_its_own_line(cli, playbook, monkeypatch):
    monkeypatch.setenv("JINLI_NOW", "2025-06-02T09:00+08:00")  # a year ahead the holidays are known: no warning line
    (playbook / "templates" / "lucky_day.j2").write_text("{{ customer.nmae }}您好", encoding="utf-8")
    (playbook / "templates" / "birthday_greeting.j2").write_text("{{ customer.name }}" + "生日快乐" * 60, encoding="utf-8")
    (playbook / "templates" / "salon_reminder.j2").write_text("{{ ''.__class__.__mro__ }}", encoding="utf-8")
    notices = playbook / "campaigns" / "holding_notices.toml"
    notices.write_text(notices.read_text(encoding="utf-8").replace('"monthly_return"\n', '"monthly_retrun"\n'), encoding="utf-8")
    (playbook / "campaigns" / "broken.toml").write_text("name = ", encoding="utf-8")
    result = cli("campaigns", "validate")
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 5, lines
    joined = "\n".join(lines)
    assert "broken.toml：不是有效的 `TOML`" in joined
    assert "lucky_day.toml: templates.lucky_day: template 'lucky_day'" in joined and "nmae" in joined
    assert "birthday.toml: templates.greeting" in joined and "segments" in joined and "max_segments = 3" in joined
    assert "salons.toml: templates.reminder" in joined and "unsafe" in joined
    assert "holding_notices.toml: templates.monthly_return: unknown template 'monthly_retrun'" in joined


def test_list_shows_kinds_tiers_and_next_occurrences(cli, playbook):
    result = cli("campaigns", "list", "--days", "7", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)  # stderr may carry a warning about a year without official holidays
    rows = {row["id"]: row for row in data["campaigns"]}
    assert rows["lucky-day"]["kind"] == "zodiac_lucky_day" and rows["lucky-day"]["tiers"] == "ABC"
    assert len(rows["lucky-day"]["next"]) == 1 and rows["lucky-day"]["next"][0].endswith("lucky_day")
    assert data["invalid"] == []
