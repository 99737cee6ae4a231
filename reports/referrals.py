"""Referral reports: the leaderboard with each referrer's downline, chain generations, the viral coefficient.

Leaderboard figures count the referrals the filter selects (attributed to the chosen events; every
referral when no campaign, event or period is given). Downline and chain depth follow the whole
referral tree below a referrer (核裂变), whatever the filter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, literal, select

from records import models
from reports.filters import ReportFilter
from reports.funnel import event_rows, measure, rollup

referrals_t = models.Referral.__table__
customers_t = models.Customer.__table__
holdings_t = models.Holding.__table__
MAX_DEPTH = 100  # a guard: cycles are refused when recorded, but data can be edited by hand


@dataclass
class Leader:
    rank: int
    customer_id: int
    name: str
    phone: str
    referrals: int
    converted: int
    deposits_fen: int
    downline: int = 0
    depth: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def leaderboard(conn: Connection, filt: ReportFilter, tz: ZoneInfo, limit: int = 20) -> list[Leader]:
    """The top referrers: most referrals, then most converted, then most deposits brought."""
    r, cu, h = referrals_t.c, customers_t.c, holdings_t.c
    first_deposit = select(func.sum(h.amount_fen)).where(h.customer_id == r.referee_id, h.start_on == r.converted_on).scalar_subquery()
    counts = (select(r.referrer_id, func.count().label("referrals"), func.count(r.converted_on).label("converted"),
                     func.coalesce(func.sum(first_deposit), literal(0)).label("deposits"))
              .group_by(r.referrer_id))
    chosen = filt.event_ids(tz)
    if chosen is not None:
        counts = counts.where(r.event_id.in_(chosen))
    counts = counts.subquery("counts")
    k = counts.c
    query = (select(k.referrer_id, cu.name, cu.phone, k.referrals, k.converted, k.deposits)
             .join_from(counts, customers_t, cu.id == k.referrer_id)
             .order_by(k.referrals.desc(), k.converted.desc(), k.deposits.desc(), k.referrer_id).limit(limit))
    if filt.tier:
        query = query.where(cu.tier == filt.tier)
    leaders = [Leader(n, row.referrer_id, row.name, row.phone, row.referrals, row.converted, int(row.deposits))
               for n, row in enumerate(conn.execute(query), start=1)]
    _add_downlines(conn, leaders)
    return leaders


def _add_downlines(conn: Connection, leaders: list[Leader]) -> None:
    """Each leader's downline size and depth (generations below them), by a recursive query."""
    if not leaders:
        return
    r, below = referrals_t.c, referrals_t.alias("below")
    down = (select(r.referrer_id.label("root"), r.referee_id.label("member"), literal(1).label("depth"))
            .where(r.referrer_id.in_([leader.customer_id for leader in leaders])).cte("down", recursive=True))
    down = down.union_all(select(down.c.root, below.c.referee_id, down.c.depth + 1)
                          .where(below.c.referrer_id == down.c.member, down.c.depth < MAX_DEPTH))
    found = {row.root: row for row in conn.execute(
        select(down.c.root, func.count().label("size"), func.max(down.c.depth).label("depth")).group_by(down.c.root))}
    for leader in leaders:
        if leader.customer_id in found:
            leader.downline, leader.depth = found[leader.customer_id].size, found[leader.customer_id].depth


def generations(conn: Connection) -> dict[int, int]:
    """How many referees sit at each generation of the chains (1: referred by someone nobody referred)."""
    r, parent, child = referrals_t.c, referrals_t.alias("parent"), referrals_t.alias("child")
    is_root = ~select(parent.c.id).where(parent.c.referee_id == r.referrer_id).exists()
    gen = select(r.referee_id.label("member"), literal(1).label("depth")).where(is_root).cte("gen", recursive=True)
    gen = gen.union_all(select(child.c.referee_id, gen.c.depth + 1)
                        .where(child.c.referrer_id == gen.c.member, gen.c.depth < MAX_DEPTH))
    rows = conn.execute(select(gen.c.depth, func.count()).group_by(gen.c.depth).order_by(gen.c.depth))
    return {depth: count for depth, count in rows}


@dataclass
class Viral:
    key: str
    attendees: int
    referrers: int
    referrals: int
    converted: int
    rewards_owed: int = 0
    rewards_given: int = 0

    @property
    def coefficient(self) -> float | None:
        """Referrals per attendee (attended + walk-ins)."""
        return round(self.referrals / self.attendees, 4) if self.attendees else None

    def as_dict(self) -> dict:
        return {**asdict(self), "viral": self.coefficient}


def viral(conn: Connection, filt: ReportFilter, tz: ZoneInfo, by: str) -> list[Viral]:
    """Referrals per attendee per campaign or salon (or any funnel grouping), and the total last."""
    cells = measure(conn, filt, tz, count_sent=True)
    events = event_rows(conn, {event_id for event_id, _tier in cells})
    rows = rollup(cells, events, by, tz) + rollup(cells, events, None, tz)
    return [Viral(row.key, row.attendees, row.referrers, row.referrals, row.converted, row.rewards_owed, row.rewards_given)
            for row in rows]


def unattributed(conn: Connection) -> int:
    """Referrals attributed to no event (the referrer attended none within the window)."""
    return conn.execute(select(func.count()).where(referrals_t.c.event_id.is_(None))).scalar_one()
