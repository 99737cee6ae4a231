"""Memory without psutil: resident set size from /proc, the process high-water mark, a sampler.

tracemalloc would slow every allocation and distort the timings, so sections are watched by a
thread that reads /proc/self/statm every 20 ms (a few microseconds of work) and keeps the peak.
"""

from __future__ import annotations

import os
import resource
import sys
import threading

MIB = 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mib() -> float:
    """The resident set size now, in MiB (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE / MIB
    except OSError:
        return 0.0


def max_rss_mib() -> float:
    """The process's peak resident set size so far (getrusage ru_maxrss), in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024


class RssSampler:
    """Samples RSS in a daemon thread; ``peak()`` is the highest value since the last ``reset()``."""

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self._peak = rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, rss_mib())

    def reset(self) -> None:
        self._peak = rss_mib()

    def peak(self) -> float:
        self._peak = max(self._peak, rss_mib())
        return self._peak
