"""Quiet hours (默认 21:00–08:00, Asia/Shanghai): no marketing text at night."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def in_quiet_hours(at: datetime, start: time, end: time, tz: ZoneInfo) -> bool:
    """Whether the instant ``at`` falls in [start, end) local time (the window may cross midnight)."""
    local = at.astimezone(tz).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_allowed(at: datetime, start: time, end: time, tz: ZoneInfo) -> datetime:
    """``at`` itself outside quiet hours, else the first minute after they end (aware, same tz as ``at``)."""
    if not in_quiet_hours(at, start, end, tz):
        return at
    local = at.astimezone(tz)
    candidate = datetime.combine(local.date(), end, tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), end, tz)
    return candidate.astimezone(at.tzinfo)
