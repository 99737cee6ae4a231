"""The shop's clock in words staff read (web.i18n.zone_words): a Chinese name where one is known, else 当地时间 and
the zone's UTC offset at the given instant; in English the zone's identifier and its offset."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from web.i18n import zone_words

WINTER = datetime(2026, 1, 15, 4, 0, tzinfo=timezone.utc)
SUMMER = datetime(2026, 7, 15, 4, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("zone", "words"), [
    ("Asia/Shanghai", "北京时间（UTC+08:00）"), ("Asia/Hong_Kong", "香港时间（UTC+08:00）"),
    ("Asia/Taipei", "台北时间（UTC+08:00）"), ("Asia/Macau", "澳门时间（UTC+08:00）"),
    ("Asia/Singapore", "新加坡时间（UTC+08:00）"), ("Asia/Kolkata", "当地时间（UTC+05:30）"),
    ("America/New_York", "当地时间（UTC-05:00）"),
])
def test_a_zone_reads_as_its_chinese_name_and_offset(zone, words):
    assert zone_words(zone, "zh", WINTER) == words


def test_the_offset_is_the_one_in_force_at_the_instant():
    assert zone_words("Europe/London", "zh", SUMMER) == "当地时间（UTC+01:00）"
    assert zone_words("Europe/London", "zh", WINTER) == "当地时间（UTC+00:00）"


def test_in_english_the_zone_keeps_its_identifier_with_the_offset():
    assert zone_words("Asia/Shanghai", "en", WINTER) == "Asia/Shanghai (UTC+08:00)"
