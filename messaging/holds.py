"""Campaign holds: a configuration error (template, signature, credentials) stops a campaign's sends until staff release it.

The provider would refuse every text of the campaign the same way, so failing them one by one
helps nobody: the message goes back to 'planned', the campaign is held, the reason is logged once,
and the dispatcher claims none of its messages until `jinli outbox release CAMPAIGN`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from errors import NotFound
from records import models

log = logging.getLogger("jinli.outbox")
holds_t = models.CampaignHold.__table__


def held_ids() -> select:
    """The ids of held campaigns, as a subquery for the claim."""
    return select(holds_t.c.campaign_id)


def hold_campaign(conn: Connection, campaign_id: str, reason: str, error_code: str | None, message_id: int,
                  now: datetime) -> bool:
    """Hold ``campaign_id`` (a no-op when it is held already); True when this call held it."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    added = conn.execute(insert(holds_t).values(campaign_id=campaign_id, reason=reason, error_code=error_code,
                                                message_id=message_id, since=now).on_conflict_do_nothing()).rowcount
    if added:
        log.error("campaign %s held, no more of its texts go out: %s. Fix the cause, then `jinli outbox release %s`",
                  campaign_id, reason, campaign_id)
    return bool(added)


def list_holds(conn: Connection) -> list[dict]:
    """Every held campaign with its reason, oldest first."""
    return [dict(r) for r in conn.execute(select(holds_t).order_by(holds_t.c.since, holds_t.c.campaign_id)).mappings()]


def release(conn: Connection, campaign_id: str) -> None:
    """Let ``campaign_id``'s messages go out again; NotFound when it is not held."""
    if not conn.execute(delete(holds_t).where(holds_t.c.campaign_id == campaign_id)).rowcount:
        raise NotFound(f"campaign {campaign_id!r} is not held (see `jinli outbox holds`)", key="campaign_not_held",
                       campaign=campaign_id)
