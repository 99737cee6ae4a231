"""The last check before sending, as a table: opt-out, invalid phone, quiet hours, cap, same text."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from messaging.outbox import retry_at
from messaging.suppression import Recent, SendPolicy, verdict

SH = ZoneInfo("Asia/Shanghai")
DAY = datetime(2025, 6, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 Shanghai
NIGHT = datetime(2025, 6, 2, 14, 0, tzinfo=timezone.utc)  # 22:00 Shanghai
MORNING = datetime(2025, 6, 3, 0, 0, tzinfo=timezone.utc)  # 08:00 Shanghai the next day
POLICY = SendPolicy(time(21), time(8), SH, notices_ignore_quiet_hours=True, weekly_cap=3)
OK = {"opted_out": False, "phone_status": "ok"}


def message(cls="marketing", body="周六沙龙邀您"):
    return {"customer_id": 7, "phone": "+8613800000007", "body": body, "message_class": cls}


@pytest.mark.parametrize("customer, cls, recent, now, expected", [
    (OK, "marketing", Recent(), DAY, ("send", None, None)),
    ({"opted_out": True, "phone_status": "ok"}, "marketing", Recent(), DAY, ("suppress", "opted_out", None)),
    ({"opted_out": False, "phone_status": "invalid"}, "notice", Recent(), DAY, ("suppress", "invalid_phone", None)),
    ({"opted_out": True, "phone_status": "ok"}, "marketing", Recent(), NIGHT, ("suppress", "opted_out", None)),
    (OK, "marketing", Recent(), NIGHT, ("defer", None, MORNING)),
    (OK, "notice", Recent(), NIGHT, ("send", None, None)),
    (OK, "marketing", Recent(Counter({7: 3})), DAY, ("suppress", "cap", None)),
    (OK, "marketing", Recent(Counter({7: 2})), DAY, ("send", None, None)),
    (OK, "notice", Recent(Counter({7: 9})), DAY, ("send", None, None)),
    (OK, "marketing", Recent(Counter({7: 3})), NIGHT, ("defer", None, MORNING)),
    (OK, "notice", Recent(texts={("+8613800000007", "周六沙龙邀您")}), DAY, ("suppress", "duplicate_text", None)),
    (OK, "marketing", Recent(texts={("+8613800000008", "周六沙龙邀您")}), DAY, ("send", None, None)),
], ids=["send", "opted out", "invalid", "opt-out beats quiet", "quiet", "notice exempt", "cap", "under cap",
        "notices not capped", "quiet before cap", "same text", "same text other phone"])
def test_verdict(customer, cls, recent, now, expected):
    v = verdict(message(cls), customer, recent, now, POLICY)
    assert (v.action, v.reason, v.due_at) == expected


def test_notices_keep_quiet_hours_unless_exempted():
    strict = SendPolicy(time(21), time(8), SH, notices_ignore_quiet_hours=False, weekly_cap=3)
    assert verdict(message("notice"), OK, Recent(), NIGHT, strict).action == "defer"


def test_recent_grows_as_a_batch_is_decided():
    recent = Recent()
    recent.add(message())
    recent.add(message("notice", "到期提示"))
    assert recent.marketing == Counter({7: 1})
    assert recent.texts == {("+8613800000007", "周六沙龙邀您"), ("+8613800000007", "到期提示")}


@pytest.mark.parametrize("attempts, seconds", [(1, 30), (2, 60), (3, 120), (4, 240)])
def test_retry_backoff_doubles(attempts, seconds):
    assert retry_at(DAY, attempts, 30) == DAY + timedelta(seconds=seconds)
