"""黄金72小时: attendees still inside the follow-up window after their check-in who have not deposited since."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from records import models

customers_t = models.Customer.__table__
checkins_t = models.CheckIn.__table__
events_t = models.Event.__table__
holdings_t = models.Holding.__table__
movements_t = models.Movement.__table__
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEPOSIT_KINDS = ("deposit", "top_up")


@dataclass(frozen=True)
class Candidate:
    customer_id: int
    name: str
    phone: str
    tier: str
    opted_out: bool
    event_id: int
    event_title: str
    checked_in_at: datetime
    hours_left: float
    referrer_name: str | None
    referrer_phone: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def followup_candidates(conn: Connection, event_id: int | None, now: datetime, window_hours: int,
                        tz: ZoneInfo = SHANGHAI, event_ids=None) -> list[Candidate]:
    """Attendees (invited or walk-in) checked in within the last ``window_hours`` who have not deposited
    since the day of their check-in (no holding started, no deposit or top-up), least time left first;
    ``event_ids`` (a subquery) narrows to chosen events."""
    c, e, cu = checkins_t.c, events_t.c, customers_t.c
    referrer = customers_t.alias("referrer")
    query = (
        select(c.customer_id, cu.name, cu.phone, cu.tier, cu.opted_out, c.event_id, e.title, e.slogan, c.checked_in_at,
               referrer.c.name.label("referrer_name"), referrer.c.phone.label("referrer_phone"))
        .join_from(checkins_t, customers_t, cu.id == c.customer_id).join(events_t, e.id == c.event_id)
        .outerjoin(referrer, referrer.c.id == cu.referrer_id)
        .where(c.checked_in_at > now - timedelta(hours=window_hours), c.checked_in_at <= now)
        .order_by(c.checked_in_at, c.id)
    )
    if event_id is not None:
        query = query.where(c.event_id == event_id)
    if event_ids is not None:  # a subquery of chosen events (ReportFilter.event_ids)
        query = query.where(c.event_id.in_(event_ids))
    rows = conn.execute(query).all()
    last = _last_deposits(conn, {row.customer_id for row in rows})
    window = timedelta(hours=window_hours)
    return [
        Candidate(row.customer_id, row.name, row.phone, row.tier, row.opted_out, row.event_id, row.title or row.slogan,
                  row.checked_in_at, round((row.checked_in_at + window - now).total_seconds() / 3600, 1),
                  row.referrer_name, row.referrer_phone)
        for row in rows if last.get(row.customer_id, date.min) < row.checked_in_at.astimezone(tz).date()
    ]


def _last_deposits(conn: Connection, customer_ids: set[int]) -> dict[int, date]:
    """Each customer's latest day of money in: a holding's start, a deposit or a top-up."""
    if not customer_ids:
        return {}
    h, m, ids = holdings_t.c, movements_t.c, sorted(customer_ids)
    last: dict[int, date] = {}
    for query in (select(h.customer_id, func.max(h.start_on)).where(h.customer_id.in_(ids)).group_by(h.customer_id),
                  select(m.customer_id, func.max(m.on)).where(m.customer_id.in_(ids), m.kind.in_(DEPOSIT_KINDS))
                  .group_by(m.customer_id)):
        for customer_id, day in conn.execute(query):
            last[customer_id] = max(day, last.get(customer_id, date.min))
    return last
