"""Many rows into one table, INSERT … ON CONFLICT DO NOTHING, at the DB-API's own executemany speed.

Planning a 300,000-recipient notice writes 300,000 outbox rows that share most of their values
(campaign, day, step, due time…). Going through SQLAlchemy's compiled-insert executemany costs a
dictionary and every column's type conversion per row; here the statement is compiled once by the
dialect, shared values are converted once, and each row is a plain tuple (or dict, for named
parameter styles) handed to ``exec_driver_sql``. A concurrent writer's row wins a conflict; ours is
dropped without error.
"""

from __future__ import annotations

import operator
import re
from typing import Any, Mapping, Sequence

from sqlalchemy import Connection, Table, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

BATCH = 5_000


class BulkInserter:
    """Collects rows (``columns`` values each) that share ``common`` values; writes every ``batch`` rows.

    Call ``flush()`` at the end (or use it as a context manager inside the caller's transaction).
    """

    def __init__(self, conn: Connection, table: Table, common: Mapping[str, Any], columns: Sequence[str],
                 batch: int = BATCH, ignore_conflicts: bool = True):
        """``ignore_conflicts=False``: a conflicting row is an IntegrityError (the caller vouches there is none)."""
        self.conn, self.batch, self.written = conn, batch, 0
        dialect = conn.dialect
        dialect_insert = pg_insert if dialect.name == "postgresql" else sqlite_insert
        keys = [*common, *columns]
        statement = dialect_insert(table).on_conflict_do_nothing() if ignore_conflicts else dialect_insert(table)
        compiled = statement.compile(dialect=dialect, column_keys=keys, for_executemany=True)
        self.sql = compiled.string
        convert = {key: table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys}
        shared = {key: (convert[key](value) if convert[key] else value) for key, value in common.items()}
        names = list(compiled.positiontup if compiled.positional else compiled.bind_names.values())
        for name in names:  # a column left out that has a Python-side default: the default, converted once
            if name not in shared and name not in columns:
                default = table.c[name].default
                if default is None or not default.is_scalar:
                    raise ValueError(f"bulk insert into {table.name}: no value for column {name!r}")
                process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                shared[name] = process(default.arg) if process else default.arg
        self._converters = [(i, convert[key]) for i, key in enumerate(columns) if convert[key]]
        # The compiled statement's parameters in order, picked from (shared values…) + row.
        fixed = tuple(shared.values())
        where = {key: i for i, key in enumerate(shared)} | {key: len(fixed) + i for i, key in enumerate(columns)}
        pick = operator.itemgetter(*(where[name] for name in names))
        if compiled.positional:
            self._shape = lambda row: pick(fixed + tuple(row))
        else:
            self._shape = lambda row: dict(zip(names, pick(fixed + tuple(row))))
        self._pending: list = []

    def add(self, row: Sequence[Any]) -> None:
        if self._converters:
            row = list(row)
            for index, convert in self._converters:
                row[index] = convert(row[index])
        self._pending.append(self._shape(row))
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.conn.exec_driver_sql(self.sql, self._pending)
            self.written += len(self._pending)
            self._pending = []

    def __enter__(self) -> "BulkInserter":
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        if exc_type is None:
            self.flush()


class CopyInserter:
    """PostgreSQL's bulk path with BulkInserter's interface: rows are COPYed into a temporary staging
    table, then moved with one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per batch; with
    ``ignore_conflicts=False`` they are COPYed straight into the table.

    COPY sends rows as one stream instead of a statement per few hundred rows; the staging table has
    the target's column types but no constraints, indexes or defaults (no sequence values are drawn
    twice), and is dropped at commit. The direct COPY is binary when every column's type is one
    ``_BINARY_TYPES`` knows: psycopg then sends each value as it is stored instead of formatting it as
    text for the server to parse again.
    """

    def __init__(self, conn: Connection, table: Table, common: Mapping[str, Any], columns: Sequence[str],
                 batch: int = BATCH, ignore_conflicts: bool = True):
        self.conn, self.batch, self.written, self.columns = conn, batch, 0, tuple(columns)
        dialect = conn.dialect
        common = {**common, **_scalar_defaults(table, {*common, *self.columns})}
        self.staging = f"jinli_staging_{table.name}"
        names = ", ".join(_quoted(c) for c in self.columns)
        targets = ", ".join(_quoted(c) for c in (*common, *self.columns))
        marks = ", ".join(["%s"] * len(common))
        self.sql = (f"INSERT INTO {_quoted(table.name)} ({targets}) SELECT {marks}{', ' if common else ''}{names} "
                    f"FROM {self.staging} ORDER BY jinli_row" + (" ON CONFLICT DO NOTHING" if ignore_conflicts else ""))
        self.copy_sql = f"COPY {self.staging} ({names}) FROM STDIN"
        # Without ON CONFLICT the staging table buys nothing: COPY straight into the table, shared values
        # repeated on each row (one statement instead of five per batch, and the server's multi-row insert).
        self.direct = None if ignore_conflicts else f"COPY {_quoted(table.name)} ({targets}) FROM STDIN"
        self.types = None if ignore_conflicts else _binary_types(table, (*common, *self.columns), dialect)
        if self.types:
            self.direct += " (FORMAT BINARY)"
        self.create_sql = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.staging} ON COMMIT DROP AS "
                           f"SELECT {names} FROM {_quoted(table.name)} WITH NO DATA")
        processors = {k: table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in (*common, *self.columns)}
        self.shared = tuple(processors[k](v) if processors[k] else v for k, v in common.items())
        self._converters = [(i, processors[k]) for i, k in enumerate(self.columns) if processors[k]]
        self._pending: list = []

    def add(self, row: Sequence[Any]) -> None:
        if self._converters:
            row = list(row)
            for index, convert in self._converters:
                row[index] = convert(row[index])
        self._pending.append(row)
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._write(self.conn.connection.driver_connection, self._take())

    def _take(self) -> list:
        rows, self._pending = self._pending, []
        return rows

    def _write(self, raw, rows: list) -> None:
        """COPY ``rows`` into the table or through the staging table (``raw``: psycopg, in the caller's transaction)."""
        with raw.cursor() as cursor:
            if self.direct:
                shared = self.shared if self.types else _as_text(raw, self.shared)
                with cursor.copy(self.direct) as copy:
                    if self.types:
                        copy.set_types(self.types)
                    for row in rows:
                        copy.write_row((*shared, *row))
            else:
                self._staged(cursor, rows)
        self.written += len(rows)

    def _staged(self, cursor, rows: list) -> None:
        cursor.execute(self.create_sql)
        cursor.execute(f"ALTER TABLE {self.staging} ADD COLUMN IF NOT EXISTS jinli_row serial")
        with cursor.copy(self.copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(self.sql, self.shared)
        cursor.execute(f"TRUNCATE {self.staging}")

    def __enter__(self) -> "CopyInserter":
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        if exc_type is None:
            self.flush()


def among(conn: Connection, column, values) -> Any:
    """``column IN values`` for a batch's look-up: on PostgreSQL ``= ANY(array)``, one parameter instead of
    thousands (their binding and parsing were a third of a PostgreSQL import's look-up time)."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def update_by_id(conn: Connection, column, pairs: Sequence[tuple[int, Any]]) -> None:
    """Set ``column`` of each (id, value) pair's row: on PostgreSQL one UPDATE … FROM unnest(ids, values)
    (an executemany there was a statement per row), an executemany elsewhere."""
    table = column.table
    if conn.dialect.name != "postgresql":
        stmt = update(table).where(table.c.id == bindparam("_id")).values({column.key: bindparam("_value")})
        conn.execute(stmt, [{"_id": i, "_value": v} for i, v in pairs])
        return
    ids = bindparam(None, [i for i, _v in pairs], type_=ARRAY(table.c.id.type))
    values = bindparam(None, [v for _i, v in pairs], type_=ARRAY(column.type))
    given = select(func.unnest(ids).label("id"), func.unnest(values).label("value")).subquery()
    conn.execute(update(table).where(table.c.id == given.c.id).values({column.key: given.c.value}))


def bulk_inserter(conn: Connection, table: Table, common: Mapping[str, Any], columns: Sequence[str],
                  batch: int = BATCH, ignore_conflicts: bool = True) -> "BulkInserter | CopyInserter":
    """COPY through a staging table on PostgreSQL, the compiled executemany elsewhere."""
    kind = CopyInserter if conn.dialect.name == "postgresql" else BulkInserter
    return kind(conn, table, common, columns, batch=batch, ignore_conflicts=ignore_conflicts)


def _scalar_defaults(table: Table, given: set[str]) -> dict[str, Any]:
    """The Python-side scalar defaults of the columns left out (SQLAlchemy would have sent them)."""
    return {c.key: c.default.arg for c in table.c
            if c.key not in given and c.default is not None and getattr(c.default, "is_scalar", False)}


# A column type as PostgreSQL's dialect compiles it (length left out) -> its psycopg binary type name.
_BINARY_TYPES = {"VARCHAR": "varchar", "TEXT": "text", "INTEGER": "int4", "BIGINT": "int8", "SMALLINT": "int2",
                 "BOOLEAN": "bool", "DATE": "date", "TIMESTAMP WITH TIME ZONE": "timestamptz"}


def _binary_types(table: Table, keys: Sequence[str], dialect) -> list[str] | None:
    """Each column's binary COPY type, or None when a column's type is not in ``_BINARY_TYPES`` (text COPY)."""
    compiled = (re.sub(r"\(.*\)", "", table.c[k].type.compile(dialect=dialect)) for k in keys)
    names = [_BINARY_TYPES.get(name) for name in compiled]
    return None if None in names else names


def _as_text(raw, values: tuple) -> tuple:
    """``values`` as the text COPY would send for them, converted once: psycopg's dumper of an aware
    datetime, run on every row, cost 0.8 s of a 284,000-row holdings import."""
    from psycopg.adapt import PyFormat, Transformer  # PostgreSQL only

    transformer = Transformer(raw)
    return tuple(None if v is None else bytes(transformer.get_dumper(v, PyFormat.TEXT).dump(v)).decode(raw.info.encoding)
                 for v in values)


def _quoted(name: str) -> str:
    return f'"{name}"'
