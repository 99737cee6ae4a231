"""Audience candidates, and turning the DB-API's row tuples into them at about the cost of reading them.

A 300,000-recipient notice (月月返) builds one Candidate a row: the generic way (a zip and two dict()
calls a row over SQLAlchemy Rows) cost twice the bare cursor's own per-row work. ``page_builder``
compiles, once per column layout, a comprehension that unpacks each tuple into literal-keyed dicts,
applying the result processors SQLAlchemy would (a date column on SQLite, a boolean) inline.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy import Connection


@dataclass(slots=True)  # not frozen: a 300,000-recipient notice builds one per row, and frozen costs 3x
class Candidate:
    customer: dict[str, Any]  # the customer's columns
    extra: dict[str, Any]  # what the rule adds (maturity date, amount, check-in code...)
    reason: str | None  # None: a recipient


Processor = Callable[[Any], Any] | None
PageBuilder = Callable[[Sequence[tuple]], list[Candidate]]


def page_builder(customer_names: Sequence[str], extra_names: Sequence[str],
                 processors: Sequence[Processor] = ()) -> PageBuilder:
    """A function turning a page of tuples (customer columns, extra columns, reason) into Candidates,
    applying ``processors`` (one per column, None: none; none at all when empty) to the values."""
    processors = tuple(processors)
    build = _compiled(tuple(customer_names), tuple(extra_names), tuple(i for i, p in enumerate(processors) if p))

    def page(rows: Sequence[tuple]) -> list[Candidate]:
        with collector_paused():
            return build(rows, processors)

    return page


def result_processors(conn: Connection, columns: Sequence[Any]) -> tuple[Processor, ...]:
    """What SQLAlchemy applies to each column's raw value on this dialect (None: the value as the driver
    gives it; a date on SQLite, a boolean...): for rows read off the DB-API cursor."""
    dialect = conn.dialect
    return tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)


@lru_cache(maxsize=128)
def _compiled(customer: tuple[str, ...], extra: tuple[str, ...], processed: tuple[int, ...]):
    """``build(rows, processors)`` for this layout; the names are the query's own column labels."""
    width = len(customer) + len(extra) + 1
    value = lambda i: f"p[{i}](v{i})" if i in processed else f"v{i}"  # noqa: E731
    customer_dict = ", ".join(f"{name!r}: {value(i)}" for i, name in enumerate(customer))
    extra_dict = ", ".join(f"{name!r}: {value(len(customer) + i)}" for i, name in enumerate(extra))
    names = ", ".join(f"v{i}" for i in range(width))
    source = (f"def build(rows, p):\n"
              f"    return [Candidate({{{customer_dict}}}, {{{extra_dict}}}, {value(width - 1)}) for {names}, in rows]\n")
    namespace = {"Candidate": Candidate}
    exec(compile(source, f"<audience rows {customer + extra}>", "exec"), namespace)  # noqa: S102 - names are column labels
    return namespace["build"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Candidates hold no reference cycles, yet three new containers a row make the cycle collector
    re-scan the whole heap several times a page (measured: 60% of building a 60,000-row audience)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
