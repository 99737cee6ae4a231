"""Upper bounds of campaign file values: far beyond what a shop means, low enough that date arithmetic
and loops stay small; and the product-term parser every kind shares."""

from __future__ import annotations

from typing import Any

from errors import InvalidValue
from records.terms import Term, parse_term

MAX_DAYS = 366  # lead and notice days: at most a year ahead
MAX_WINDOW_DAYS = 31
MAX_HOURS = 30 * 24
MAX_FOLLOWUP_AFTER_HOURS = 9 * 24  # follow-ups look at the events of the last 10 days
MAX_CAPACITY = 10_000
MAX_OVERBOOKING = 10.0
MAX_TERM_DAYS = 10 * 365
MAX_BROADCAST_DATES = 12
MAX_AGE = 120
MAX_AMOUNT_YUAN = 100_000_000


def product_term(value: Any) -> Term:
    """A product term of at most ten years (longer ones would overflow the calendar)."""
    term = parse_term(value)
    if term.nominal_days > MAX_TERM_DAYS:
        raise InvalidValue(f"term {value!r} is longer than 10 years")
    return term
