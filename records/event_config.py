"""Settings of events, check-in, referrals and reports ([events] in config.toml), with the playbook's defaults."""

from __future__ import annotations

from dataclasses import dataclass

from errors import ConfigError


@dataclass(frozen=True)
class EventSettings:
    overbooking_ratio: float = 1.2  # invitations per seat: capacity 50 -> at most 60 invitations
    attribution_days: int = 30  # a referral goes to the referrer's latest event attended this many days before
    followup_hours: int = 72  # 黄金72小时 after a check-in
    count_sent_as_delivered: bool = True  # 'sent' without a delivery receipt counts as delivered
    staff_session_hours: int = 12  # how long the door page remembers the staff token
    # 随手礼 by visit count: [visits, gift] pairs, ascending; a guest gets the gift of the highest step reached.
    gift_ladder: tuple[tuple[int, str], ...] = (
        (1, "福字红包"), (2, "金箔书签"), (3, "足金转运珠"), (5, "足金小金豆"), (8, "足金生肖挂件"),
    )


def event_settings(settings) -> EventSettings:
    """The [events] settings of a Settings object (defaults until settings.py carries the section)."""
    chosen = getattr(settings, "events", None) or EventSettings()
    check_ladder(chosen.gift_ladder)
    return chosen


def check_ladder(ladder: tuple[tuple[int, str], ...]) -> None:
    """A gift ladder must climb: visit thresholds ≥ 1, strictly ascending, each with a gift."""
    previous = 0
    for visits, gift in ladder:
        if visits <= previous or not str(gift).strip():
            raise ConfigError(f"[events] gift_ladder: step [{visits}, {gift!r}] must have visits > {previous} and a gift")
        previous = visits


@dataclass(frozen=True)
class GiftStep:
    step: int  # 1-based position on the ladder; 0 before the first step
    of: int
    gift: str
    next_at: int | None  # the visit count that reaches the next step


def gift_for(visits: int, ladder: tuple[tuple[int, str], ...]) -> GiftStep:
    """The ladder step reached after ``visits`` visits (the highest threshold ≤ visits)."""
    reached = [i for i, (threshold, _gift) in enumerate(ladder) if threshold <= visits]
    index = reached[-1] if reached else -1
    gift = ladder[index][1] if index >= 0 else ""
    next_at = ladder[index + 1][0] if index + 1 < len(ladder) else None
    return GiftStep(index + 1, len(ladder), gift, next_at)


def invitation_quota(capacity: int, ratio: float) -> int | None:
    """How many invitations an event of ``capacity`` seats may send (None: no capacity set, no limit)."""
    if capacity <= 0:
        return None
    return int(capacity * max(ratio, 1.0))
