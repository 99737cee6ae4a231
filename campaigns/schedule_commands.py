"""`jinli schedule`: what will be sent, day by day and campaign by campaign (campaigns.schedule computes it)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from app import App
from cli_format import print_json
from cli_params import day_option, pass_app
from campaigns.commands import _runnable_campaigns, _warn_unknown_years
from campaigns.planning import Planner
from campaigns.schedule import compute_schedule
from errors import NotFound
from messaging.holds import list_holds
from messaging.pauses import pauses
from reports.schedule_page import schedule_data, schedule_html, schedule_table

MAX_DAYS = 92


@click.command("schedule")
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=14, show_default=True, help="how many days")
@click.option("--campaign", "campaign_id", help="show only this campaign (all still plan: they share the weekly cap)")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "html"]), default="table", show_default=True)
@day_option("--date", dest="start", help="the first day (default: today)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="write to this file (default: stdout)")
@pass_app
def schedule_command(app: App, days: int, campaign_id: str | None, output_format: str, start: date | None,
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
    _write(data, output_format, language, output)


def _write(data: dict, output_format: str, language: str, output: str | None) -> None:
    if output_format == "json" and not output:
        print_json(data)
        return
    text = {"json": lambda: __import__("json").dumps(data, ensure_ascii=False, indent=2),
            "html": lambda: schedule_html(data, language), "table": lambda: schedule_table(data, language)}[output_format]()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"schedule {data['from']} – {data['to']} written to {output}")
    else:
        click.echo(text, nl=False)
