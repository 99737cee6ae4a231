"""Campaign files as the daemon sees them: re-read when they change, the last good version kept.

An edit takes effect at the next planning run once it validates; an invalid edit is logged once and
the previous definition stays in force (a half-typed file must not stop the Monday salon).
"""

from __future__ import annotations

import logging
from pathlib import Path

from campaigns.definitions import Campaign, load_campaign
from errors import CampaignError
from records.planning_errors import describe

log = logging.getLogger("jinli.daemon")


class CampaignStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._good: dict[Path, Campaign] = {}
        self._seen: dict[Path, float] = {}
        self._errors: dict[Path, str] = {}

    def campaigns(self) -> list[Campaign]:
        """The current definitions, reloading files whose modification time changed."""
        paths = sorted(self.folder.glob("*.toml"))
        for gone in set(self._good) - set(paths):
            log.info("campaign file removed: %s", gone)
            self._good.pop(gone)
            self._seen.pop(gone, None)
        for path in paths:
            self._refresh(path)
        return [self._good[p] for p in paths if p in self._good]

    def _refresh(self, path: Path) -> None:
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            return
        if self._seen.get(path) == mtime:
            return
        self._seen[path] = mtime
        try:
            campaign = load_campaign(path)
        except Exception as exc:  # noqa: BLE001 (CampaignError, or a bug: either way the file is not scheduled)
            exc = exc if isinstance(exc, CampaignError) else CampaignError(f"{path}: cannot load: {describe(exc)}")
            self._errors[path] = str(exc)
            kept = "keeping the last good definition" if path in self._good else "not scheduled"
            log.error("invalid campaign file, %s: %s", kept, exc)
            return
        if path in self._good and self._good[path] != campaign:
            log.info("campaign %s reloaded from %s", campaign.id, path)
        self._good[path] = campaign
        self._errors.pop(path, None)

    @property
    def errors(self) -> list[str]:
        return list(self._errors.values())
