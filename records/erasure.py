"""`jinli customers erase` (PIPL): one customer's personal data removed from every table that holds it.

What is removed where is declared table by table in ``records.personal_data``. The customer row stays
as an anonymised tombstone (name 已删除, phone ``erased:ID``, no birthday, tier kept, phone_status
``erased`` so no audience picks it), and every id and foreign key is left as it was: the funnel and
the other reports count the same. A number that had opted out is kept only as a keyed hash
(``records.erased_phones``). Messages still planned for the customer are suppressed (reason
``erased``); while one is in flight (``sending``) the erase is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from sqlalchemy import Connection, Table, and_, case, func, or_, select, update

from errors import InvalidValue
from records import audit, erased_phones, models
from records.personal_data import ERASED_STATUS, ERASED_TEXT, PERSONAL_DATA, PHONE, REDACTED, Personal
from records.traces import Traces

customers_t = models.Customer.__table__
outbox_t = models.OutboxMessage.__table__
audit_t = models.AuditEntry.__table__


@dataclass
class Erasure:
    """What an erase changed: rows per table (no personal data: it goes into the audit trail)."""

    customer_id: int
    rows: dict[str, int] = field(default_factory=dict)


def placeholder(customer_id: int) -> str:
    """The tombstone's phone: unique, and no phone number (so nothing parses or masks it as one)."""
    return f"erased:{customer_id}"


def erase_customer(conn: Connection, customer: Mapping, *, key: bytes, now: datetime, actor: str, reason: str) -> Erasure:
    """Anonymise ``customer`` in every declared table, in the caller's transaction, and record it."""
    customer = _locked(conn, customer["id"])
    if customer["phone_status"] == ERASED_STATUS:
        raise InvalidValue(f"customer {customer['id']} is already erased")
    refuse_in_flight(conn, customer["id"])
    traces = Traces.of_customer(customer)
    done = Erasure(customer["id"])
    done.rows["outbox"] = _suppress_planned(conn, customer["id"], now)
    done.rows["audit_trail"] = _redact_edits(conn, customer["id"], now)
    for spec in PERSONAL_DATA:
        done.rows[spec.table] = done.rows.get(spec.table, 0) + erase_table(conn, spec, customer, traces)
    conn.execute(update(customers_t).where(customers_t.c.id == customer["id"]).values(
        phone_status=ERASED_STATUS, opted_out=True, opted_out_at=func.coalesce(customers_t.c.opted_out_at, now),
        updated_at=now))
    if customer["opted_out"]:
        erased_phones.keep(conn, customer["phone"], key, now)
    audit.record(conn, actor=actor, action="customers.erase", subject="customer", subject_id=customer["id"],
                 customer_id=customer["id"], reason=traces.cut(reason, ERASED_TEXT), now=now,
                 detail={"rows": done.rows, "phone_kept_as_hash": bool(customer["opted_out"])})
    return done


def _locked(conn: Connection, customer_id: int) -> Mapping:
    """The customer row, locked to the end of the transaction: a dispatcher claiming their messages waits."""
    query = select(customers_t).where(customers_t.c.id == customer_id).with_for_update()
    return conn.execute(query).mappings().one()


def _redact_edits(conn: Connection, customer_id: int, now: datetime) -> int:
    """The before and after values of personal fields in the customer's `customers.edit` entries become
    [已删除] (which fields changed, and when, stay): a name or birth date staff changed away from is gone too."""
    a = audit_t.c
    personal = _customer_spec().replace.keys()
    rows = conn.execute(select(a.id, a.detail).where(a.customer_id == customer_id, a.action == "customers.edit")).all()
    for row in rows:
        detail = json.loads(row.detail or "{}")
        changes = detail.get("changes", {})
        detail["changes"] = {k: [ERASED_TEXT, ERASED_TEXT] if k in personal else v for k, v in changes.items()}
        conn.execute(update(audit_t).where(a.id == row.id).values(detail=json.dumps(detail, ensure_ascii=False)))
    return len(rows)


def _customer_spec() -> Personal:
    return next(spec for spec in PERSONAL_DATA if spec.table == "customers")


def refuse_in_flight(conn: Connection, customer_id: int) -> None:
    """InvalidValue while a text to the customer may be on its way (its provider's answer is still to come)."""
    o = outbox_t.c
    count = conn.execute(select(func.count()).where(o.customer_id == customer_id, o.state == "sending")).scalar()
    if count:
        raise InvalidValue(f"customer {customer_id}: {count} message(s) in flight ('sending'): erase once they are "
                           "settled (jinli outbox stuck, jinli outbox reconcile)")


def _suppress_planned(conn: Connection, customer_id: int, now: datetime) -> int:
    """Messages not yet sent will never be: suppressed, reason erased (reports count sent texts only)."""
    o = outbox_t.c
    return conn.execute(update(outbox_t).where(o.customer_id == customer_id, o.state == "planned")
                        .values(state="suppressed", reason="erased", final_at=now, updated_at=now)).rowcount


def erase_table(conn: Connection, spec: Personal, customer: Mapping, traces: Traces) -> int:
    """Apply one table's declaration to the person's rows; returns the rows changed."""
    table = models.SQLModel.metadata.tables.get(spec.table)
    if table is None:  # declared for a table this build does not have (yet)
        return 0
    mine = _rows_of(table, spec, customer)
    changed = 0
    if spec.replace and mine is not None:
        values = {col: _replacement(table.c[col], value, customer["id"]) for col, value in spec.replace.items()}
        changed = conn.execute(update(table).where(mine).values(values)).rowcount
    if spec.scrub:
        changed += _scrub(conn, table, spec.scrub, mine, traces)
    return changed


def _rows_of(table: Table, spec: Personal, customer: Mapping):
    """The condition picking the person's rows (None: every row, for ``everywhere`` tables)."""
    if spec.everywhere:
        return None
    matches = [table.c[col] == customer["id"] for col in spec.by_customer]
    matches += [table.c[col] == customer["phone"] for col in spec.by_phone]
    return or_(*matches)


def _replacement(column, value, customer_id: int):
    if value is PHONE:
        return placeholder(customer_id)
    if value is REDACTED:
        return case((or_(column.is_(None), column == ""), column), else_=ERASED_TEXT)
    return value


def _scrub(conn: Connection, table: Table, columns: tuple[str, ...], mine, traces: Traces) -> int:
    """Cut the person's traces out of free text, row by row (only rows that hold some)."""
    keys = list(table.primary_key.columns)
    query = select(*keys, *(table.c[col] for col in columns))
    rows = conn.execute(query if mine is None else query.where(mine)).all()
    changed = 0
    for row in rows:
        values = {col: traces.cut(getattr(row, col), ERASED_TEXT) for col in columns}
        if any(values[col] != getattr(row, col) for col in columns):
            match = and_(*(key == getattr(row, key.name) for key in keys))
            changed += conn.execute(update(table).where(match).values(values)).rowcount
    return changed
