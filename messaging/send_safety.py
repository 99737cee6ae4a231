"""What keeps a manual run from sending what nobody meant: future days on real gateways, and large sends.

- `jinli run --date D` for a day after today never sends a real text: with a Twilio, Aliyun or
  Tencent gateway (or a route to one) it is refused; the file, console and dry-run gateways simulate.
- A real gateway never sends before a message's time: a run's sending clock is at most the real now.
- A manual send of more than ``[sms] confirm_above`` texts asks first, or takes ``--yes``; without a
  terminal to ask on, it is refused.
"""

from __future__ import annotations

import sys
from datetime import date, datetime

import click

from errors import JinliError
from settings import Settings

REAL_GATEWAYS = ("twilio", "aliyun", "tencent")


class RefusedRun(JinliError):
    """A run refused for safety: nothing was planned or sent."""


def gateways_in_use(settings: Settings) -> set[str]:
    """Every gateway a text may go through: [sms] gateway, or the gateways [sms] routes names."""
    routes = settings.sms.routes
    if not routes:
        return {settings.sms.gateway}
    return set(routes.values()) | (set() if "default" in routes else {settings.sms.gateway})


def real_gateways(settings: Settings) -> list[str]:
    """The gateways in use that reach real phones."""
    return sorted(gateways_in_use(settings) & set(REAL_GATEWAYS))


def refuse_future_day(settings: Settings, day: date | None, today: date, dry_run: bool) -> None:
    """RefusedRun when ``day`` is after ``today`` and the texts would leave through a real gateway."""
    real = real_gateways(settings)
    if dry_run or day is None or day <= today or not real:
        return
    raise RefusedRun(f"run --date {day.isoformat()}: a future day (today is {today.isoformat()}), and its texts would "
                     f"go out now through {', '.join(real)}: nothing planned or sent. See what it will send with "
                     f"`jinli schedule`, or simulate it with --dry-run or the file or console gateway")


def sending_clock(settings: Settings, day_clock: datetime, now: datetime) -> datetime:
    """The clock a run sends by: the simulated day's, but never ahead of the real now on a real gateway."""
    return min(day_clock, now) if real_gateways(settings) else day_clock


def interactive() -> bool:
    """Whether a person can answer a question (stdin is a terminal)."""
    return sys.stdin.isatty()


def confirm_large_send(settings: Settings, count: int, yes: bool) -> None:
    """Ask before sending more than [sms] confirm_above texts; RefusedRun when not confirmed."""
    limit = settings.sms.confirm_above
    if yes or count <= limit:
        return
    if not interactive():
        raise RefusedRun(f"this run would send {count} texts, more than [sms] confirm_above = {limit}: nothing planned "
                         f"or sent; run it again with --yes to send them")
    if not click.confirm(f"This run would send {count} texts (more than [sms] confirm_above = {limit}). Send them?",
                         default=False, err=True):
        raise RefusedRun("not confirmed: nothing planned or sent")
