"""The "three encounters" rule (三次面缘): how many visits preceded each conversion.

A conversion is a customer's first deposit (their earliest holding) when they came as a guest:
either someone referred them, or they checked in at an event on or before that day. Visits are
their check-ins up to and including the day of the first deposit (local days). Customers who
deposited before ever coming to an event, unreferred, are not conversions of the events.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, or_, select

from records import models

holdings_t = models.Holding.__table__
checkins_t = models.CheckIn.__table__
referrals_t = models.Referral.__table__
customers_t = models.Customer.__table__


@dataclass
class VisitsReport:
    histogram: dict[int, int] = field(default_factory=dict)  # visits -> conversions

    @property
    def conversions(self) -> int:
        return sum(self.histogram.values())

    @property
    def mean(self) -> float | None:
        total = self.conversions
        return round(sum(v * n for v, n in self.histogram.items()) / total, 2) if total else None

    def share_at_least(self, visits: int) -> float | None:
        total = self.conversions
        return round(sum(n for v, n in self.histogram.items() if v >= visits) / total, 4) if total else None

    def rows(self) -> list[dict]:
        """One row per visit count: conversions, share and cumulative share."""
        total, running, out = self.conversions, 0, []
        for visits in sorted(self.histogram):
            running += self.histogram[visits]
            out.append({"visits": visits, "conversions": self.histogram[visits],
                        "share": round(self.histogram[visits] / total, 4), "cumulative": round(running / total, 4)})
        return out

    def as_dict(self) -> dict:
        return {"conversions": self.conversions, "mean_visits": self.mean, "three_or_more": self.share_at_least(3),
                "rows": self.rows()}


def visits_before_conversion(conn: Connection, tz: ZoneInfo, date_from: date | None = None,
                             date_to: date | None = None, stores: tuple[str, ...] | None = None) -> VisitsReport:
    """The histogram of visits before each conversion whose first deposit falls in the period
    (of customers of ``stores`` only, when given: a conversion is the customer's, counted at their store)."""
    h, c, r = holdings_t.c, checkins_t.c, referrals_t.c
    first = select(h.customer_id, func.min(h.start_on).label("first_on")).group_by(h.customer_id)
    if stores is not None:
        first = first.where(h.customer_id.in_(select(customers_t.c.id).where(customers_t.c.store.in_(stores))))
    bounds = [cond for cond in (func.min(h.start_on) >= date_from if date_from else None,
                                func.min(h.start_on) <= date_to if date_to else None) if cond is not None]
    if bounds:
        first = first.having(*bounds)
    first = first.subquery("first")
    came = select(c.id).where(c.customer_id == first.c.customer_id).exists()
    referred = select(r.id).where(r.referee_id == first.c.customer_id).exists()
    people = dict(conn.execute(select(first.c.customer_id, first.c.first_on).where(or_(came, referred))).all())
    visits: Counter[int] = Counter()
    checkins = conn.execute(select(c.customer_id, c.checked_in_at).join(first, first.c.customer_id == c.customer_id))
    for customer_id, at in checkins:
        if at.astimezone(tz).date() <= people.get(customer_id, date.min):
            visits[customer_id] += 1
    referred_ids = set(conn.execute(select(r.referee_id).where(r.referee_id.in_(select(first.c.customer_id)))).scalars())
    report = VisitsReport()
    for customer_id in people:
        if visits[customer_id] or customer_id in referred_ids:
            report.histogram[visits[customer_id]] = report.histogram.get(visits[customer_id], 0) + 1
    return report
