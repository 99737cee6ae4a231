"""The daemon's jobs across a simulated week on a manual clock: no sleeping, no real time, no threads."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import App, ManualClock
from messaging.gateways.base import RecordingGateway
from records import models
from schedules.daemon import Daemon, DaemonOptions
from settings import load_settings
from tests.factories import add_customer

REPO = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def salons_site(site: Path) -> Path:
    (site.parent / "campaigns").mkdir()
    shutil.copy(REPO / "campaigns" / "salons.toml", site.parent / "campaigns")
    shutil.copytree(REPO / "templates", site.parent / "templates")
    site.write_text(site.read_text(encoding="utf-8").replace("[sms]\n", "[sms]\nweekly_cap = 50\n"), encoding="utf-8")
    return site


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2025, 6, day, hh, mm, tzinfo=SH)


def run_between(daemon: Daemon, clock: ManualClock, start: datetime, end: datetime, step=timedelta(minutes=15)):
    clock.current = start
    while clock.current <= end:
        daemon.tick(clock.current)
        clock.advance(minutes=step.total_seconds() / 60)


def test_a_week_with_two_outages(salons_site, clock):
    app = App(load_settings(salons_site), clock=clock)
    with app.engine.begin() as conn:
        for name, tier in [("甲", "A"), ("乙", "B"), ("丙", "C")]:
            add_customer(conn, name=name, tier=tier)
    gateway = RecordingGateway()
    daemon = Daemon(app, gateway, DaemonOptions("test-daemon"))
    run_between(daemon, clock, at(2, 8), at(4, 9))  # Mon 08:00 → Wed 09:00, then down
    restarted = Daemon(app, gateway, DaemonOptions("test-daemon-2"))  # a restart: fresh process state
    run_between(restarted, clock, at(5, 9, 15), at(6, 9))  # back Thu 09:15 (Wed 10:00 missed by 23h15m)
    again = Daemon(app, gateway, DaemonOptions("test-daemon-3"))
    run_between(again, clock, at(8, 12), at(8, 23, 45))  # back Sun 12:00 (Fri, Sat missed by > 24 h)

    with app.engine.connect() as conn:
        runs = {(r.day.isoformat(), r.outcome) for r in conn.execute(select(models.PlanningRun.__table__))}
        rows = conn.execute(select(models.OutboxMessage.__table__)).mappings().all()
    assert runs == {("2025-06-02", "planned"), ("2025-06-03", "planned"), ("2025-06-04", "caught_up"),
                    ("2025-06-05", "planned"), ("2025-06-06", "skipped"), ("2025-06-07", "skipped"),
                    ("2025-06-08", "planned")}
    planned = Counter((r["step"], r["occurrence_on"].isoformat()) for r in rows)
    assert planned == {
        ("invitation", "2025-06-05"): 3,  # Mon invites for Thu
        ("invitation", "2025-06-06"): 3,  # Tue invites for Fri
        ("invitation", "2025-06-07"): 3,  # Wed's run, caught up on Thu: invites for Sat
        ("reminder", "2025-06-05"): 3,  # Thu: reminder for Thu's salon (Thu's invitation: Sunday 06-08, no salon)
        ("invitation", "2025-06-11"): 3,  # Sun 12:00, back: Sunday's own run invites for Wed 06-11
    }
    assert {r["state"] for r in rows} == {"sent"}
    sent = Counter(sms.to for sms in gateway.sent)
    assert len(gateway.sent) == 15 and set(sent.values()) == {5}  # each message sent once
    caught_up = [r for r in rows if r["occurrence_on"] == date(2025, 6, 7)]
    assert all(r["sent_at"] == at(5, 9, 15) for r in caught_up)  # sent at restart, once
    assert all(r["sent_at"] == at(8, 12) for r in rows if r["occurrence_on"] == date(2025, 6, 11))  # at the restart
    on_time = [r for r in rows if r["occurrence_on"] not in (date(2025, 6, 7), date(2025, 6, 11))]
    assert [r["sent_at"] - r["due_at"] for r in on_time] == [timedelta(0)] * 9  # sent at the tick they fell due


def test_a_file_edit_takes_effect_at_the_next_run_and_an_invalid_one_keeps_the_last_good(salons_site, clock, caplog):
    app = App(load_settings(salons_site), clock=clock)
    with app.engine.begin() as conn:
        add_customer(conn, name="甲", tier="A")
    gateway = RecordingGateway()
    daemon = Daemon(app, gateway, DaemonOptions("edit-test"))
    run_between(daemon, clock, at(2, 9), at(2, 12))
    salons = salons_site.parent / "campaigns" / "salons.toml"
    text = salons.read_text(encoding="utf-8")
    salons.write_text(text.replace('send_time = "10:00"', 'send_time = "11:00"').replace('slogan = "你敢我也敢"', 'slogan = "你敢我也敢!!"'),
                      encoding="utf-8")
    run_between(daemon, clock, at(3, 8), at(3, 12))  # Tue: plans at 11:00 for Fri (你做我也做)
    salons.write_text(text.replace("[weekday_salons]", "[weekday_salons]\nbogus = 1"), encoding="utf-8")
    run_between(daemon, clock, at(4, 8), at(4, 12))  # Wed: invalid edit → the 11:00 definition still runs
    with app.engine.connect() as conn:
        rows = conn.execute(select(models.OutboxMessage.__table__).order_by(models.OutboxMessage.id)).mappings().all()
    sent_at = [(r["occurrence_on"].isoformat(), r["sent_at"].astimezone(SH).strftime("%H:%M")) for r in rows]
    assert sent_at == [("2025-06-05", "10:00"), ("2025-06-06", "11:00"), ("2025-06-07", "11:00")]
    assert "你敢我也敢!!" in rows[2]["body"]
    assert "bogus" in caplog.text and "keeping the last good definition" in caplog.text
