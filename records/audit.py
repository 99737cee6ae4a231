"""The audit trail: who changed what, when and why (one table for the CLI, the web and the daemon)."""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from records import models

audit_t = models.AuditEntry.__table__


def os_actor() -> str:
    """The person at the command line, as the operating system knows them."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "os:unknown"


def record(conn: Connection, *, actor: str, action: str, subject: str, subject_id: Any = "", now: datetime,
           customer_id: int | None = None, reason: str = "", detail: dict | None = None) -> None:
    """Add one entry inside the caller's transaction, so the change and its record commit together."""
    conn.execute(insert(audit_t).values(
        at=now, actor=actor[:80], action=action, subject=subject, subject_id=str(subject_id), customer_id=customer_id,
        reason=reason, detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else ""))


def entries(conn: Connection, *, customer_id: int | None = None, limit: int = 100) -> list[RowMapping]:
    """The newest ``limit`` entries, optionally only those about one customer, newest first."""
    a = audit_t.c
    query = select(audit_t).order_by(a.at.desc(), a.id.desc()).limit(limit)
    if customer_id is not None:
        query = query.where(a.customer_id == customer_id)
    return conn.execute(query).mappings().all()
