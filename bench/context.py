"""What every section is handed: the database target, settings, the synthetic files and the day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path

from bench.databases import Target
from bench.memory import RssSampler
from settings import Settings, settings_from_dict

ROOT = Path(__file__).resolve().parents[1]
# A Wednesday (the lucky day's 会员日) with a Saturday salon three days on and a Wednesday salon today,
# in a year chinese_calendar knows; the day of the month is ≤ 28 so every 月月返 holding can fall due.
BENCH_DAY = date(2025, 6, 18)
FROM_NUMBER = "+15005550006"


@dataclass
class Context:
    target: Target
    settings: Settings
    csv: dict[str, Path]
    work: Path  # scratch folder for this target (rejects files, ...)
    customers: int
    quick: bool
    sampler: RssSampler
    day: date = BENCH_DAY
    shared: dict = field(default_factory=dict)  # what one section leaves for the next (counts, ids)

    @property
    def import_now(self) -> datetime:
        """The import's clock: the night before the bench day (01:00 in Shanghai)."""
        return datetime.combine(self.day, time(1, 0), self.settings.tz).astimezone(timezone.utc)

    def at(self, hour: int, minute: int = 0) -> datetime:
        """An aware instant on the bench day, site time."""
        return datetime.combine(self.day, time(hour, minute), self.settings.tz)


def bench_settings(**sms) -> Settings:
    """The packaged campaigns and templates, a Twilio sender, and [sms] overrides for a section."""
    raw = {"twilio": {"from_number": FROM_NUMBER}}
    if sms:
        raw["sms"] = sms
    return settings_from_dict(raw, base_dir=ROOT, source="<bench>")
