"""The ``[audience]`` filters as SQL: (condition, reason) pairs the audience query turns into a CASE.

Set-based: each filter is a condition on the customer row or an EXISTS / scalar subquery over the
customer's holdings (indexed by customer), never a loop over customers. A customer whose gender or
date of birth is unknown fails the filters that need it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, exists, func, or_, select

from campaigns.audience_spec import Audience
from records import models

customers_t = models.Customer.__table__
holdings_t = models.Holding.__table__
# The reasons, in the order they are checked (after opted_out, invalid_phone, tier).
REASONS = ("store", "not_new", "not_old", "gender", "age", "birth_year", "holding")


def filter_whens(audience: Audience, day: date, new_days: int, old_days: int) -> list[tuple]:
    """(condition, reason) for each filter ``audience`` sets, as of ``day`` (the send day)."""
    c = customers_t.c
    whens = []
    if audience.stores:
        whens.append((c.store.not_in(sorted(audience.stores)), "store"))
    if audience.customers == "new":
        whens.append((or_(c.joined_on.is_(None), c.joined_on <= day - timedelta(days=new_days)), "not_new"))
    if audience.customers == "old":
        whens.append((or_(c.joined_on.is_(None), c.joined_on > day - timedelta(days=old_days)), "not_old"))
    if audience.gender:
        whens.append((or_(c.gender.is_(None), c.gender != audience.gender), "gender"))
    if audience.age:
        whens.append((_outside(c.born_on, *born_between(audience.age, day)), "age"))
    if audience.birth_years:
        first, last = audience.birth_years
        whens.append((_outside(c.born_on, date(first, 1, 1), date(last, 12, 31)), "birth_year"))
    if audience.needs_holdings:
        whens.append((~holds(audience, day), "holding"))
    return whens


def _outside(column, first: date, last: date):
    return or_(column.is_(None), column < first, column > last)


def born_between(age: tuple[int, int], day: date) -> tuple[date, date]:
    """The dates of birth of the people aged ``age[0]``..``age[1]`` (whole years) on ``day``."""
    youngest, oldest = age
    return _years_before(day, oldest + 1) + timedelta(days=1), _years_before(day, youngest)


def _years_before(day: date, years: int) -> date:
    """``day`` ``years`` years earlier (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def holds(audience: Audience, day: date):
    """Whether the customer holds, on ``day``, an active holding of the products / terms named (any, if
    none), with at least ``min_amount`` in principal across those holdings."""
    h, c = holdings_t.c, customers_t.c
    active = [h.customer_id == c.id, h.start_on <= day, h.maturity_on > day]
    if audience.products:
        active.append(h.product.in_(sorted(audience.products)))
    if audience.terms:
        active.append(h.term.in_(sorted(audience.terms)))
    if audience.min_amount_fen is None:
        return exists().where(*active)
    total = select(func.coalesce(func.sum(h.amount_fen), 0)).where(*active).scalar_subquery()
    return and_(exists().where(*active), total >= audience.min_amount_fen)
