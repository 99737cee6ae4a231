"""A shop with something in every list, for the tests of the command line's conventions (JSON, widths, language).

The shipped playbook (campaigns and templates), the events_seed story (8 customers, 3 events, invitations in the
outbox), one message stuck in 'sending', a staff account, an opt-out and a pinned tier; the clock pinned to
2025-05-28 12:00 in Shanghai.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import update

from app import App
from records import models
from settings import load_settings
from tests.events_seed import seed_shop

REPO = Path(__file__).resolve().parents[2]
NOW = "2025-05-28T12:00+08:00"
CAMPAIGN_IDS = ("birthday", "holding-notices", "lucky-day", "salon-followups", "salons", "three-encounters")


def build_shop(site: Path, cli, monkeypatch, language: str = "zh"):
    """Fill the test site; returns the seed (ids, phones)."""
    monkeypatch.setenv("JINLI_NOW", NOW)
    text = site.read_text(encoding="utf-8").replace("[site]\n", f'[site]\nlanguage = "{language}"\n')
    site.write_text(text, encoding="utf-8")
    shutil.copytree(REPO / "campaigns", site.parent / "campaigns", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(REPO / "templates", site.parent / "templates")
    app = App(load_settings(site))
    with app.engine.begin() as conn:
        seed = seed_shop(conn)
        o = models.OutboxMessage.__table__.c
        stuck_since = datetime(2025, 5, 28, 3, 0, tzinfo=timezone.utc) - timedelta(hours=1)
        conn.execute(update(models.OutboxMessage.__table__).where(o.key == "E3-a2-invitation")
                     .values(state="sending", sending_at=stuck_since, claimed_by="run@host"))
    assert cli("staff", "add", "xiaoli", "--role", "door", "--store", "南京路店", "--password-stdin",
               input="a-long-enough-password\n").exit_code == 0
    assert cli("optout", "add", "13800000007", "--reason", "电话").exit_code == 0
    assert cli("tiers", "pin", "13800000002", "A", "--reason", "老客户").exit_code == 0
    return seed


# Every command that prints data, as staff type it (tables by default).
DATA_COMMANDS = {
    "campaigns list": ("campaigns", "list"),
    "campaigns validate": ("campaigns", "validate"),
    "outbox list": ("outbox", "list"),
    "outbox stuck": ("outbox", "stuck"),
    "optout list": ("optout", "list"),
    "optout show": ("optout", "show", "13800000007"),
    "events list": ("events", "list", "--date", "2025-05-19"),
    "customers list": ("customers", "list"),
    "customers show": ("customers", "show", "13800000001"),
    "points show": ("points", "show", "13800000001"),
    "staff list": ("staff", "list"),
    "referrals list": ("referrals", "list"),
    "audit": ("audit",),
    "schedule": ("schedule", "--days", "7"),
    "run": ("run", "--dry-run", "--date", "明天"),
    "report funnel": ("report", "funnel", "--by", "campaign"),
    "tiers recompute": ("tiers", "recompute"),
    "tiers explain": ("tiers", "explain", "13800000001"),
}
