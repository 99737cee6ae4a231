"""What every command module shares: the App passed down the click context, and the day options.

One spelling for a day: ``--date`` (``day_option``) with the DAY type, which reads an ISO date, the words
today/tomorrow/yesterday (今天/明天/昨天/后天/前天) and +N/-N days, counted from the app clock's today in the
shop's time zone (so JINLI_NOW pins it). Older spellings stay as hidden aliases for shops' scripts.
"""

from __future__ import annotations

from datetime import date, timedelta

import click

from app import App
from cli_text import text
from errors import InvalidValue
from records.parsing import parse_date

pass_app = click.make_pass_decorator(App)

# Words for a day, as days from today.
DAY_WORDS = {"today": 0, "今天": 0, "今日": 0, "tomorrow": 1, "明天": 1, "明日": 1, "yesterday": -1, "昨天": -1,
             "昨日": -1, "后天": 2, "前天": -2}


class DayError(click.BadParameter):
    """A day option's bad value: one line naming the option, the value and the accepted forms; exit 2."""

    def __init__(self, message: str, ctx: click.Context | None = None, param: click.Parameter | None = None):
        super().__init__(message, ctx, param)
        self.prefix = text("error_prefix")  # now: click shows the error after the command's context has closed

    def show(self, file=None) -> None:
        click.echo(self.prefix + self.message, err=True)


class DayParamType(click.ParamType):
    """A day: 2026-12-01 (or 2026/12/1, 2026年12月1日), today/今天, tomorrow/明天, yesterday/昨天, 后天, +3, -2."""

    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        found = parse_day(str(value), lambda: _today(ctx))
        if found is None:
            option = param.opts[0] if param is not None and param.opts else "--date"
            raise DayError(text("bad_date", option=option, value=value, forms=DATE_FORMS), ctx, param)
        return found


def parse_day(value: str, today) -> date | None:
    """``value`` as a date (``today()`` read only for a word or an offset); None when it is no day."""
    raw = value.strip().lower()
    if raw in DAY_WORDS:
        return today() + timedelta(days=DAY_WORDS[raw])
    if raw[:1] in "+-" and raw[1:].isdigit() and len(raw) <= 6:
        return today() + timedelta(days=int(raw))
    try:
        return parse_date(raw, "date")
    except InvalidValue:
        return None


def _today(ctx: click.Context | None) -> date:
    """The app clock's today in the shop's time zone; the system's today when no App is running (a test's parser)."""
    app = ctx.find_object(App) if ctx is not None else None
    return app.today() if app is not None else date.today()


DAY = DayParamType()


class DayOption(click.Option):
    """An option whose first spelling is the one --help shows; the others are hidden aliases kept for old scripts."""

    def get_help_record(self, ctx):
        shown, self.opts = self.opts, self.opts[:1]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = shown


def day_option(*names: str, dest: str, help: str, aliases: tuple[str, ...] = (), default=None):
    """``--date``-style option (names first, hidden ``aliases`` after) of type DAY, passed as ``dest``."""
    return click.option(*names, *aliases, dest, cls=DayOption, type=DAY, default=default, metavar="DATE",
                        help=help + " (" + DATE_FORMS + ")")


DATE_FORMS = "2026-12-01, today/今天, tomorrow/明天, yesterday/昨天, 后天, +3, -2"


# Ids are 32-bit INTEGER columns on PostgreSQL; a larger number is a usage error, not a database error.
DB_ID = click.IntRange(1, 2**31 - 1)
HOURS = click.IntRange(1, 24 * 366)
