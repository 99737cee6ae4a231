"""What every command module shares: the App passed down the click context, and date options."""

from __future__ import annotations

from datetime import date

import click

from app import App
from errors import InvalidValue
from records.parsing import parse_date

pass_app = click.make_pass_decorator(App)


def as_date(_ctx, _param, value: str | None) -> date | None:
    """A click callback: a YYYY-MM-DD option as a date; a bad one is a usage error naming it."""
    if not value:
        return None
    try:
        return parse_date(value, "date")
    except InvalidValue as exc:
        raise click.BadParameter(str(exc)) from None


# Ids are 32-bit INTEGER columns on PostgreSQL; a larger number is a usage error, not a database error.
DB_ID = click.IntRange(1, 2**31 - 1)
HOURS = click.IntRange(1, 24 * 366)
