"""Reconciling messages whose status callback never came: ask the provider, apply what it says."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from messaging.outbox import apply_status
from records import models
from records.transactions import write_transaction

log = logging.getLogger("jinli.outbox")
outbox_t = models.OutboxMessage.__table__
FINAL_REPORTS = ("delivered", "undelivered", "failed")


def reconcile(engine: Engine, gateway, now: datetime, *, quiet_for: timedelta = timedelta(hours=1),
              limit: int = 500) -> dict[str, int]:
    """For 'sent' messages silent for ``quiet_for``, fetch the provider's status; counts by result.

    Gateways without delivery reports (console, file) have no ``fetch_status``: nothing to do.
    """
    fetch = getattr(gateway, "fetch_status", None)
    counts = {"checked": 0, "updated": 0}
    if fetch is None:
        return counts
    o = outbox_t.c
    with engine.connect() as conn:
        silent = conn.execute(select(o.provider_id).where(o.state == "sent", o.sent_at < now - quiet_for,
                                                           o.provider_id.is_not(None)).limit(limit)).scalars().all()
    for provider_id in silent:
        counts["checked"] += 1
        report = fetch(provider_id)
        if report and report[0] in FINAL_REPORTS:
            with write_transaction(engine) as conn:
                counts["updated"] += apply_status(conn, provider_id, report[0], report[1], now) == "updated"
    log.info("reconcile: %s", counts)
    return counts
