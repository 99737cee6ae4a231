"""Referrer links named in the customers file: resolved when both people exist, refused when unsound.

A row may name a referrer that appears later in the file, so unresolved names wait for the end.
A link that cannot be made (unknown referrer, self-referral, a cycle, a different existing referrer)
keeps the customer and reports the row as a warning in the rejects file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, insert, select, update

from records import models
from records.codes import normalise_code
from records.csvfile import ImportSummary, RejectsFile, Row
from messaging.phone import mask, try_parse_mobile

customers_t = models.Customer.__table__
referrals_t = models.Referral.__table__
MAX_CHAIN = 10_000


@dataclass
class _Pending:
    phone: str
    referrer: str
    row: Row


class PendingReferrers:
    def __init__(self, conn: Connection, region: str, today: date, now: datetime):
        self.conn, self.region, self.today, self.now = conn, region, today, now
        self.batch: list[_Pending] = []
        self.waiting: list[_Pending] = []

    def add(self, phone: str, referrer: str | None, row: Row) -> None:
        if referrer:
            self.batch.append(_Pending(phone, referrer, row))

    def resolve_known(self, rejects: RejectsFile, summary: ImportSummary) -> None:
        """Link this batch's rows whose referrer exists now; keep the others for the end of the file."""
        for item in self.batch:
            if not self._try_link(item, rejects, summary):
                self.waiting.append(item)
        self.batch = []

    def resolve_remaining(self, rejects: RejectsFile, summary: ImportSummary) -> None:
        for item in self.waiting:
            if not self._try_link(item, rejects, summary):
                rejects.add(item.row.number, f"warning: referrer {item.referrer!r} not found; customer imported without referrer", item.row.raw)
                summary.warnings += 1
        self.waiting = []

    def _try_link(self, item: _Pending, rejects: RejectsFile, summary: ImportSummary) -> bool:
        referrer = self._find(item.referrer)
        if referrer is None:
            return False
        problem = self._link(item.phone, referrer)
        if problem:
            rejects.add(item.row.number, f"warning: {problem}; customer imported without this referrer", item.row.raw)
            summary.warnings += 1
        return True

    def _find(self, text: str):
        phone = try_parse_mobile(text, self.region)
        column, value = (customers_t.c.phone, phone) if phone else (customers_t.c.referral_code, normalise_code(text))
        return self.conn.execute(select(customers_t.c.id, customers_t.c.phone).where(column == value)).first()

    def _link(self, referee_phone: str, referrer) -> str | None:
        """Make the link, or say in words why it cannot be made."""
        referee = self.conn.execute(
            select(customers_t.c.id, customers_t.c.referrer_id, customers_t.c.joined_on).where(customers_t.c.phone == referee_phone)
        ).one()
        if referee.id == referrer.id:
            return "a customer cannot refer themself"
        if referee.referrer_id == referrer.id:
            return None
        if referee.referrer_id is not None:
            return f"already referred by customer {referee.referrer_id}, kept"
        if creates_cycle(self.conn, referrer.id, referee.id):
            return f"referrer {mask(referrer.phone)} was themself referred (directly or not) by this customer"
        self.conn.execute(update(customers_t).where(customers_t.c.id == referee.id).values(referrer_id=referrer.id))
        self.conn.execute(insert(referrals_t).values(
            referrer_id=referrer.id, referee_id=referee.id, source="import",
            referred_on=referee.joined_on or self.today, created_at=self.now,
        ))
        return None


def creates_cycle(conn: Connection, referrer_id: int, referee_id: int) -> bool:
    """Whether linking referrer → referee would close a loop (the referee is up the referrer's chain)."""
    has_referees = conn.execute(select(customers_t.c.id).where(customers_t.c.referrer_id == referee_id).limit(1)).first()
    if not has_referees:
        return False
    current, steps = referrer_id, 0
    while current is not None and steps < MAX_CHAIN:
        if current == referee_id:
            return True
        current = conn.execute(select(customers_t.c.referrer_id).where(customers_t.c.id == current)).scalar()
        steps += 1
    return False
