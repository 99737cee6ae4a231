"""A private PostgreSQL cluster a test owns, so it can stop and restart the server without disturbing others.

The same commands as .ci/start-postgres.sh (initdb, pg_ctl, createdb; as the postgres user when run as
root), on a free loopback port, in a temporary folder removed by ``close()``.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.integration.twilio_mock import free_port

# Unlike .ci/start-postgres.sh, commits stay synchronous: with synchronous_commit=off a crash forgets the
# last commits, a claim among them, and the message is sent twice (measured: 25 of 1,200). fsync=off is
# harmless here, as the operating system does not crash, only the server.
OPTIONS = "-c fsync=off -c full_page_writes=off -c max_connections=100"


def pg_bin() -> Path | None:
    """The newest PostgreSQL server's bin folder (the Debian layout), or None when none is installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: [int(x) for x in p.split("/")[4].split(".") if x.isdigit()])
    return Path(found[-1]).parent if found else None


class PrivateCluster:
    """initdb + start on construction; ``restart``, ``stop`` (immediate: a crash) and ``start`` at will."""

    def __init__(self):
        self.bin = pg_bin()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server installed (/usr/lib/postgresql/*/bin/initdb)")
        self.dir = Path(tempfile.mkdtemp(prefix="jinli-fault-pg."))
        self.port = free_port()
        self.data = self.dir / "data"
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        try:
            self._run(f"{self.bin}/initdb -D {self.data} -U postgres -A trust --no-sync >/dev/null")
            self.start()
            self._run(f"{self.bin}/createdb -h 127.0.0.1 -p {self.port} -U postgres jinli_test")
        except BaseException:
            self.close()
            raise
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/jinli_test"

    def start(self) -> None:
        options = shlex.quote(f"-h 127.0.0.1 -p {self.port} -k {self.dir} {OPTIONS}")
        self._run(f"{self.bin}/pg_ctl -D {self.data} -l {self.dir}/log -w start -o {options} >/dev/null")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; ``immediate`` kills it without a checkpoint, as a crash or power loss would."""
        self._run(f"{self.bin}/pg_ctl -D {self.data} -m {mode} -w stop >/dev/null")

    def restart(self, mode: str = "immediate") -> None:
        self._run(f"{self.bin}/pg_ctl -D {self.data} -l {self.dir}/log -m {mode} -w restart >/dev/null")

    def close(self) -> None:
        if self.data.exists():
            subprocess.run(self._as_postgres(f"{self.bin}/pg_ctl -D {self.data} -m immediate stop >/dev/null 2>&1"),
                           check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self, command: str) -> None:
        done = subprocess.run(self._as_postgres(command), capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise RuntimeError(f"{command}: exit {done.returncode}: {done.stderr.strip()}")

    @staticmethod
    def _as_postgres(command: str) -> list[str]:
        if os.getuid() == 0:  # PostgreSQL refuses to run as root
            return ["su", "postgres", "-s", "/bin/sh", "-c", command]
        return ["sh", "-c", command]
