"""Where a section's seconds go: CPU of this process and of the local PostgreSQL server, from /proc.

A wall time alone cannot say whether jinli's Python or the database server was the bottleneck; the
CPU seconds each side used can, and unlike the wall time they are not inflated by a busy machine.
The server's CPU is that of every process named ``postgres`` on this machine (the backends, the
WAL writer, the checkpointer, and the backends that ended, through the postmaster's count of its
children): the bench's server is local and alone on it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class CpuSpent:
    process_s: float = 0.0  # this Python process, every thread (SQLite's work included)
    server_s: float | None = None  # the PostgreSQL server's processes (None: not measured, SQLite)

    def describe(self) -> str:
        server = f", PostgreSQL server CPU {self.server_s:.1f} s" if self.server_s is not None else ""
        return f"jinli process CPU {self.process_s:.1f} s{server}"


def process_cpu_s() -> float:
    """User and system CPU seconds of this process so far, all threads."""
    times = os.times()
    return times.user + times.system


def server_cpu_s() -> float:
    """CPU seconds used so far by the processes named ``postgres`` on this machine (0 without /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        name_end = text.rfind(")")
        if text[text.find("(") + 1:name_end] != "postgres":
            continue
        fields = text[name_end + 2:].split()
        # utime, stime, and the ended children's cutime, cstime (fields 14-17 of stat): the postmaster
        # reaps the backends, so a connection closed during the block still counts.
        total += sum(int(value) for value in fields[11:15])
    return total / _TICKS


@contextmanager
def cpu_spent(with_server: bool):
    """Yields a CpuSpent filled in when the block ends."""
    spent = CpuSpent()
    process, server = process_cpu_s(), server_cpu_s() if with_server else None
    try:
        yield spent
    finally:
        spent.process_s = process_cpu_s() - process
        if server is not None:
            spent.server_s = server_cpu_s() - server
