"""[loyalty] and [tiers] points in config.toml: the playbook's defaults, the ladder as tables, errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import ConfigError, InvalidValue
from records.loyalty_config import RewardStep, find_reward, reachable
from settings import load_settings, settings_from_dict


def parse(raw: dict):
    return settings_from_dict(raw, base_dir=Path("."), source="c.toml")


def test_the_packaged_config_has_the_playbook_rules_and_ladder():
    settings = load_settings()
    loyalty = settings.loyalty
    assert (loyalty.product_points, loyalty.renewal_points, loyalty.referral_points, loyalty.checkin_points) == (10, 2, 5, 0)
    assert (loyalty.expire_after_days, loyalty.reward_cancel_days) == (0, 30)
    assert loyalty.rewards == (RewardStep(20, "生日蛋糕"), RewardStep(30, "优惠利率"), RewardStep(40, "VIP服务"))
    assert settings.tiers.points == ()


def test_a_ladder_and_point_thresholds_from_toml_tables():
    settings = parse({"loyalty": {"rewards": [{"points": 50, "name": "金条"}], "checkin_points": 1},
                      "tiers": {"points": [[40, 3], [20, 2]]}})
    assert settings.loyalty.rewards == (RewardStep(50, "金条"),) and settings.loyalty.checkin_points == 1
    assert settings.tiers.points == ((40, 3), (20, 2))


@pytest.mark.parametrize("raw, message", [
    ({"loyalty": {"bonus": 1}}, "c.toml: [loyalty]: unknown key 'bonus'"),
    ({"loyalty": {"product_points": -1}}, "c.toml: [loyalty] product_points: expected 0 or more, got -1"),
    ({"loyalty": {"rewards": [{"points": 0, "name": "x"}]}}, "[[loyalty.rewards]] {points = 0, name = 'x'}"),
    ({"loyalty": {"rewards": [{"points": 20, "name": "a"}, {"points": 30, "name": "a"}]}}, "name not used by another"),
    ({"loyalty": {"rewards": [{"points": 20, "title": "a"}]}}, "c.toml: [loyalty] rewards: unknown key 'title'"),
    ({"loyalty": {"rewards": [20]}}, "c.toml: [loyalty] rewards: expected a table, got 20"),
    ({"tiers": {"points": [[40]]}}, "c.toml: [tiers] points: expected 2 values, got [40]"),
], ids=["unknown-key", "negative", "zero-points", "same-name", "reward-key", "not-a-table", "bad-pair"])
def test_bad_loyalty_settings_name_the_key(raw, message):
    with pytest.raises(ConfigError) as caught:
        parse(raw)
    assert message in str(caught.value)


def test_a_reward_is_found_by_name_or_points_and_reachable_ones_are_cheapest_first():
    ladder = (RewardStep(40, "VIP服务"), RewardStep(20, "生日蛋糕"))
    assert find_reward(ladder, "20") == find_reward(ladder, " 生日蛋糕 ") == RewardStep(20, "生日蛋糕")
    assert reachable(ladder, 45) == [RewardStep(20, "生日蛋糕"), RewardStep(40, "VIP服务")] and reachable(ladder, 19) == []
    with pytest.raises(InvalidValue, match=r"reward '金条': expected one of VIP服务 \(40\), 生日蛋糕 \(20\)"):
        find_reward(ladder, "金条")
