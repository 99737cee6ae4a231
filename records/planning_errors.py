"""Each campaign's last planning failure: written when planning it fails, cleared when it next succeeds.

The daemon and `jinli run` skip a campaign whose planning raises and go on with the others; this table
lets `jinli campaigns list`, in another process, say which campaign is not being planned and why.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from errors import JinliError
from domain.phone import mask_in_text
from records import models

errors_t = models.CampaignPlanningError.__table__
MAX_LENGTH = 500


def describe(exc: BaseException) -> str:
    """One line for a log and the table: jinli's own message, the database's first line, or the exception."""
    if isinstance(exc, JinliError):
        text = str(exc)
    elif isinstance(exc, SQLAlchemyError):
        text = "database error: " + (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0]
    else:
        text = f"{type(exc).__name__}: {exc}"
    return mask_in_text(" ".join(text.split()))[:MAX_LENGTH]


def record(conn: Connection, campaign_id: str, day: date, error: str, now: datetime, worker: str) -> None:
    """Remember the campaign's latest failure (replacing an older one)."""
    values = {"campaign_id": campaign_id, "day": day, "error": error[:MAX_LENGTH], "failed_at": now, "worker": worker[:64]}
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(errors_t).values(values)
    conn.execute(statement.on_conflict_do_update(index_elements=["campaign_id"],
                                                 set_={k: v for k, v in values.items() if k != "campaign_id"}))


def clear(conn: Connection, campaign_id: str) -> None:
    """Planning the campaign succeeded: forget its last failure."""
    conn.execute(delete(errors_t).where(errors_t.c.campaign_id == campaign_id))


def last_errors(conn: Connection) -> dict[str, dict]:
    """campaign id -> {"day", "error", "failed_at", "worker"} of every campaign whose last planning failed."""
    rows = conn.execute(select(errors_t)).mappings()
    return {r["campaign_id"]: {k: v for k, v in r.items() if k != "campaign_id"} for r in rows}
