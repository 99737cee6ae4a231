"""Daemons as separate processes: two on one PostgreSQL split the work; SIGKILL loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from app import App
from records import models
from settings import load_settings
from tests.factories import add_customer
from tests.integration.counting_twilio import CountingTwilio

REPO = Path(__file__).resolve().parents[2]
JINLI = [sys.executable, "-c", "from cli import main; main()"]


def twilio_site(site: Path, server: CountingTwilio, concurrency: int, claim_size: int = 200) -> Path:
    text = site.read_text(encoding="utf-8").replace('gateway = "file"', 'gateway = "twilio"')
    text = text.replace("[sms]\n", f"[sms]\nconcurrency = {concurrency}\nclaim_size = {claim_size}\n"
                                   "rate_per_second = 5000.0\nweekly_cap = 1000\n"
                                   "quiet_hours = [\"00:00\", \"00:00\"]\n")
    text += f'\n[twilio]\nfrom_number = "+15005550006"\napi_base_url = "{server.base_url}"\n'
    site.write_text(text, encoding="utf-8")
    (site.parent / "campaigns").mkdir(exist_ok=True)
    return site


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JINLI_", "TWILIO_"))}
    return {**clean, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "secret", "PYTHONPATH": str(REPO)}


def plan_messages(app: App, count: int) -> None:
    """``count`` due marketing messages to distinct customers, each body unique."""
    now = datetime.now(timezone.utc)
    with app.engine.begin() as conn:
        rows = []
        for n in range(count):
            cid = add_customer(conn, f"+86137{n:08d}", f"客户{n}")
            rows.append({"key": f"test·{n}", "campaign_id": "test", "occurrence_on": now.date(), "step": "x",
                         "customer_id": cid, "phone": f"+86137{n:08d}", "body": f"第{n}号短信", "segments": 1,
                         "message_class": "notice", "tier": "P", "state": "planned", "attempts": 0,
                         "due_at": now - timedelta(minutes=1), "planned_at": now})
        conn.execute(insert(models.OutboxMessage.__table__), rows)


STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def no_daemon_outlives_its_test():
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def daemon(site: Path, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen([*JINLI, "--config", str(site), "daemon", "--dispatch-seconds", "1", *args],
                            env=env(), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    STARTED.append(proc)
    return proc


def states(app: App) -> Counter:
    with app.engine.connect() as conn:
        return Counter(dict(conn.execute(select(models.OutboxMessage.state, func.count()).group_by(models.OutboxMessage.state)).all()))


def wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])  # SQLite: one writer
def test_two_daemons_on_postgresql_send_every_message_exactly_once_and_share_the_work(site, backend):
    server = CountingTwilio(delay=0.002)
    try:
        app = App(load_settings(twilio_site(site, server, concurrency=4, claim_size=50)))
        plan_messages(app, 2000)
        daemons = [daemon(site, "--worker", f"daemon-{n}") for n in (1, 2)]
        wait_for(lambda: states(app)["sent"] == 2000)
        for proc in daemons:
            proc.send_signal(signal.SIGTERM)
        outputs = [proc.communicate(timeout=60) for proc in daemons]
        assert [proc.returncode for proc in daemons] == [0, 0], outputs
        received = Counter(body for _to, body in server.received)
        assert len(received) == 2000 and set(received.values()) == {1}
        with app.engine.connect() as conn:
            by_worker = dict(conn.execute(select(models.OutboxMessage.claimed_by, func.count())
                                          .group_by(models.OutboxMessage.claimed_by)).all())
        assert set(by_worker) == {"daemon-1", "daemon-2"} and min(by_worker.values()) > 100, by_worker
        assert states(app) == Counter({"sent": 2000})
        assert "stopped cleanly" in outputs[0][1]
    finally:
        server.close()


def test_a_daemon_killed_mid_send_leaves_one_message_to_review_and_no_duplicate(site, cli, monkeypatch):
    server = CountingTwilio(hang_first=120)
    try:
        # A SIGKILL strands the dispatcher's claim in 'sending': with claim_size 1, just the message in flight.
        app = App(load_settings(twilio_site(site, server, concurrency=1, claim_size=1)))
        plan_messages(app, 20)
        first = daemon(site, "--worker", "doomed")
        try:
            wait_for(lambda: len(server.received) == 1 and states(app)["sending"] == 1)
        finally:  # killed in any case: a failed wait must not leave a daemon running
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        in_flight = server.received[0][1]
        restarted = subprocess.run([*JINLI, "--config", str(site), "daemon", "--once", "--worker", "again"],
                                   env=env(), cwd=REPO, capture_output=True, text=True, timeout=120)
        assert restarted.returncode == 0, restarted.stderr
        received = Counter(body for _to, body in server.received)
        assert len(received) == 20 and set(received.values()) == {1}  # nothing lost, nothing twice
        assert states(app) == Counter({"sent": 19, "sending": 1})
        with app.engine.connect() as conn:
            stuck = conn.execute(select(models.OutboxMessage.id, models.OutboxMessage.body)
                                 .where(models.OutboxMessage.state == "sending")).one()
        assert stuck.body == in_flight
        listed = cli("outbox", "stuck", "--older-than", "0")
        assert listed.exit_code == 0 and str(stuck.id) in listed.output and "137****0000" in listed.output
        refused = cli("outbox", "resolve", str(stuck.id), "sent")  # too fresh: it may still be on its way
        assert refused.exit_code == 1 and "sending" in refused.output
        later = datetime.now(timezone.utc) + timedelta(minutes=10)
        monkeypatch.setenv("JINLI_NOW", later.isoformat())  # staff look at it ten minutes later
        assert cli("outbox", "resolve", str(stuck.id), "sent").exit_code == 0
        assert states(app) == Counter({"sent": 20})
    finally:
        server.close()


def test_sigterm_mid_dispatch_finishes_the_batch_in_flight_and_leaves_nothing_in_sending(site):
    server = CountingTwilio(delay=0.05)
    try:
        app = App(load_settings(twilio_site(site, server, concurrency=2)))
        plan_messages(app, 200)
        proc = daemon(site, "--worker", "polite")
        wait_for(lambda: states(app)["sent"] >= 10)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "stopped cleanly" in err
        after_stop = states(app)
        assert after_stop["sending"] == 0 and after_stop["sent"] + after_stop["planned"] == 200
        assert 10 <= after_stop["sent"] < 200  # it stopped early, with every claimed message recorded
        rerun = subprocess.run([*JINLI, "--config", str(site), "daemon", "--once"], env=env(), cwd=REPO,
                               capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        received = Counter(body for _to, body in server.received)
        assert len(received) == 200 and set(received.values()) == {1}
        assert states(app) == Counter({"sent": 200})
    finally:
        server.close()
