"""Fault injection: three daemons, two PostgreSQL crashes and a SIGKILL; each text reaches the provider once.

The database is a private cluster the test owns (restarting it disturbs no other test); the provider is
the counting loopback Twilio, which lists what it accepted, so the reconciler can ask it.
"""

from __future__ import annotations

import signal
import subprocess
import textwrap
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import App
from records import models
from settings import load_settings
from tests.integration.conftest import unavailable
from tests.integration.counting_twilio import CountingTwilio
from tests.integration.pg_cluster import PrivateCluster, pg_bin
from tests.integration.test_daemon_processes import JINLI, REPO, STARTED, env, no_daemon_outlives_its_test, plan_messages, wait_for  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
MESSAGES = 1200
outbox_t = models.OutboxMessage.__table__


@pytest.fixture
def cluster():
    if pg_bin() is None:
        unavailable("no PostgreSQL server installed to start a private cluster (apt-get install postgresql)")
    owned = PrivateCluster()
    yield owned
    owned.close()


@pytest.fixture
def provider():
    server = CountingTwilio(delay=0.05)  # slow enough that every crash finds sends in flight
    yield server
    server.close()


def site_for(tmp_path: Path, cluster: PrivateCluster, provider: CountingTwilio) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(f"""
        [database]
        url = "{cluster.url}"
        [site]
        campaigns_dir = "campaigns"
        templates_dir = "templates"
        [sms]
        gateway = "twilio"
        concurrency = 4
        claim_size = 50
        rate_per_second = 5000.0
        weekly_cap = 1000
        quiet_hours = ["00:00", "00:00"]
        [twilio]
        from_number = "+15005550006"
        api_base_url = "{provider.base_url}"
        timeout_seconds = 5.0
    """), encoding="utf-8")
    (tmp_path / "campaigns").mkdir()
    return config


def start_daemon(site: Path, worker: str) -> tuple[subprocess.Popen, Path]:
    """A `jinli daemon` process logging to a file (a pipe nobody reads would block it once full)."""
    log = site.parent / f"{worker}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([*JINLI, "--config", str(site), "daemon", "--dispatch-seconds", "1", "--worker", worker],
                                env=env(), cwd=REPO, stdout=out, stderr=out)
    STARTED.append(proc)
    return proc, log


def jinli(site: Path, *args: str, now: datetime) -> subprocess.CompletedProcess:
    return subprocess.run([*JINLI, "--config", str(site), *args], env={**env(), "JINLI_NOW": now.isoformat()}, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def states(app: App, worker: str | None = None) -> Counter:
    o = outbox_t.c
    query = select(o.state, func.count()).group_by(o.state)
    if worker:
        query = query.where(o.claimed_by == worker)
    with app.engine.connect() as conn:
        return Counter(dict(conn.execute(query).all()))


def failures_logged(logs: list[Path]) -> int:
    return sum(log.read_text(errors="replace").count("job failed") for log in logs)


@pytest.mark.timeout(240)
def test_three_daemons_two_database_crashes_and_a_sigkill_send_each_text_once_and_leave_nothing_to_review(
        tmp_path, cluster, provider):
    started = time.monotonic()
    site = site_for(tmp_path, cluster, provider)
    app = App(load_settings(site))
    plan_messages(app, MESSAGES)
    daemons = {name: start_daemon(site, name) for name in ("d1", "d2", "d3")}

    wait_for(lambda: len(provider.received) >= 150, timeout=60)
    cluster.restart()  # crash 1: immediate, every connection dropped mid-transaction

    wait_for(lambda: len(provider.received) >= 400 and states(app, "d1")["sending"] > 0, timeout=60)
    killed, _ = daemons.pop("d1")
    killed.send_signal(signal.SIGKILL)  # mid-send: its claim stays in 'sending', some of it on the wire
    killed.wait(timeout=30)

    wait_for(lambda: len(provider.received) >= 700, timeout=60)
    failed_before = failures_logged([log for _, log in daemons.values()])
    cluster.stop()  # crash 2: down until the surviving daemons have run into it
    wait_for(lambda: failures_logged([log for _, log in daemons.values()]) > failed_before, timeout=60)
    cluster.start()

    wait_for(lambda: states(app)["planned"] == 0, timeout=90)  # everything claimed; the survivors stop cleanly
    for proc, _ in daemons.values():
        proc.send_signal(signal.SIGTERM)
    for name, (proc, log) in daemons.items():
        assert proc.wait(timeout=60) == 0, log.read_text(errors="replace")[-3000:]
    stuck = states(app)["sending"]

    later = datetime.now(timezone.utc) + timedelta(minutes=11)  # past [sms] reconcile_after_minutes (10)
    reconciled = jinli(site, "outbox", "reconcile", now=later)
    assert reconciled.returncode == 0, reconciled.stderr
    resent = jinli(site, "daemon", "--once", "--worker", "after", now=later)
    assert resent.returncode == 0, resent.stderr

    with app.engine.connect() as conn:
        rows = conn.execute(select(outbox_t.c.phone, outbox_t.c.body, outbox_t.c.state, outbox_t.c.reason)).all()
    accepted = provider.accepted
    duplicates = {key: n for key, n in accepted.items() if n > 1}
    unsent = [(r.state, r.reason) for r in rows if accepted[(r.phone, r.body)] == 0]
    print(f"\nfault injection: {MESSAGES} messages, {stuck} stuck in sending after the crashes; reconcile: "
          f"{reconciled.stdout.strip()}; {time.monotonic() - started:.0f} s")
    assert duplicates == {}  # 0 duplicates: no (To, Body) accepted twice
    assert unsent == []  # 0 lost: every planned text accepted once (none left planned or failed)
    assert len(rows) == MESSAGES and Counter(r.state for r in rows) == {"sent": MESSAGES}  # 0 left in 'sending'
    assert stuck > 0 and "found sent 0," not in reconciled.stdout  # the crashes did strand sent messages
