"""What each trigger fires on, as one set-based SELECT over the rows added since a watermark.

Every source yields the same columns: ``source_id`` (the scanned table's id, the watermark's unit),
``record_id`` (the triggering record, in the outbox key), ``customer_id`` (who receives the text),
``happened_at`` (the instant the delay counts from), ``happened_on`` (the business day compared with
the day the campaign was enabled) and the kind's own columns (the template's ``trigger``). Only rows
with ``low < source_id ≤ high`` are read, through the table's primary key: a scan costs the new rows.

- first_deposit: a customer's first holding (none of theirs recorded before it); record: the holding;
- referral_converted: the first holding of a referred customer, to the referrer; record: the referral;
- tier_up / tier_down: a ``tier_changes`` row; record: that row;
- reward_reached: a points earning after which the balance reaches a rung of the rewards ladder it was
  below before (the highest such rung); record: the ledger row;
- checked_in: a check-in; walk_in_registered: a guest's first check-in, without an invitation (the door
  registered them); record: the check-in;
- holding_matured_not_renewed: date-driven, read by maturity day instead of id (``matured``); record: the holding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, case, exists, func, literal, null, select

from records import models
from records.events import day_bounds
from records.points import counts_on
from records.sqldates import plus_days

holdings_t = models.Holding.__table__
customers_t = models.Customer.__table__
referrals_t = models.Referral.__table__
moves_t = models.TierMove.__table__
ledger_t = models.PointsEntry.__table__
checkins_t = models.CheckIn.__table__
events_t = models.Event.__table__
movements_t = models.Movement.__table__
RENEWAL_WINDOW_DAYS = 30  # a 续金 dated from 30 days before maturity on counts as renewing that holding


@dataclass(frozen=True)
class Scope:
    """Which rows a scan reads: ids in (low, high], business days from ``since_on``; the ladder for rewards."""

    low: int
    high: int
    since_on: date
    today: date
    tz: object
    ladder: tuple = ()  # (points, name) rungs of the rewards ladder
    upto_on: date | None = None  # matured: maturities in (low_on, upto_on]
    low_on: date | None = None
    conn: object = None  # for the dialect's date arithmetic


SOURCE_TABLES = {"first_deposit": holdings_t, "referral_converted": holdings_t, "tier_up": moves_t,
                 "tier_down": moves_t, "reward_reached": ledger_t, "checked_in": checkins_t,
                 "walk_in_registered": checkins_t, "holding_matured_not_renewed": holdings_t}


def _new(table, scope: Scope):
    return and_(table.c.id > scope.low, table.c.id <= scope.high)


def _first_holdings(scope: Scope):
    h, earlier = holdings_t.c, holdings_t.alias("earlier").c
    first = ~exists().where(earlier.customer_id == h.customer_id, earlier.id < h.id)
    return and_(_new(holdings_t, scope), h.start_on >= scope.since_on, first)


def _holding_columns():
    h = holdings_t.c
    return [h.amount_fen, h.term, h.product, h.start_on, h.maturity_on]


def first_deposit(scope: Scope) -> Select:
    h = holdings_t.c
    return select(h.id.label("source_id"), h.id.label("record_id"), h.customer_id, h.created_at.label("happened_at"),
                  h.start_on.label("happened_on"), *_holding_columns()).where(_first_holdings(scope))


def referral_converted(scope: Scope) -> Select:
    h, r, friend = holdings_t.c, referrals_t.c, customers_t.c
    return (select(h.id.label("source_id"), r.id.label("record_id"), r.referrer_id.label("customer_id"),
                   h.created_at.label("happened_at"), h.start_on.label("happened_on"), friend.name.label("friend"),
                   *_holding_columns())
            .join_from(holdings_t, referrals_t, r.referee_id == h.customer_id)
            .join(customers_t, friend.id == h.customer_id).where(_first_holdings(scope)))


def _tier_moves(scope: Scope, direction: str) -> Select:
    m = moves_t.c
    return select(m.id.label("source_id"), m.id.label("record_id"), m.customer_id, m.recorded_at.label("happened_at"),
                  m.changed_on.label("happened_on"), m.old_tier, m.new_tier, m.changed_on).where(
        _new(moves_t, scope), m.direction == direction, m.changed_on >= scope.since_on)


def tier_up(scope: Scope) -> Select:
    return _tier_moves(scope, "up")


def tier_down(scope: Scope) -> Select:
    return _tier_moves(scope, "down")


def reward_reached(scope: Scope) -> Select:
    """Earnings that lift the balance (as of today, in ledger order) to a rung it was below."""
    p, earlier = ledger_t.c, ledger_t.alias("earlier")
    before = (select(func.coalesce(func.sum(earlier.c.points), 0))
              .where(earlier.c.customer_id == p.customer_id, earlier.c.id < p.id, _counts(earlier, scope.today))
              .scalar_subquery())
    rows = (select(p.id, p.customer_id, p.created_at, p.earned_on, p.points, before.label("before"))
            .where(_new(ledger_t, scope), p.lot_id == 0, p.points > 0, p.earned_on >= scope.since_on,
                   counts_on(scope.today)).subquery("earned"))
    after = rows.c.before + rows.c.points
    rungs = sorted(scope.ladder, reverse=True)
    reached = case(*[(and_(rows.c.before < points, after >= points), points) for points, _ in rungs], else_=null()) \
        if rungs else null()
    inner = select(rows.c.id.label("source_id"), rows.c.id.label("record_id"), rows.c.customer_id,
                   rows.c.created_at.label("happened_at"), rows.c.earned_on.label("happened_on"),
                   reached.label("reward_points"), after.label("balance")).subquery("reached")
    return select(inner).where(inner.c.reward_points.is_not(None))


def _counts(table, on: date):
    c = table.c
    return and_(c.earned_on <= on, (c.expires_on.is_(None)) | (c.expires_on > on))


def _checkins(scope: Scope, walk_ins_only: bool) -> Select:
    c, e, earlier = checkins_t.c, events_t.c, checkins_t.alias("earlier").c
    visit = select(func.count()).where(earlier.customer_id == c.customer_id, earlier.checked_in_at <= c.checked_in_at)
    since, _ = day_bounds(scope.since_on, scope.tz)
    conditions = [_new(checkins_t, scope), c.checked_in_at >= since]
    if walk_ins_only:  # registered at the door: arrived uninvited, and never checked in before
        first = ~exists().where(earlier.customer_id == c.customer_id, earlier.checked_in_at < c.checked_in_at)
        conditions += [c.walk_in.is_(True), first]
    return (select(c.id.label("source_id"), c.id.label("record_id"), c.customer_id, c.checked_in_at.label("happened_at"),
                   literal(None).label("happened_on"), e.title, e.venue, e.starts_at, c.walk_in,
                   visit.scalar_subquery().label("visit"))
            .join_from(checkins_t, events_t, e.id == c.event_id).where(*conditions))


def checked_in(scope: Scope) -> Select:
    return _checkins(scope, False)


def walk_in_registered(scope: Scope) -> Select:
    return _checkins(scope, True)


def holding_matured_not_renewed(scope: Scope) -> Select:
    """Holdings maturing in (low_on, upto_on] with no 续金 on them from 30 days before maturity on."""
    h, m = holdings_t.c, movements_t.c
    renewed = exists().where(m.holding_id == h.id, m.kind == "renewal",
                             plus_days(scope.conn, m.on, RENEWAL_WINDOW_DAYS) >= h.maturity_on)
    return select(h.id.label("source_id"), h.id.label("record_id"), h.customer_id,
                  literal(None).label("happened_at"), h.maturity_on.label("happened_on"), *_holding_columns()).where(
        h.maturity_on > scope.low_on, h.maturity_on <= scope.upto_on, h.maturity_on >= scope.since_on, ~renewed)


SOURCES = {"first_deposit": first_deposit, "referral_converted": referral_converted, "tier_up": tier_up,
           "tier_down": tier_down, "reward_reached": reward_reached, "checked_in": checked_in,
           "walk_in_registered": walk_in_registered, "holding_matured_not_renewed": holding_matured_not_renewed}
DATE_DRIVEN = ("holding_matured_not_renewed",)


def guarded(query: Select, visits_at_most: int | None, without_deposit: bool) -> Select:
    """``query`` keeping only recipients with at most ``visits_at_most`` check-ins and, if asked, no holding."""
    if visits_at_most is None and not without_deposit:
        return query
    rows = query.subquery("fired")
    conditions = []
    if visits_at_most is not None:
        visits = select(func.count()).where(checkins_t.c.customer_id == rows.c.customer_id).scalar_subquery()
        conditions.append(visits <= visits_at_most)
    if without_deposit:
        conditions.append(~exists().where(holdings_t.c.customer_id == rows.c.customer_id))
    return select(rows).where(*conditions)


def happened(row: dict, tz) -> tuple[datetime, date]:
    """The instant a row's delay counts from and its business day (a date-only record: that day's start)."""
    at, on = row["happened_at"], row["happened_on"]
    if on is None:
        on = at.astimezone(tz).date()
    if at is None:
        at = day_bounds(on, tz)[0]
    return at, on
