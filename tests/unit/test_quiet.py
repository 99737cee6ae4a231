from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from messaging.quiet import in_quiet_hours, next_allowed

SH = ZoneInfo("Asia/Shanghai")
START, END = time(21, 0), time(8, 0)


@pytest.mark.parametrize("local, quiet, allowed", [
    ("2025-06-02 20:59", False, "2025-06-02 20:59"),
    ("2025-06-02 21:00", True, "2025-06-03 08:00"),
    ("2025-06-02 23:30", True, "2025-06-03 08:00"),
    ("2025-06-03 00:10", True, "2025-06-03 08:00"),
    ("2025-06-03 07:59", True, "2025-06-03 08:00"),
    ("2025-06-03 08:00", False, "2025-06-03 08:00"),
])
def test_quiet_hours_cross_midnight_and_defer_to_the_next_allowed_minute(local, quiet, allowed):
    at = datetime.fromisoformat(local).replace(tzinfo=SH).astimezone(timezone.utc)
    assert in_quiet_hours(at, START, END, SH) is quiet
    assert next_allowed(at, START, END, SH).astimezone(SH).strftime("%Y-%m-%d %H:%M") == allowed


def test_a_daytime_window_and_an_empty_one():
    at = datetime(2025, 6, 2, 4, 30, tzinfo=timezone.utc)  # 12:30 in Shanghai
    assert in_quiet_hours(at, time(12, 0), time(13, 0), SH)
    assert not in_quiet_hours(at, time(9, 0), time(9, 0), SH)
