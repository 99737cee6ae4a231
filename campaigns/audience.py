"""Who is due an occurrence: one SQL query per occurrence, set-based and index-friendly.

The rule (birthday keys, lucky animals and signs, maturing holdings...) picks the candidates; the
same query classifies each candidate as a recipient or excluded with a reason, in this order:
opted_out, invalid_phone, tier, the [audience] filters (store, not_new / not_old, gender, age,
birth_year, holding: campaigns.audience_filters), cap (marketing only), capacity.
"""

from __future__ import annotations

import calendar as cal
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterator

from sqlalchemy import Connection, and_, case, exists, extract, func, null, or_, select, true

from campaigns.audience_filters import filter_whens
from campaigns.candidates import Candidate, collector_paused, page_builder, result_processors
from campaigns.definitions import Campaign
from campaigns.occurrences import (AttendedWithoutDeposit, BirthdayOn, BirthdayWithMaturity, Everyone, InvitedTo,
                                   Listed, LuckyDay, MaturingOn, MonthlyReturnOn, Occurrence)
from messaging.optouts import opted_out_phones
from records import models
from records.personal_data import ERASED_STATUS  # an erased customer is nobody's audience, not even as excluded

customers_t = models.Customer.__table__
holdings_t = models.Holding.__table__
outbox_t = models.OutboxMessage.__table__
events_t = models.Event.__table__
invitations_t = models.Invitation.__table__
checkins_t = models.CheckIn.__table__
TIER_ORDER = {"A": 0, "B": 1, "C": 2, "P": 3}
# What planning, previews and templates read of a customer (a 300,000-row audience pays per column).
COLUMNS = [customers_t.c[name] for name in (
    "id", "name", "phone", "tier", "referral_code", "store", "animal_sf", "animal_lc", "star_sign",
    "birth_calendar", "birth_year", "birth_month", "birth_day", "birth_leap")]
# The customer columns behind each attribute a template may read (campaigns.context.CustomerView).
FIELD_COLUMNS = {
    "name": {"name"}, "phone": {"phone"}, "tier": {"tier"}, "referral_code": {"referral_code"}, "store": {"store"},
    "animal": {"animal_sf", "animal_lc"}, "star_sign": {"star_sign"},
    "birthday": {"birth_calendar", "birth_year", "birth_month", "birth_day", "birth_leap"},
}
ACTIVE_STATES = ("planned", "sending", "sent", "delivered")
CAP_WINDOW = timedelta(days=7)
CAP_RECENT = "cap_recent"  # extra column: the customer's messages in the cap window (campaigns.preemption)
PAGE = 5_000  # rows per page when an audience is streamed


@dataclass(frozen=True)
class AudiencePolicy:
    weekly_cap: int = 3
    new_customer_days: int = 183
    old_customer_days: int = 365


def _holdings_summary(condition) -> Any:
    h = holdings_t.c
    return (select(h.customer_id, func.min(h.maturity_on).label("maturity_on"), func.sum(h.amount_fen).label("amount_fen"),
                   func.min(h.term).label("term"))
            .where(condition).group_by(h.customer_id).subquery("held"))


def _holders(condition, customers_condition, names: tuple[str, ...], wanted: bool):
    """(join, condition, extra) of a rule on holdings: their summary's ``names`` joined when wanted, else their
    distinct ids (no sums: 303,641 rows 0.98 → 0.62 s on SQLite; a join, not IN, which PostgreSQL hashed and
    then fetched the customers at random, 1.6 → 3.0 s, where DISTINCT keeps the index's id order)."""
    if not wanted:
        holders = select(holdings_t.c.customer_id).where(condition).distinct().subquery("held")
        return holders, customers_condition, []
    held = _holdings_summary(condition)
    return held, customers_condition, [held.c[name] for name in names]


def _rule(occurrence: Occurrence, campaign: Campaign, boundary_default: str, rule_columns: bool = True):
    """(join target or None, condition on customers, extra columns) for the occurrence's rule; without
    ``rule_columns`` a holdings rule adds none (nothing reads the amount, term or maturity date)."""
    c, rule = customers_t.c, occurrence.rule
    h = holdings_t.c
    if isinstance(rule, Everyone):
        return None, true(), []
    if isinstance(rule, BirthdayOn):
        condition = c.birthday_key.in_(sorted(rule.keys))
        return None, condition, []
    if isinstance(rule, LuckyDay):
        animal = c.animal_lc if rule.boundary == "lichun" else c.animal_sf
        condition = animal.in_(sorted(rule.branches))
        if rule.signs is not None:
            condition = and_(condition, c.star_sign.in_(sorted(rule.signs)))
        return None, condition, []
    if isinstance(rule, BirthdayWithMaturity):
        window = timedelta(days=rule.window_days)
        maturing = and_(h.maturity_on >= rule.birthday - window, h.maturity_on <= rule.birthday + window,
                        h.start_on <= occurrence.on)
        return _holders(maturing, c.birthday_key.in_(sorted(rule.keys)), ("maturity_on", "amount_fen", "term"), rule_columns)
    if isinstance(rule, MaturingOn):
        return _holders(h.maturity_on == rule.maturity_on, true(), ("maturity_on", "amount_fen", "term"), rule_columns)
    if isinstance(rule, MonthlyReturnOn):
        return _holders(_monthly_return_due(rule.day), true(), ("amount_fen", "term"), rule_columns)
    if isinstance(rule, InvitedTo):
        inv = (select(invitations_t.c.customer_id, invitations_t.c.code.label("checkin_code"))
               .join(events_t, events_t.c.id == invitations_t.c.event_id)
               .where(events_t.c.key == rule.event_key, invitations_t.c.state.in_(rule.states)).subquery("inv"))
        return inv, true(), [inv.c.checkin_code]
    if isinstance(rule, Listed):
        named = [c.phone.in_(sorted(rule.phones)), c.id.in_(sorted(rule.ids)), c.referral_code.in_(sorted(rule.codes))]
        return None, or_(*named), []
    if isinstance(rule, AttendedWithoutDeposit):
        came = (select(checkins_t.c.customer_id).join(events_t, events_t.c.id == checkins_t.c.event_id)
                .where(events_t.c.key == rule.event_key).subquery("came"))
        deposited = exists().where(h.customer_id == c.id, h.start_on >= rule.event_on)
        return came, ~deposited, []
    raise TypeError(f"unknown audience rule {rule!r}")


def _monthly_return_due(day: date):
    """Monthly-return holdings whose monthly anniversary of the start date is ``day`` (month ends clamped)."""
    h = holdings_t.c
    start_day = extract("day", h.start_on)
    last_day = cal.monthrange(day.year, day.month)[1]
    same_day = start_day >= day.day if day.day == last_day else start_day == day.day
    return and_(h.monthly_return.is_(True), h.start_on < day, h.maturity_on >= day, same_day)


def cap_window(occurrence: Occurrence) -> tuple:
    """The customer's other marketing messages the cap counts against ``occurrence``: any not suppressed
    within 7 days either side of its send time (a later one is as much in a rolling week as an earlier
    one, so the order in which campaigns plan does not matter), the occurrence's own excluded."""
    o = outbox_t.c
    own = and_(o.campaign_id == occurrence.campaign_id, o.step == occurrence.step, o.occurrence_on == occurrence.subject_on)
    return (o.message_class == "marketing", o.state.in_(ACTIVE_STATES), o.due_at > occurrence.send_at - CAP_WINDOW,
            o.due_at < occurrence.send_at + CAP_WINDOW, ~own)


def _displaceable(priority: int):
    """1 for a message a message of ``priority`` may displace (unsent, lower priority), else 0."""
    o = outbox_t.c
    return case((and_(o.state == "planned", o.priority < priority), 1), else_=0)


def _cap_counts(occurrence: Occurrence, priority: int):
    o = outbox_t.c
    return (select(o.customer_id, func.count().label("recent"), func.sum(_displaceable(priority)).label("displaceable"))
            .where(*cap_window(occurrence)).group_by(o.customer_id).subquery("recent"))


def _targeted_tiers(campaign: Campaign, occurrence: Occurrence) -> frozenset[str]:
    """The campaign's tiers, narrowed by the rule's own (the banquet is for A-tier celebrants)."""
    rule_tiers = getattr(occurrence.rule, "tiers", None)
    return campaign.audience.tiers & rule_tiers if rule_tiers else campaign.audience.tiers


def _reason(campaign: Campaign, occurrence: Occurrence, policy: AudiencePolicy, recent):
    c = customers_t.c
    tiers = sorted(_targeted_tiers(campaign, occurrence))
    # A phone that opted out before it was a customer is opted out too (its flag may not be set yet).
    whens = [(or_(c.opted_out.is_(True), c.phone.in_(opted_out_phones())), "opted_out"), (c.phone_status != "ok", "invalid_phone"), (c.tier.not_in(tiers), "tier")]
    whens += filter_whens(campaign.audience, occurrence.on, policy.new_customer_days, policy.old_customer_days)
    if occurrence.message_class == "marketing" and recent is not None:
        # At the cap unless enough of those messages are unsent and of lower priority: they make room.
        room = func.coalesce(recent.c.recent, 0) - func.coalesce(recent.c.displaceable, 0)
        whens.append((room >= policy.weekly_cap, "cap"))
    return case(*whens, else_=null())


def select_audience(conn: Connection, campaign: Campaign, occurrence: Occurrence, policy: AudiencePolicy,
                    boundary_default: str = "spring_festival") -> list[Candidate]:
    """Every candidate of the occurrence, recipients first (by tier; under a capacity limit, least
    recently invited first)."""
    query, extra = _audience_query(campaign, occurrence, policy, boundary_default, COLUMNS, ordered=True)
    return _apply_limit(_candidates(conn.execute(query), len(COLUMNS), extra), occurrence.limit)


def stream_audience(conn: Connection, campaign: Campaign, occurrence: Occurrence, policy: AudiencePolicy,
                    boundary_default: str = "spring_festival", *, fields: frozenset[str] | None = None,
                    rule_columns: bool = True, page: int = PAGE) -> Iterator[list[Candidate]]:
    """The candidates of an occurrence without a capacity limit, ``page`` at a time, in no set order.

    For the big notices (月月返: a third of a chain's customers on one day): rows are read as the
    planner renders, never all held at once (a server-side cursor on PostgreSQL), and only the
    customer columns the template reads (``fields``, CustomerView attribute names; None: all) are
    fetched, and the rule's own values (amount, term...) only with ``rule_columns``. The caller may
    write other tables while iterating, not customers or holdings.
    """
    if occurrence.limit is not None:
        raise ValueError("stream_audience: a capacity-limited occurrence needs select_limited")
    columns = customer_columns(fields)
    query, extra = _audience_query(campaign, occurrence, policy, boundary_default, columns, ordered=False,
                                   rule_columns=rule_columns)
    if conn.dialect.name == "postgresql":
        # A server-side cursor is planned for its first 10% of rows by default (a nested loop that
        # re-counts the week's messages per customer: 4 s instead of 0.2 s for a lucky day); every
        # row will be read, so plan for all of them. SET LOCAL ends with the transaction.
        conn.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    names = [col.name for col in columns]
    processors = result_processors(conn, query.selected_columns)
    server_side = conn.dialect.supports_server_side_cursors  # SQLite has none: its cursor steps as it is read
    options = {"stream_results": True, "max_row_buffer": page} if server_side else {}
    result = conn.execute(query, execution_options=options)
    try:
        yield from _pages(result, page, page_builder(names, extra), page_builder(names, extra, processors), server_side)
    finally:
        result.close()


def _pages(result, page: int, of_rows, of_tuples, read_ahead: bool) -> Iterator[list[Candidate]]:
    """Pages straight off the DB-API cursor, as tuples (``of_tuples`` processes them; unpacking Rows costs
    1 µs a row more). A streamed result has read ahead (a row): that first page comes through it, as
    processed Rows (``of_rows``). The collector is paused while a page is fetched and built: the driver's
    row tuples are garbage before it runs again, where it scanned each (80 of 770 ms, 1 M on SQLite)."""
    more = True
    if read_ahead:
        with collector_paused():
            rows = result.fetchmany(page)
            first = of_rows(list(map(tuple, rows)))
        if rows:
            yield first
        more = len(rows) == page  # a short page: the result is exhausted (and its cursor released)
    while more:
        with collector_paused():
            rows = result.cursor.fetchmany(page)
            built = of_tuples(rows)
        if not rows:
            return
        yield built
        more = len(rows) == page


def customer_columns(fields: frozenset[str] | None) -> list:
    """The customer columns CustomerView needs for the attributes ``fields`` (None: all of COLUMNS)."""
    if fields is None or not fields <= FIELD_COLUMNS.keys():
        return COLUMNS
    names = {"id", "phone", "tier"}.union(*(FIELD_COLUMNS[f] for f in fields))
    return [col for col in COLUMNS if col.name in names]


def _audience_query(campaign: Campaign, occurrence: Occurrence, policy: AudiencePolicy, boundary_default: str,
                    columns: list, *, ordered: bool, rule_columns: bool = True) -> tuple[Any, list[str]]:
    """The audience SELECT (customer columns, the rule's extra columns, reason) and the extra names."""
    c = customers_t.c
    joined, condition, extra = _rule(occurrence, campaign, boundary_default, rule_columns)
    recent = _cap_counts(occurrence, campaign.priority) if occurrence.message_class == "marketing" else None
    reason = _reason(campaign, occurrence, policy, recent).label("reason")
    if recent is not None:
        extra = [*extra, func.coalesce(recent.c.recent, 0).label(CAP_RECENT)]
    source = customers_t
    if joined is not None:
        source = source.join(joined, joined.c.customer_id == c.id)
    if recent is not None:
        source = source.outerjoin(recent, recent.c.customer_id == c.id)
    query = select(*columns, *extra, reason).select_from(source).where(condition, c.phone_status != ERASED_STATUS)
    if not ordered:
        return query, [col.name for col in extra]
    order = [reason.is_not(None)]
    if occurrence.event is not None:  # re-planning keeps whom the event already invited within capacity
        invited = (select(invitations_t.c.customer_id).join(events_t, events_t.c.id == invitations_t.c.event_id)
                   .where(events_t.c.key == occurrence.event.key).subquery("invited_here"))
        query = query.outerjoin(invited, invited.c.customer_id == c.id)
        order.append(invited.c.customer_id.is_(None))
    order.append(case(*[(c.tier == t, r) for t, r in TIER_ORDER.items()], else_=9))
    if occurrence.limit is not None:  # who gets the places: least recently invited first
        last_invited = (select(invitations_t.c.customer_id, func.max(invitations_t.c.invited_at).label("last_invited_at"))
                        .group_by(invitations_t.c.customer_id).subquery("last_inv"))
        query = query.outerjoin(last_invited, last_invited.c.customer_id == c.id)
        order += [last_invited.c.last_invited_at.is_not(None), last_invited.c.last_invited_at]
    return query.order_by(*order, c.id), [col.name for col in extra]


def select_limited(conn: Connection, campaign: Campaign, occurrence: Occurrence, policy: AudiencePolicy,
                   boundary_default: str = "spring_festival") -> list[Candidate]:
    """The recipients of a capacity-limited occurrence (salon, banquet), in the order select_audience
    gives them, without classifying every customer: those the event already invited first, then tier
    by tier, never invited first in id order (customers.tier has no index since 0013: a walk by id that
    stops at the places left), then least recently invited, until the places are taken.
    Who is excluded, and why, is left to select_audience (the preview).
    """
    c = customers_t.c
    joined, condition, extra = _rule(occurrence, campaign, boundary_default)
    recent = _correlated_cap(occurrence, campaign.priority) if occurrence.message_class == "marketing" else None
    eligible = _reason(campaign, occurrence, policy, recent).is_(None)
    if recent is not None:
        extra = [*extra, recent.c.recent.label(CAP_RECENT)]
    source = customers_t if joined is None else customers_t.join(joined, joined.c.customer_id == c.id)
    base = select(*COLUMNS, *extra, null().label("reason")).select_from(source).where(condition, eligible)
    names = [col.name for col in extra]
    already = _invited_here(occurrence)
    found = _candidates(conn.execute(base.where(c.id.in_(already)).order_by(c.id)), len(COLUMNS), names)
    last = select(func.max(invitations_t.c.invited_at)).where(invitations_t.c.customer_id == c.id).scalar_subquery()
    ever_invited = exists().where(invitations_t.c.customer_id == c.id)
    for tier in sorted(_targeted_tiers(campaign, occurrence), key=TIER_ORDER.get):
        in_tier = base.where(c.tier == tier, c.id.not_in(already))
        # Never invited first, in id order: an index walk that stops at the places left, no sort.
        for query in (in_tier.where(~ever_invited).order_by(c.id), in_tier.where(ever_invited).order_by(last, c.id)):
            wanted = occurrence.limit - len(found)
            if wanted <= 0:
                return found
            found += _candidates(conn.execute(query.limit(wanted)), len(COLUMNS), names)
    return found[: occurrence.limit]


def _invited_here(occurrence: Occurrence):
    i, e = invitations_t.c, events_t.c
    key = occurrence.event.key if occurrence.event is not None else ""
    return select(i.customer_id).join(events_t, e.id == i.event_id).where(e.key == key)


def _correlated_cap(occurrence: Occurrence, priority: int):
    """The customer's messages in the cap window (and those of them it may displace), as per-row subqueries."""
    o, c = outbox_t.c, customers_t.c
    mine = (o.customer_id == c.id, *cap_window(occurrence))
    count = select(func.count()).where(*mine).scalar_subquery()
    displaceable = select(func.coalesce(func.sum(_displaceable(priority)), 0)).where(*mine).scalar_subquery()
    return _Recent(count, displaceable)


class _Recent:
    """Quacks like the grouped ``recent`` subquery for ``_reason``: ``.c.recent``, ``.c.displaceable``."""

    def __init__(self, count, displaceable):
        self.c = type("Columns", (), {"recent": count, "displaceable": displaceable})()


def _candidates(rows, width: int, extra_names: list[str]) -> list[Candidate]:
    """Rows of (customer columns…, extra columns…, reason) as Candidates; ``width`` customer columns."""
    rows = list(rows)
    if not rows:
        return []
    keys = list(rows[0]._fields[:width])
    end = width + len(extra_names)
    with collector_paused():
        # zip stops at the shorter side: the keys pick the customer columns off the front of the row.
        return [Candidate(dict(zip(keys, row)), dict(zip(extra_names, row[width:end])), row[end]) for row in rows]


def _apply_limit(candidates: list[Candidate], limit: int | None) -> list[Candidate]:
    if limit is None:
        return candidates
    taken = 0
    limited = []
    for candidate in candidates:
        if candidate.reason is None:
            taken += 1
            if taken > limit:
                candidate = Candidate(candidate.customer, candidate.extra, "capacity")
        limited.append(candidate)
    return limited
