"""Settings of loyalty points and referral rewards ([loyalty] in config.toml), with the playbook's defaults."""

from __future__ import annotations

from dataclasses import dataclass

from errors import ConfigError, InvalidValue


@dataclass(frozen=True)
class RewardStep:
    """A step of the rewards ladder: what ``points`` points buy."""

    points: int = 0
    name: str = ""


@dataclass(frozen=True)
class LoyaltySettings:
    product_points: int = 10  # per product bought (a new holding); 0 turns the rule off
    renewal_points: int = 2  # per holding renewed with no withdrawal before the renewal (no overdue)
    referral_points: int = 5  # to the referrer, per referred friend's first deposit
    checkin_points: int = 0  # per check-in (off by default)
    expire_after_days: int = 0  # points earned on D count until D + N - 1; 0: they never expire
    referral_reward: str = "足金小金豆"  # the gift (or an amount, as text) owed per converted referral; "": none
    reward_cancel_days: int = 30  # a referee's withdrawal within N days of the first deposit cancels an owed reward
    rewards: tuple[RewardStep, ...] = (RewardStep(20, "生日蛋糕"), RewardStep(30, "优惠利率"), RewardStep(40, "VIP服务"))


RULE_KEYS = ("product_points", "renewal_points", "referral_points", "checkin_points", "expire_after_days",
             "reward_cancel_days")


def check_loyalty(settings: LoyaltySettings, where: str) -> None:
    """Rule points and periods ≥ 0; each reward with points > 0 and a name of its own."""
    for key in RULE_KEYS:
        if getattr(settings, key) < 0:
            raise ConfigError(f"{where}: [loyalty] {key}: expected 0 or more, got {getattr(settings, key)!r}")
    seen: set[str] = set()
    for step in settings.rewards:
        if step.points <= 0 or not step.name.strip() or step.name in seen:
            raise ConfigError(f"{where}: [[loyalty.rewards]] {{points = {step.points}, name = {step.name!r}}}: "
                              "expected points > 0 and a name not used by another reward")
        seen.add(step.name)


def find_reward(ladder: tuple[RewardStep, ...], text: str) -> RewardStep:
    """The ladder step named ``text`` (its name, or its points as a number); InvalidValue lists the ladder."""
    wanted = text.strip()
    for step in ladder:
        if wanted in (step.name, str(step.points)):
            return step
    offered = ", ".join(f"{s.name} ({s.points})" for s in ladder) or "none configured"
    raise InvalidValue(f"reward {text!r}: expected one of {offered}")


def reachable(ladder: tuple[RewardStep, ...], balance: int) -> list[RewardStep]:
    """The rewards a balance can pay for, cheapest first."""
    return sorted((s for s in ladder if s.points <= balance), key=lambda s: s.points)
