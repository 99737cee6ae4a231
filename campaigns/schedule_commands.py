"""`jinli schedule`: what will be sent, day by day and campaign by campaign (campaigns.schedule computes it)."""

from __future__ import annotations

from datetime import date

import click

from app import App
from cli_output import format_options, show
from cli_params import day_option, pass_app
from campaigns.commands import _runnable_campaigns, _warn_unknown_years
from campaigns.planning import Planner
from campaigns.schedule import compute_schedule
from errors import NotFound
from messaging.holds import list_holds
from messaging.pauses import pauses
from reports.output import emit
from reports.schedule_page import schedule_data, schedule_html, schedule_rows

MAX_DAYS = 92


@click.command("schedule")
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=14, show_default=True, help="how many days")
@click.option("--campaign", "campaign_id", help="show only this campaign (all still plan: they share the weekly cap)")
@format_options(("table", "csv", "json", "html", "xlsx"))
@day_option("--date", dest="start", help="the first day (default: today)")
@pass_app
def schedule_command(app: App, days: int, campaign_id: str | None, fmt: str, start: date | None,
                     output: str | None) -> None:
    """What will be sent, day by day and campaign by campaign: texts, segments, cost, exclusions."""
    planner = Planner.from_settings(app.settings)
    campaigns = _runnable_campaigns(app, planner, None)
    if campaign_id and campaign_id not in {c.id for c in campaigns}:
        known = ", ".join(c.id for c in campaigns)
        raise NotFound(f"campaign {campaign_id!r} not found in {app.settings.campaigns_path} (known: {known or 'none'})",
                       key="campaign_not_found", campaign=campaign_id, folder=app.settings.campaigns_path, known=known or "-")
    start = start or app.today()
    _warn_unknown_years(planner, campaigns, start)
    found = compute_schedule(app.engine, planner, campaigns, start, days)
    with app.engine.connect() as conn:
        paused, held = pauses(conn), list_holds(conn)
    language = app.settings.site.language
    data = schedule_data(found, campaigns, only=campaign_id, cost_per_segment=app.settings.sms.cost_per_segment,
                         paused=paused, held=held, generated_at=app.now().astimezone(app.settings.tz), language=language)
    if fmt == "html":
        emit(schedule_html(data, language), output, fmt)
        return
    table, notes = schedule_rows(data, language)
    show(fmt, output, data=data, tables=[table], title=table.title, notes=notes, meta=notes)
