"""`jinli campaigns validate|list|preview` and `jinli run`: thin commands over campaigns.run."""

from __future__ import annotations

import socket
from datetime import date, datetime, timedelta

import click

import cli_format
from app import App
from campaigns import campaign_views as views
from cli_output import format_options
from cli_params import day_option, pass_app
from cli_text import text
from campaigns.definitions import load_campaigns
from campaigns.occurrences import occurrences
from campaigns.planning import Planner
from campaigns.run import plan_day, preview, preview_json
from messaging.send_safety import confirm_large_send, refuse_future_day, sending_clock
from campaigns.schedule import end_of_sending, simulate_day
from campaigns.pause_commands import pause_command, resume_command
from campaigns.validation import missing_templates, validate_all
from errors import CampaignError, NotFound
from messaging.pauses import pauses
from records import planning_errors
from records.transactions import rolled_back_transaction, write_transaction
from domain.workdays import campaign_calendar_warnings




@click.group("campaigns")
def campaigns_group() -> None:
    """Campaign files: validate, list, preview; pause and resume."""


campaigns_group.add_command(pause_command)
campaigns_group.add_command(resume_command)


@campaigns_group.command("validate")
@format_options(("table", "json"))
@pass_app
def validate(app: App, fmt: str, output: str | None) -> None:
    """Check every campaign file and template; one line per problem, exit 1 if any."""
    planner = Planner.from_settings(app.settings)
    with app.engine.connect() as conn:  # audience names are checked against the customers
        campaigns, problems, warnings = validate_all(planner, app.today(), conn)
    warnings = campaign_calendar_warnings(planner.calendar.workdays, campaigns, app.today()) + warnings
    views.validated(campaigns, problems, warnings, fmt)
    if problems:
        raise SystemExit(1)


@campaigns_group.command("list")
@click.option("--days", default=30, show_default=True, help="look this many days ahead for next occurrences")
@format_options()
@pass_app
def list_campaigns(app: App, days: int, fmt: str, output: str | None) -> None:
    """Each campaign, its kind, tiers and next occurrences."""
    planner = Planner.from_settings(app.settings)
    campaigns, problems = load_campaigns(app.settings.campaigns_path)
    today = app.today()
    _warn_unknown_years(planner, campaigns, today)
    with app.engine.connect() as conn:
        failures = planning_errors.last_errors(conn)
        paused = pauses(conn)
    rows = []
    for campaign in campaigns:
        upcoming = [o for d in range(days) for o in occurrences(campaign, today + timedelta(days=d), planner.calendar)]
        by_day: dict[date, list[str]] = {}
        for o in upcoming:
            steps = by_day.setdefault(o.on, [])
            if o.step not in steps:
                steps.append(o.step)
        rows.append({"id": campaign.id, "name": campaign.name, "kind": campaign.kind, "enabled": campaign.enabled,
                     "tiers": "".join(sorted(campaign.audience.tiers)),
                     "next": [f"{d.isoformat()} {' '.join(steps)}" for d, steps in list(by_day.items())[:3]]
                     or ([campaign.spec.describe()] if campaign.kind == "trigger" else []),
                     "last_planning_error": _failure(failures.get(campaign.id)), "priority": campaign.priority,
                     "paused": _pause(paused.get(campaign.id))})
    views.campaign_list(rows, problems, fmt, output)


def _warn_unknown_years(planner: Planner, campaigns, today: date) -> None:
    for warning in campaign_calendar_warnings(planner.calendar.workdays, campaigns, today):
        click.echo(f"warning: {warning}", err=True)


@campaigns_group.command("preview")
@click.argument("campaign_id")
@day_option("--date", dest="day", help="the day to preview (default: today)")
@format_options(("table", "json"))
@pass_app
def preview_command(app: App, campaign_id: str, day: date | None, fmt: str, output: str | None) -> None:
    """Every recipient with the text, segments and send time; every excluded customer with the reason."""
    planner = Planner.from_settings(app.settings)
    campaign = _one_campaign(app, campaign_id)
    now = app.now() if day in (None, app.today()) else None  # a trigger campaign: its next scan, if today
    day = day or app.today()
    with app.engine.connect() as conn:
        data = preview_json(campaign, day, preview(conn, planner, campaign, day, now))
    views.preview(data, fmt)


def _pause(found: dict | None) -> dict | None:
    """The campaign's pause as `campaigns list` shows it (None: not paused)."""
    if found is None:
        return None
    return {"since": found["since"].isoformat(), "by": found["actor"], "reason": found["reason"]}


def _failure(found: dict | None) -> dict | None:
    """The campaign's last planning failure as `campaigns list` shows it (None: the last planning succeeded)."""
    if found is None:
        return None
    return {"day": found["day"].isoformat(), "error": found["error"], "failed_at": found["failed_at"].isoformat()}


def _one_campaign(app: App, campaign_id: str):
    campaigns, problems = load_campaigns(app.settings.campaigns_path)
    for campaign in campaigns:
        if campaign.id == campaign_id:
            return campaign
    broken = [p for p in problems if campaign_id in p]
    if broken:
        raise CampaignError(broken[0])
    known = ", ".join(c.id for c in campaigns)
    raise NotFound(f"campaign {campaign_id!r} not found in {app.settings.campaigns_path} (known: {known or 'none'})",
                   key="campaign_not_found", campaign=campaign_id, folder=app.settings.campaigns_path, known=known or "-")


@click.command("run")
@day_option("--date", dest="day", help="plan this day and send what is due by its last send time")
@click.option("--now", "use_now", is_flag=True, help="plan today and send what is due now (the default)")
@click.option("--campaign", "campaign_id", help="only this campaign")
@click.option("--dry-run", is_flag=True, help="plan and show counts, send nothing")
@click.option("--yes", is_flag=True, help="send without asking, even more than [sms] confirm_above texts")
@format_options(("table", "json"))
@pass_app
def run_command(app: App, day: date | None, use_now: bool, campaign_id: str | None, dry_run: bool, yes: bool, fmt: str,
                output: str | None) -> None:
    """Plan the due occurrences and dispatch what is due; print a summary."""
    if day and use_now:
        raise click.UsageError("--date and --now exclude each other")
    planner = Planner.from_settings(app.settings)
    campaigns = _runnable_campaigns(app, planner, campaign_id)
    refuse_future_day(app.settings, day, app.today(), dry_run)
    planned_at = app.now() if day is None else end_of_sending(planner, campaigns, day)
    send_until = sending_clock(app.settings, planned_at, app.now())
    day = day or app.today()
    if not dry_run and not yes:
        with rolled_back_transaction(app.engine) as conn:
            found = simulate_day(conn, planner, campaigns, day, planned_at, send_until)
        confirm_large_send(app.settings, sum(c.texts for c in found.campaigns.values()), yes)
    with write_transaction(app.engine) as conn:
        planned = plan_day(conn, planner, campaigns, day, planned_at, worker=f"run@{socket.gethostname()}")
        if dry_run:
            conn.rollback()
    dispatched = None if dry_run else _dispatch(app, send_until)
    views.run_summary(day, planned, dispatched, dry_run, fmt)


def _runnable_campaigns(app: App, planner: Planner, campaign_id: str | None) -> list:
    """The valid campaigns (or the one named) whose templates exist; one `skipped:` line for each of the others."""
    campaigns, problems = load_campaigns(app.settings.campaigns_path)
    if campaign_id:
        campaigns = [_one_campaign(app, campaign_id)]
    missing = {c.id: missing_templates(planner, c) for c in campaigns}
    for problem in problems + [line for lines in missing.values() for line in lines]:
        click.echo(f"skipped: {problem}", err=True)
    return [c for c in campaigns if not missing[c.id]]  # planning them could only fail


def _dispatch(app: App, send_until: datetime):
    from messaging.gateways import make_gateway
    from messaging.dispatch import send_due_messages

    gateway = make_gateway(app.settings)
    with cli_format.progress(text("sending"), lines_from=500) as advance:
        # The real now is what the rows record (sent_at), even when the run simulates another day.
        return send_due_messages(app.engine, gateway, app.settings, send_until, worker=f"run@{socket.gethostname()}",
                                 on_progress=advance, stamp=app.now())
