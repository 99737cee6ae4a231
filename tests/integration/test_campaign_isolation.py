"""One campaign failing at planning is skipped, logged and recorded; every other campaign plans and sends.
Texts over [sms] max_segments are suppressed as too_long, in planning and in preview."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import App
from messaging.gateways.base import RecordingGateway
from records import models
from schedules.daemon import Daemon, DaemonOptions
from tests.factories import add_customer, add_holding

REPO = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
BROKEN_INVITATION = "{{ customer.name }}您好{{ 1 // 0 }}"


@pytest.fixture
def playbook(site: Path) -> Path:
    shutil.copytree(REPO / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REPO / "templates", site.parent / "templates")
    return site.parent


@pytest.fixture
def seeded(app: App, playbook: Path) -> App:
    """On 2025-06-02: 甲 is due a monthly return (notice, 09:00), 乙 has a birthday (09:30); all are invited to
    Thursday's salon (10:00)."""
    with app.engine.begin() as conn:
        holder = add_customer(conn, "+8613800000001", "甲", tier="A")
        add_holding(conn, holder, 50_000, "1y", date(2025, 3, 2), monthly_return=True)
        add_customer(conn, "+8613800000002", "乙", tier="B", birthday="1990-06-02")
    return app


def outbox(app: App) -> list[dict]:
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(models.OutboxMessage.__table__).order_by(models.OutboxMessage.id)).mappings()]


def sent(site: Path) -> list[tuple[str, str]]:
    path = site.parent / "sent.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return sorted((json.loads(line)["to"], json.loads(line)["body"]) for line in lines)


def list_in_another_process(site: Path) -> dict[str, dict | None]:
    """`jinli campaigns list --json` in a new process: campaign id -> its last planning error."""
    done = subprocess.run([sys.executable, "-c", "from cli import main; main()", "--config", str(site), "campaigns", "list",
                           "--json"], cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    return {row["id"]: row["last_planning_error"] for row in json.loads(done.stdout)["campaigns"]}


def break_salons(playbook: Path, how: str, monkeypatch) -> None:
    if how == "template":
        (playbook / "templates" / "salon_invitation.j2").write_text(BROKEN_INVITATION, encoding="utf-8")
    else:  # any exception at all, not only jinli's own
        import campaigns.planning

        original = campaigns.planning.select_limited

        def boom(conn, campaign, *args, **kwargs):
            if campaign.id == "salons":
                raise RuntimeError("boom in the audience query")
            return original(conn, campaign, *args, **kwargs)
        monkeypatch.setattr(campaigns.planning, "select_limited", boom)


@pytest.mark.parametrize("how", ["template", "exception"])
def test_jinli_run_skips_a_campaign_failing_at_planning_and_sends_the_others(seeded, playbook, site, cli, how, monkeypatch):
    break_salons(playbook, how, monkeypatch)
    result = cli("run", "--date", "2025-06-02")
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "规划失败并跳过的活动：1" in result.stdout
    assert result.stderr.count("规划失败，已跳过：salons：") == 1
    assert ("salon_invitation" if how == "template" else "RuntimeError: boom") in result.stderr
    rows = outbox(seeded)
    assert sorted((r["campaign_id"], r["step"]) for r in rows) == [("birthday", "greeting"), ("holding-notices", "monthly_return")]
    assert [to for to, _ in sent(site)] == ["+8613800000001", "+8613800000002"]
    with seeded.engine.connect() as conn:  # the failed campaign's event was rolled back with it
        assert [e.campaign_id for e in conn.execute(select(models.Event.__table__))] == ["birthday"]


def test_the_daemon_once_survives_a_failing_campaign_and_campaigns_list_shows_the_error_until_it_plans(
        seeded, playbook, site, cli, monkeypatch):
    break_salons(playbook, "template", monkeypatch)
    monkeypatch.setenv("JINLI_NOW", "2025-06-02T10:30+08:00")
    result = cli("daemon", "--once")
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert [to for to, _ in sent(site)] == ["+8613800000001", "+8613800000002"]
    errors = list_in_another_process(site)
    assert errors["salons"]["day"] == "2025-06-02" and "salon_invitation" in errors["salons"]["error"]
    assert "ZeroDivisionError" in errors["salons"]["error"]
    assert {k for k, v in errors.items() if v} == {"salons"}

    shutil.copy(REPO / "templates" / "salon_invitation.j2", playbook / "templates")  # staff fix the template
    monkeypatch.setenv("JINLI_NOW", "2025-06-03T10:30+08:00")
    assert cli("daemon", "--once").exit_code == 0
    assert list_in_another_process(site)["salons"] is None
    invited = [r for r in outbox(seeded) if r["step"] == "invitation"]
    assert sorted(r["occurrence_on"].isoformat() for r in invited) == ["2025-06-06", "2025-06-06"]  # Tue invites for Fri


def test_campaigns_list_shows_the_last_planning_error(seeded, playbook, cli, monkeypatch):
    break_salons(playbook, "template", monkeypatch)
    assert cli("run", "--date", "2025-06-02").exit_code == 0
    lines = cli("campaigns", "list", "--days", "3").stdout.splitlines()
    failure = next(line for line in lines if "上次规划失败" in line)
    assert failure.startswith("salons：上次规划失败（2025-06-02，已跳过）：template 'salon_invitation'")
    assert sum("上次规划失败" in line for line in lines) == 1


def test_the_daemons_jobs_keep_running_when_a_campaign_fails_at_each_planning(seeded, playbook, clock, caplog):
    (playbook / "templates" / "salon_invitation.j2").write_text(BROKEN_INVITATION, encoding="utf-8")
    gateway = RecordingGateway()
    daemon = Daemon(seeded, gateway, DaemonOptions("isolation-test"))
    for hour in (8, 9, 10, 11):  # 09:00 notices, 09:30 birthday, 10:00 salons (fails), dispatch throughout
        ran = daemon.tick(datetime(2025, 6, 2, hour, 0, tzinfo=SH))
    assert "dispatch" in ran
    assert sorted(sms.to for sms in gateway.sent) == ["+8613800000001", "+8613800000002"]
    failures = [r.getMessage() for r in caplog.records if "planning 2025-06-02 failed" in r.getMessage()]
    assert failures and all(m.startswith("campaign salons: planning 2025-06-02 failed, skipped: template") for m in failures)


# ---- too_long: every rendered text is checked against [sms] max_segments
def test_a_2000_character_slogan_is_suppressed_as_too_long_and_invites_nobody(seeded, playbook, site, cli):
    salons = playbook / "campaigns" / "salons.toml"
    salons.write_text(salons.read_text(encoding="utf-8").replace('slogan = "你能我也能"', f'slogan = "{"能" * 2000}"'),
                      encoding="utf-8")
    preview = json.loads(cli("campaigns", "preview", "salons", "--date", "2025-06-02", "--json").stdout)
    invitation = preview["occurrences"][0]
    assert invitation["recipients"] == [] and {e["reason"] for e in invitation["excluded"]} == {"too_long"}
    result = cli("run", "--date", "2025-06-02", "--campaign", "salons")
    assert result.exit_code == 0 and "拦截（短信过长）：2" in result.stdout
    rows = outbox(seeded)
    assert [(r["state"], r["reason"], r["body"]) for r in rows] == [("suppressed", "too_long", "")] * 2
    assert sent(site) == []
    with seeded.engine.connect() as conn:
        assert conn.execute(select(models.Invitation.__table__)).first() is None


def test_a_400_character_name_is_suppressed_as_too_long_against_a_limit_of_3(seeded, site, cli):
    with seeded.engine.begin() as conn:
        long_name = add_customer(conn, "+8613800000003", "长" * 400, tier="C")
        add_holding(conn, long_name, 20_000, "1y", date(2025, 3, 2), monthly_return=True)
    preview = json.loads(cli("campaigns", "preview", "holding-notices", "--date", "2025-06-02", "--json").stdout)
    monthly = next(o for o in preview["occurrences"] if o["step"] == "monthly_return")
    assert [r["name"] for r in monthly["recipients"]] == ["甲"]
    assert [(e["name"], e["reason"], e["segments"]) for e in monthly["excluded"]] == [("长" * 400, "too_long", 7)]
    result = cli("run", "--date", "2025-06-02", "--campaign", "holding-notices")
    assert result.exit_code == 0 and "拦截（短信过长）：1" in result.stdout
    states = {r["customer_id"]: (r["state"], r["reason"]) for r in outbox(seeded)}
    assert states[long_name] == ("suppressed", "too_long")
    assert sorted(states.values()) == [("sent", None), ("suppressed", "too_long")]
    assert [to for to, _ in sent(site)] == ["+8613800000001"]
