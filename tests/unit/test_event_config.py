"""Gift ladder steps and invitation quotas: pure tables."""

from __future__ import annotations

import pytest

from errors import ConfigError
from records.event_config import EventSettings, check_ladder, event_settings, gift_for, invitation_quota

LADDER = ((1, "红包"), (2, "书签"), (3, "转运珠"), (5, "金豆"))


@pytest.mark.parametrize("visits, step, gift, next_at", [
    (0, 0, "", 1), (1, 1, "红包", 2), (2, 2, "书签", 3), (3, 3, "转运珠", 5), (4, 3, "转运珠", 5), (5, 4, "金豆", None), (40, 4, "金豆", None),
])
def test_gift_for_visits(visits, step, gift, next_at):
    result = gift_for(visits, LADDER)
    assert (result.step, result.of, result.gift, result.next_at) == (step, 4, gift, next_at)


@pytest.mark.parametrize("ladder", [((2, "a"), (2, "b")), ((0, "a"),), ((1, " "),), ((3, "a"), (1, "b"))])
def test_a_ladder_must_climb(ladder):
    with pytest.raises(ConfigError, match="gift_ladder"):
        check_ladder(ladder)


@pytest.mark.parametrize("capacity, ratio, quota", [(50, 1.2, 60), (10, 1.0, 10), (10, 0.5, 10), (7, 1.5, 10), (0, 1.2, None)])
def test_invitation_quota(capacity, ratio, quota):
    assert invitation_quota(capacity, ratio) == quota


def test_defaults_until_settings_carry_an_events_section():
    class Bare:
        pass

    assert event_settings(Bare()) == EventSettings()
    assert EventSettings().attribution_days == 30 and EventSettings().followup_hours == 72
