"""Timing jinli's steps from outside: wrap a module-level function for the length of a block.

The planning benchmark runs the real ``plan_day``; to tell the audience query from rendering and
enqueueing it wraps ``select_audience`` (as ``campaigns.planning`` calls it) and records the SQL the
query sent, so the very same statement can be replayed through the bare DB-API cursor.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from sqlalchemy import event


@contextmanager
def wrapped(module: Any, name: str, make_wrapper: Callable[[Callable], Callable]) -> Iterator[None]:
    """Replace ``module.name`` by ``make_wrapper(original)`` inside the block."""
    original = getattr(module, name)
    setattr(module, name, make_wrapper(original))
    try:
        yield
    finally:
        setattr(module, name, original)


@dataclass
class Call:
    """One timed call: its label, seconds, result size, the SQL it sent and what ``after`` made of it."""

    label: str
    seconds: float
    size: int = 0
    recipients: int = 0
    statements: list[tuple[str, Any]] = field(default_factory=list)
    after: Any = None
    first_page: float | None = None  # a streamed call: seconds until its first page
    pages: int = 0
    rerun: Callable[[], float] | None = None  # the same call again, on its own: its seconds


class Recorder:
    """Collects Calls; ``timed(label_of)`` wraps a function ``fn(conn, ...)``.

    With ``capture_sql`` the wrapper records the statements the connection sends during the call,
    then runs ``after(conn, call)`` (say, replaying them bare) at once, in the same state of the
    database; time spent in ``after`` is taken off every enclosing timed call.
    """

    def __init__(self, after: Callable[[Any, Call], Any] | None = None) -> None:
        self.calls: list[Call] = []
        self.after = after
        self._excluded = 0.0

    @property
    def excluded(self) -> float:
        """Seconds spent in ``after`` so far (not jinli's time)."""
        return self._excluded

    def timed(self, label_of: Callable[..., str], capture_sql: bool = False) -> Callable[[Callable], Callable]:
        def make(original: Callable) -> Callable:
            def wrapper(conn, *args, **kwargs):
                statements: list[tuple[str, Any]] = []

                def capture(_conn, _cursor, statement, parameters, _context, _many):
                    statements.append((statement, parameters))

                if capture_sql:
                    event.listen(conn, "before_cursor_execute", capture)
                excluded, started = self._excluded, time.perf_counter()
                try:
                    result = original(conn, *args, **kwargs)
                finally:
                    seconds = time.perf_counter() - started - (self._excluded - excluded)
                    if capture_sql:
                        event.remove(conn, "before_cursor_execute", capture)
                call = Call(label_of(conn, *args, **kwargs), seconds, statements=statements,
                            rerun=lambda: _seconds(lambda: original(conn, *args, **kwargs)))
                if isinstance(result, list):
                    call.size = len(result)
                    call.recipients = sum(1 for c in result if getattr(c, "reason", "x") is None)
                else:
                    call.size = getattr(result, "planned", 0)
                self.calls.append(call)
                if capture_sql and self.after:
                    started = time.perf_counter()
                    call.after = self.after(conn, call)
                    self._excluded += time.perf_counter() - started
                return result

            return wrapper

        return make


    def timed_stream(self, label_of: Callable[..., str]) -> Callable[[Callable], Callable]:
        """Like ``timed(capture_sql=True)`` for a generator of pages ``fn(conn, ...)``: the seconds are
        those spent inside the generator (the query, fetching, building candidates), not the caller's
        work between pages; ``after`` runs once the generator is exhausted."""
        def make(original: Callable) -> Callable:
            def wrapper(conn, *args, **kwargs):
                call = Call(label_of(conn, *args, **kwargs), 0.0,
                            rerun=lambda: _seconds(lambda: sum(map(len, original(conn, *args, **kwargs)))))

                def capture(_conn, _cursor, statement, parameters, _context, _many):
                    call.statements.append((statement, parameters))

                pages = original(conn, *args, **kwargs)
                while True:
                    event.listen(conn, "before_cursor_execute", capture)
                    started = time.perf_counter()
                    try:
                        page = next(pages, None)
                    finally:
                        call.seconds += time.perf_counter() - started
                        event.remove(conn, "before_cursor_execute", capture)
                    if call.first_page is None:
                        call.first_page = call.seconds
                    if page is None:
                        break
                    call.pages += 1
                    call.size += len(page)
                    call.recipients += sum(1 for c in page if c.reason is None)
                    yield page
                self.calls.append(call)
                if self.after:
                    started = time.perf_counter()
                    call.after = self.after(conn, call)
                    self._excluded += time.perf_counter() - started

            return wrapper

        return make


def _seconds(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def replay(dbapi_connection, statement: str, parameters: Any,
           keep: Callable[[list[str]], Callable[[tuple], Any]] | None = None) -> tuple[float, int, list]:
    """Run ``statement`` through a bare DB-API cursor and read every row: (seconds, rows read, kept).

    Rows stream in chunks (the same driver work as fetchall, without holding a million tuples);
    ``keep(column_names)`` returns a function mapping a row to what to keep, or None to drop it.
    """
    cursor = dbapi_connection.cursor()
    started = time.perf_counter()
    cursor.execute(statement, parameters)
    pick = keep([d[0] for d in cursor.description]) if keep else None
    count, kept = 0, []
    while rows := cursor.fetchmany(10_000):
        count += len(rows)
        if pick:
            kept += [k for k in map(pick, rows) if k is not None]
    seconds = time.perf_counter() - started
    cursor.close()
    return seconds, count, kept
