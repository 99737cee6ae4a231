"""Campaign pauses: staff stop a campaign's sends, planned messages included, until they resume it.

A paused campaign is excluded from the dispatcher's claim exactly like a held one (messaging.holds),
so a message planned before the pause waits in 'planned' and goes out after `jinli campaigns resume`.
Planning a paused campaign records nothing new (no texts, no events, no invitations): resuming must
not release a pile of stale invitations, and the days it missed are not caught up (README "Pause").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from errors import InvalidValue, NotFound
from records import models

pauses_t = models.CampaignPause.__table__


def paused_ids() -> select:
    """The ids of paused campaigns, as a subquery for the claim."""
    return select(pauses_t.c.campaign_id)


def is_paused(conn: Connection, campaign_id: str) -> bool:
    return conn.execute(select(pauses_t.c.campaign_id).where(pauses_t.c.campaign_id == campaign_id)).first() is not None


def pauses(conn: Connection) -> dict[str, dict]:
    """Every paused campaign id with its pause (reason, actor, since)."""
    return {r["campaign_id"]: dict(r) for r in conn.execute(select(pauses_t).order_by(pauses_t.c.since)).mappings()}


def pause(conn: Connection, campaign_id: str, actor: str, reason: str, now: datetime) -> None:
    """Pause ``campaign_id``; InvalidValue when it is paused already."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    added = conn.execute(insert(pauses_t).values(campaign_id=campaign_id, reason=reason, actor=actor, since=now)
                         .on_conflict_do_nothing()).rowcount
    if not added:
        raise InvalidValue(f"campaign {campaign_id!r} is paused already (`jinli campaigns resume {campaign_id}`)",
                           key="campaign_paused_already", campaign=campaign_id)


def resume(conn: Connection, campaign_id: str) -> dict:
    """Lift the pause of ``campaign_id`` and return it; NotFound when it is not paused."""
    found = pauses(conn).get(campaign_id)
    if found is None:
        raise NotFound(f"campaign {campaign_id!r} is not paused (see `jinli campaigns list`)", key="campaign_not_paused",
                       campaign=campaign_id)
    conn.execute(delete(pauses_t).where(pauses_t.c.campaign_id == campaign_id))
    return found
