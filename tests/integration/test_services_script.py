"""The suite's own set-up (.ci/with-services.sh): a service it starts is stopped again, also when the command fails."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_a_cluster_started_by_the_sourced_set_up_is_stopped_and_removed_when_the_shell_fails():
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINLI_TEST_")}
    env.update(JINLI_SERVICES="postgres", CI="")
    script = 'echo "$JINLI_TEST_PG_URL $PGDIR"; exit 3'
    done = subprocess.run(["bash", "-c", f"source .ci/services.sh; trap stop_services EXIT; start_services; {script}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if not done.stdout.split():
        pytest.skip(f"no PostgreSQL could be started here: {done.stderr.strip().splitlines()[-1:]}")
    url, pgdir = done.stdout.split()
    assert done.returncode == 3
    assert not accepts(urlsplit(url.replace("+psycopg", "")).port) and not Path(pgdir).exists()


def test_with_services_passes_on_the_command_status_and_stops_what_it_started():
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINLI_TEST_")}
    env.update(JINLI_SERVICES="postgres", CI="")
    done = subprocess.run(["bash", ".ci/with-services.sh", "sh", "-c", 'echo "$JINLI_TEST_PG_URL"; exit 7'],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if not done.stdout.strip():
        pytest.skip(f"no PostgreSQL could be started here: {done.stderr.strip().splitlines()[-1:]}")
    assert done.returncode == 7
    assert not accepts(urlsplit(done.stdout.strip().replace("+psycopg", "")).port)
