"""`jinli campaigns pause|resume ID`: stop a campaign's sends (planned messages too) and let them go again."""

from __future__ import annotations

import click
from sqlalchemy import Connection, func, select

from app import App
from cli_params import pass_app
from cli_text import text
from campaigns.definitions import load_campaigns
from errors import NotFound
from messaging import pauses
from records import audit, models
from records.transactions import write_transaction

outbox_t = models.OutboxMessage.__table__


@click.command("pause")
@click.argument("campaign_id")
@click.option("--reason", default="", help="why (kept in the audit trail)")
@pass_app
def pause_command(app: App, campaign_id: str, reason: str) -> None:
    """Stop a campaign: none of its messages is sent, planned ones included, and nothing new is planned."""
    now = app.now()
    with write_transaction(app.engine) as conn:
        _known(app, conn, campaign_id)
        pauses.pause(conn, campaign_id, audit.os_actor(), reason, now)
        waiting = _planned(conn, campaign_id)
        audit.record(conn, actor=audit.os_actor(), action="campaigns.pause", subject="campaign", subject_id=campaign_id,
                     reason=reason, detail={"planned_waiting": waiting}, now=now)
    click.echo(text("campaign_paused", campaign=campaign_id, waiting=waiting))


@click.command("resume")
@click.argument("campaign_id")
@click.option("--reason", default="", help="why (kept in the audit trail)")
@pass_app
def resume_command(app: App, campaign_id: str, reason: str) -> None:
    """Let a paused campaign plan and send again; its waiting messages go out when due."""
    now = app.now()
    with write_transaction(app.engine) as conn:
        was = pauses.resume(conn, campaign_id)
        waiting = _planned(conn, campaign_id)
        audit.record(conn, actor=audit.os_actor(), action="campaigns.resume", subject="campaign", subject_id=campaign_id,
                     reason=reason, detail={"paused_since": was["since"], "planned_released": waiting}, now=now)
    click.echo(text("campaign_resumed", campaign=campaign_id, waiting=waiting))


def _planned(conn: Connection, campaign_id: str) -> int:
    o = outbox_t.c
    return conn.execute(select(func.count()).where(o.campaign_id == campaign_id, o.state == "planned")).scalar_one()


def _known(app: App, conn: Connection, campaign_id: str) -> None:
    """NotFound unless a campaign file or the outbox knows ``campaign_id``."""
    campaigns, _ = load_campaigns(app.settings.campaigns_path)
    known = {c.id for c in campaigns} | set(conn.execute(select(outbox_t.c.campaign_id).distinct()).scalars())
    if campaign_id not in known:
        names = ", ".join(sorted(known))
        raise NotFound(f"campaign {campaign_id!r} not found in {app.settings.campaigns_path} nor in the outbox "
                       f"(known: {names or 'none'})", key="campaign_not_found", campaign=campaign_id,
                       folder=app.settings.campaigns_path, known=names or "-")
