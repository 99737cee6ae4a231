"""The event funnel: invited → delivered → confirmed → attended → referrers → referrals → converted → deposits.

Definitions (per event; a group's figure is the sum over its events):
- invited: invitations. delivered: invitations whose 'invitation' SMS (same event and customer) reached
  'delivered' (and 'sent', when count_sent_as_delivered: carriers often send no receipt for +86).
- confirmed: invitations in state confirmed, attended or no_show (a guest who came had confirmed;
  only a confirmed guest becomes a no-show).
- attended: invitations in state attended (a check-in marks its invitation so); walk_ins: check-ins
  without invitation (not in the chain, but attendees for referrals: referrers are measured against
  attended + walk_ins).
- referrers: distinct people with a referral attributed to the event; referrals: those referrals;
  converted: those with a first deposit; deposits: the converted referees' first deposits (all
  holdings starting on the conversion day), in fen.
- rewards_owed / rewards_given: referral rewards (records.rewards) of those referrals now owed / given.
- tier: the tier on the invitation; for a walk-in or a referrer without invitation, the current tier.
SQL groups by (event, tier) over the big tables; the roll-up to campaign, salon, week... is in Python
over at most events × 4 rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, func, literal, select

from records import models
from records.events import CONFIRMED_STATES
from reports.filters import ReportFilter

invitations_t = models.Invitation.__table__
outbox_t = models.OutboxMessage.__table__
checkins_t = models.CheckIn.__table__
referrals_t = models.Referral.__table__
customers_t = models.Customer.__table__
holdings_t = models.Holding.__table__
events_t = models.Event.__table__
rewards_t = models.ReferralReward.__table__

STEPS = ("invited", "delivered", "confirmed", "attended", "referrers", "referrals", "converted")
PREVIOUS = {"delivered": "invited", "confirmed": "delivered", "attended": "confirmed", "referrers": "attendees",
            "referrals": "referrers", "converted": "referrals"}
GROUPINGS = ("campaign", "event", "kind", "tier", "salon", "store", "week")
INVITATION_STEP = "invitation"


@dataclass
class FunnelRow:
    key: str
    invited: int = 0
    delivered: int = 0
    confirmed: int = 0
    attended: int = 0
    walk_ins: int = 0
    referrers: int = 0
    referrals: int = 0
    converted: int = 0
    deposits_fen: int = 0
    rewards_owed: int = 0
    rewards_given: int = 0
    sort: tuple = field(default=(), repr=False, compare=False)

    @property
    def attendees(self) -> int:
        return self.attended + self.walk_ins

    def add(self, other: "FunnelRow") -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rate(self, step: str) -> float | None:
        """This step over the previous one (referrers over all attendees); None when that is zero."""
        return _ratio(getattr(self, step), getattr(self, PREVIOUS[step]))

    def of_invited(self, step: str) -> float | None:
        return _ratio(getattr(self, step), self.invited)

    def as_dict(self) -> dict:
        data = {name: getattr(self, name) for name in ("key", *COUNTS)}
        data["attendees"] = self.attendees
        data["rates"] = {s: self.rate(s) for s in PREVIOUS}
        data["of_invited"] = {s: self.of_invited(s) for s in STEPS[1:]}
        return data


COUNTS = tuple(f.name for f in fields(FunnelRow) if f.name not in {"key", "sort"})


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class FunnelReport:
    by: str | None
    filters: dict
    rows: list[FunnelRow]
    total: FunnelRow
    trend: list[FunnelRow]  # by week, for the chart


def funnel(conn: Connection, filt: ReportFilter, by: str | None, tz: ZoneInfo, count_sent: bool = True) -> FunnelReport:
    """The funnel under ``filt``, grouped ``by`` campaign|event|kind|tier|salon|store|week (None: the total only);
    events of no store group under "*"."""
    cells = measure(conn, filt, tz, count_sent)
    events = event_rows(conn, {event_id for event_id, _tier in cells})
    rows = rollup(cells, events, by, tz) if by else []
    total = rollup(cells, events, None, tz)
    return FunnelReport(by, filt.describe(), rows, total[0] if total else FunnelRow("total"),
                        rollup(cells, events, "week", tz))


def measure(conn: Connection, filt: ReportFilter, tz: ZoneInfo, count_sent: bool) -> dict[tuple[int, str], FunnelRow]:
    """Every count per (event id, tier), from one grouped query per table."""
    cells: dict[tuple[int, str], FunnelRow] = {}

    def put(rows, *names):
        for event_id, tier, *values in rows:
            cell = cells.setdefault((event_id, tier), FunnelRow(""))
            for name, value in zip(names, values):
                setattr(cell, name, getattr(cell, name) + int(value or 0))

    chosen = filt.event_ids(tz)
    _no_jit(conn)
    put(conn.execute(_invited(chosen, filt.tier)), "invited", "confirmed", "attended")
    put(conn.execute(_delivered(chosen, filt.tier, count_sent)), "delivered")
    put(conn.execute(_walk_ins(chosen, filt.tier)), "walk_ins")
    put(conn.execute(_referrals(chosen, filt.tier)), "referrers", "referrals", "converted", "deposits_fen",
        "rewards_owed", "rewards_given")
    return cells


def _no_jit(conn: Connection) -> None:
    """PostgreSQL: no JIT for the rest of this transaction. The referral query's per-row look-ups cost
    enough in the planner's units to be JIT-compiled: 0.5 s of compiling for 0.2 s of work at 1 M invitations."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.set_config("jit", "off", True)))


def _scoped(query, event_column, chosen, tier_column, tier):
    if chosen is not None:
        query = query.where(event_column.in_(chosen))
    return query.where(tier_column == tier) if tier else query


def _invited(chosen, tier):
    """Invitations, confirmed ones (attended and no-shows had confirmed) and attended ones, in one index scan."""
    i = invitations_t.c
    confirmed = func.sum(case((i.state.in_(CONFIRMED_STATES), 1), else_=0))
    attended = func.sum(case((i.state == "attended", 1), else_=0))
    query = select(i.event_id, i.tier, func.count(), confirmed, attended).group_by(i.event_id, i.tier)
    return _scoped(query, i.event_id, chosen, i.tier, tier)


def _delivered(chosen, tier, count_sent: bool):
    """Invitation SMS delivered, from the outbox alone: the planner writes an invitation and its SMS together,
    with the same event, customer and tier (joining a million rows back to invitations costs seconds on SQLite)."""
    o = outbox_t.c
    states = ("delivered", "sent") if count_sent else ("delivered",)
    query = (select(o.event_id, o.tier, func.count())
             .where(o.event_id.is_not(None), o.step == INVITATION_STEP, o.state.in_(states)).group_by(o.event_id, o.tier))
    return _scoped(query, o.event_id, chosen, o.tier, tier)


def _walk_ins(chosen, tier):
    """Check-ins without an invitation (check-in keeps the invitation's id when there is one)."""
    c, cu = checkins_t.c, customers_t.c
    # The walk-in's tier looked up per check-in by primary key: a join made PostgreSQL hash a million
    # customers for 20,000 walk-ins (0.23 of 0.28 s at 1 M customers).
    current = select(cu.tier).where(cu.id == c.customer_id).scalar_subquery().label("tier")
    walk_ins = select(c.event_id, current).where(c.invitation_id.is_(None))
    walk_ins = _scoped(walk_ins, c.event_id, chosen, current, tier).subquery("walk_ins")
    w = walk_ins.c
    return select(w.event_id, w.tier, func.count()).group_by(w.event_id, w.tier)


def _referrals(chosen, tier):
    r, i, cu, h = referrals_t.c, invitations_t.c, customers_t.c, holdings_t.c
    # Looked up only for converted referrals (a third of them): each look-up is a random read.
    first_deposit = case((r.converted_on.is_not(None),
                          select(func.sum(h.amount_fen)).where(h.customer_id == r.referee_id, h.start_on == r.converted_on)
                          .scalar_subquery()), else_=None)
    # The referrer's tier, looked up per referral through the (event, customer) and primary keys: a few
    # ten thousand index reads, where joining made PostgreSQL hash a million customers and invitations
    # (0.9 s of a 1.9 s report at 1 M invitations). The referrer always exists (a foreign key).
    on_invitation = (select(i.tier).where(i.event_id == r.event_id, i.customer_id == r.referrer_id)
                     .scalar_subquery())
    current = select(cu.tier).where(cu.id == r.referrer_id).scalar_subquery()
    referrer_tier = func.coalesce(on_invitation, current).label("tier")
    # A referral has at most one reward (unique referral_id): read with it, its referrer's tier is looked
    # up once (a second query per reward took 0.22 s at 1 M invitations and 184,000 rewards).
    rw = rewards_t.c
    attributed = (
        select(r.event_id, r.referrer_id, r.converted_on, referrer_tier, first_deposit.label("amount"),
               rw.state.label("reward"))
        .select_from(referrals_t.outerjoin(rewards_t, rw.referral_id == r.id))
        .where(r.event_id.is_not(None))
    )
    attributed = _scoped(attributed, r.event_id, chosen, referrer_tier, tier).subquery("attributed")
    a = attributed.c
    return (select(a.event_id, a.tier, func.count(func.distinct(a.referrer_id)), func.count(), func.count(a.converted_on),
                   func.coalesce(func.sum(a.amount), literal(0)),
                   func.sum(case((a.reward == "owed", 1), else_=0)), func.sum(case((a.reward == "given", 1), else_=0)))
            .group_by(a.event_id, a.tier))


def event_rows(conn: Connection, ids: set[int]) -> dict[int, dict]:
    """The events named by ``ids``, by id (what the roll-up groups by)."""
    if not ids:
        return {}
    e = events_t.c
    rows = conn.execute(select(e.id, e.campaign_id, e.kind, e.title, e.slogan, e.store, e.starts_at).where(e.id.in_(sorted(ids))))
    return {row.id: dict(row._mapping) for row in rows}


def group_key(by: str | None, event: dict, tier: str, tz: ZoneInfo) -> tuple[tuple, str]:
    """(sort key, label) of the group an (event, tier) cell falls in."""
    local = event["starts_at"].astimezone(tz) if event.get("starts_at") else None
    if by == "campaign":
        return (event["campaign_id"],), event["campaign_id"]
    if by == "event":
        day = local.strftime("%Y-%m-%d %H:%M") if local else "?"
        return (local or datetime.min.replace(tzinfo=tz), event["id"]), f"{event['id']} {day} {event['title'] or event['slogan']}"
    if by == "tier":
        return (tier,), tier
    if by == "kind":  # salon, banquet, event (staff-made)
        return (event["kind"],), event["kind"]
    if by == "salon":
        name = event["slogan"] or event["kind"]
        return (local.isoweekday() if local and event["slogan"] else 9, name), name
    if by == "store":
        return (event["store"] == "", event["store"]), event["store"] or "*"
    if by == "week":
        if local is None:
            return ((9999, 99),), "?"
        year, week, _ = local.isocalendar()
        return ((year, week),), f"{year}-W{week:02d}"
    return (), "total"


def rollup(cells: dict[tuple[int, str], FunnelRow], events: dict[int, dict], by: str | None, tz: ZoneInfo) -> list[FunnelRow]:
    """The cells summed into groups, sorted (dates and weeks in order, tiers A to P)."""
    groups: dict[str, FunnelRow] = {}
    for (event_id, tier), cell in cells.items():
        sort, label = group_key(by, events[event_id], tier, tz)
        row = groups.setdefault(label, FunnelRow(label, sort=sort))
        row.add(cell)
    return sorted(groups.values(), key=lambda row: row.sort)
