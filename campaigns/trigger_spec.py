"""The ``trigger`` kind's table: what happens in the records that sends a text, after what delay.

``[trigger]``: ``on`` (one of TRIGGERS), ``delay`` ("0m", "30m", "2h", "1d"), ``backfill_days``
(records up to that many days before the campaign was first seen enabled fire too; default none),
and two guards on the recipient checked when the text is planned: ``visits_at_most`` (check-ins so
far) and ``without_deposit`` (no holding yet). ``invite_to`` names a weekday_salons or event campaign:
the text then invites to its next event, with a check-in code (the three encounters campaign).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from campaigns.schema import Reader

TRIGGERS = ("referral_converted", "first_deposit", "tier_up", "tier_down", "reward_reached", "walk_in_registered",
            "checked_in", "holding_matured_not_renewed")
MAX_DELAY = timedelta(days=90)
MAX_BACKFILL_DAYS = 366
MAX_VISITS = 1000
NEXT_EVENT_DAYS = 14  # invite_to looks this many days ahead for the next event
_DELAY = re.compile(r"^\s*(\d{1,6})\s*([mhd])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class TriggerSpec:
    on: str
    delay: timedelta = timedelta(0)
    backfill_days: int | None = None  # None: only what happens from the day the campaign is first seen enabled
    visits_at_most: int | None = None
    without_deposit: bool = False
    invite_to: str = ""  # a weekday_salons or event campaign id: invite to its next event

    def describe(self) -> str:
        """What `campaigns list` shows instead of dates, in the command's language: "签到后 120 分钟触发"."""
        from cli_text import text, word

        return text("trigger_describe", on=word("on", self.on), minutes=int(self.delay.total_seconds() // 60))


def parse_delay(r: Reader, key: str) -> timedelta:
    """``"0m"``, ``"30m"``, ``"2h"``, ``"1d"``: minutes, hours or days, at most 90 days."""
    text = r.str(key, "0m")
    found = _DELAY.match(text)
    if not found:
        raise r.error(key, f"{text!r}: expected a delay like \"0m\", \"30m\", \"2h\" or \"1d\"")
    delay = timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    if delay > MAX_DELAY:
        raise r.error(key, f"{text!r}: at most 90 days")
    return delay


def trigger(r: Reader) -> TriggerSpec:
    visits = r.int("visits_at_most", None, minimum=0, maximum=MAX_VISITS) if "visits_at_most" in r.data else None
    r.seen.add("visits_at_most")
    backfill = r.int("backfill_days", None, minimum=0, maximum=MAX_BACKFILL_DAYS) if "backfill_days" in r.data else None
    r.seen.add("backfill_days")
    spec = TriggerSpec(on=r.choice("on", TRIGGERS), delay=parse_delay(r, "delay"), backfill_days=backfill,
                       visits_at_most=visits, without_deposit=r.bool("without_deposit", False),
                       invite_to=r.str("invite_to", ""))
    r.finish()
    return spec
