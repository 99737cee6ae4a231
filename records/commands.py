"""`jinli checkin`, `jinli referrals add|list` and `jinli events list|close`: parse, call one use case, print."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import click

from app import App
from cli_output import format_options
from cli_params import DB_ID, day_option, pass_app
from cli_text import UsageError, text
from records import record_views as views
from cli_format import print_json
from errors import NotFound
from domain.phone import mask, try_parse_mobile
from records import checkins, events, referrals
from records.event_config import event_settings
from records.lookup import find_customer
from records.prospects import register_prospect




# ---------------------------------------------------------------- checkin
@click.command("checkin")
@click.argument("who", required=False, metavar="CODE|PHONE")
@click.option("--event", "event_id", type=DB_ID, help="event id (default: the guest's invitation today, else today's event)")
@click.option("--walk-in", "walk_in_phone", metavar="PHONE", help="a guest without invitation: registered as a prospect")
@click.option("--name", help="the walk-in's name")
@click.option("--referrer", metavar="CODE|PHONE", help="who sent the walk-in (records the referral)")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def checkin_command(app: App, who, event_id, walk_in_phone, name, referrer, as_json) -> None:
    """Record attendance by invitation code or phone; print name, visits, gift step and referrer."""
    if bool(who) == bool(walk_in_phone):
        raise UsageError(text("checkin_usage_either"))
    if not walk_in_phone and (name or referrer):
        raise UsageError(text("checkin_usage_walk_in"))
    settings, region = event_settings(app.settings), app.settings.site.phone_region
    with app.engine.begin() as conn:
        if walk_in_phone:
            result = checkins.walk_in(conn, walk_in_phone, name or "", referrer, event_id, app.now(),
                                      app.settings.tz, settings, region)
        else:
            result = checkins.record_check_in(conn, who, event_id, app.now(), app.settings.tz, settings, region)
    _print_check_in(result, app, as_json)


def _print_check_in(result: checkins.CheckInResult, app: App, as_json: bool) -> None:
    if as_json:
        data = asdict(result)
        data["phone"] = mask(result.phone)
        data["referrer_phone"] = mask(result.referrer_phone) if result.referrer_phone else None
        print_json(data)
        return
    views.check_in(result, app.settings.tz)


# ---------------------------------------------------------------- referrals
@click.group("referrals")
def referrals_group() -> None:
    """Referrals (转介绍): add one by hand, list them."""


@referrals_group.command("add")
@click.argument("referrer", metavar="REFERRER")
@click.argument("referee", metavar="REFEREE")
@click.option("--name", help="the friend's name, to register a new phone as a prospect")
@day_option("--date", dest="on", aliases=("--on",), help="date of the referral (default: today)")
@pass_app
def referrals_add(app: App, referrer: str, referee: str, name: str | None, on: date | None) -> None:
    """Record that REFERRER (code or phone) brought REFEREE (phone; new phones need --name)."""
    region, settings = app.settings.site.phone_region, event_settings(app.settings)
    on = on or app.today()
    with app.engine.begin() as conn:
        who = find_customer(conn, referrer, region)
        friend_id, created = _referee(conn, referee, name, region, app)
        referrals.add_referral(conn, who["id"], friend_id, "staff", on, app.now(), settings.attribution_days, app.settings.tz)
        friend = find_customer(conn, f"id:{friend_id}", region)
        where = referrals.attribution(conn, who["id"], on, settings.attribution_days, app.settings.tz)
    registered = text("registered_prospect") if created else ""
    event = text("attributed", id=where.event_id, campaign=where.campaign_id) if where.event_id else text("unattributed")
    pair = [text("referral_who", name=p["name"], phone=mask(p["phone"])) for p in (who, friend)]
    click.echo(f"{pair[0]} → {pair[1]}{registered}{event}")


def _referee(conn, text: str, name: str | None, region: str, app: App) -> tuple[int, bool]:
    try:
        return find_customer(conn, text, region)["id"], False
    except NotFound:
        phone = try_parse_mobile(text, region)
        if phone is None:
            raise
        if not name:
            raise NotFound(f"no customer with phone {mask(phone)}: give --name to register the friend as a prospect",
                           key="referee_needs_name", phone=mask(phone)) from None
        return register_prospect(conn, phone, name, app.today(), app.now()), True


@referrals_group.command("list")
@click.option("--referrer", help="only this referrer's (code or phone)")
@click.option("--campaign", "campaign_id", help="only referrals attributed to this campaign")
@click.option("--limit", default=200, show_default=True)
@format_options()
@pass_app
def referrals_list(app: App, referrer: str | None, campaign_id: str | None, limit: int, fmt: str,
                   output: str | None) -> None:
    """List referrals, newest first."""
    with app.engine.connect() as conn:
        referrer_id = find_customer(conn, referrer, app.settings.site.phone_region)["id"] if referrer else None
        rows = referrals.referrals_list(conn, referrer_id, campaign_id, limit)
    for row in rows:
        row["referrer_phone"], row["referee_phone"] = mask(row["referrer_phone"]), mask(row["referee_phone"])
    views.referrals_list(rows, fmt, output)


# ---------------------------------------------------------------- events
@click.group("events")
def events_group() -> None:
    """Events (salons, banquets): list a day's, close one (no-shows), cancel one."""


@events_group.command("list")
@day_option("--date", dest="on", aliases=("--on",), help="the day (default: today)")
@format_options()
@pass_app
def events_list(app: App, on: date | None, fmt: str, output: str | None) -> None:
    """The events of a day with their capacity and confirmations."""
    from records.record_views import events_list as show_events

    on = on or app.today()
    with app.engine.connect() as conn:
        rows = [{**dict(e), "confirmed": events.confirmed_count(conn, e["id"])} for e in events.events_on(conn, on, app.settings.tz)]
    show_events(rows, on, app.settings.tz, fmt, output)


@events_group.command("close")
@click.argument("event_id", type=DB_ID)
@pass_app
def events_close(app: App, event_id: int) -> None:
    """After an event: confirmed guests who did not come become no-shows."""
    with app.engine.begin() as conn:
        event = events.get_event(conn, event_id)
        count = events.mark_no_shows(conn, event_id)
    click.echo(text("event_closed", id=event_id, title=event["title"] or event["slogan"], count=count))


@events_group.command("cancel")
@click.argument("event_id", type=DB_ID)
@click.option("--notify", "template", metavar="TEMPLATE", help="text this template to each invitee whose invitation left (once)")
@click.option("--reason", default="", help="why (kept in the audit trail)")
@pass_app
def events_cancel(app: App, event_id: int, template: str | None, reason: str) -> None:
    """Cancel an event: its unsent invitations and reminders too; with --notify, a notice to each invitee, once."""
    from campaigns import event_cancel
    from campaigns.planning import Planner
    from records import audit
    from records.transactions import write_transaction

    planner, now = Planner.from_settings(app.settings), app.now()
    if template:
        event_cancel.check_template(planner, template)
    with write_transaction(app.engine) as conn:
        done = event_cancel.cancel_event(conn, event_id, now)
        notices, before = event_cancel.notify_invitees(conn, planner, done.event, template, now) if template else (0, 0)
        if done.newly_cancelled or done.messages_cancelled or notices:
            audit.record(conn, actor=audit.os_actor(), action="events.cancel", subject="event", subject_id=event_id,
                         reason=reason, now=now, detail={"texts_cancelled": done.messages_cancelled,
                                                         "notices": notices, "template": template})
    title = done.event["title"] or done.event["slogan"]
    said = "event_cancelled" if done.newly_cancelled else "event_cancelled_before"
    click.echo(text(said, id=event_id, title=title, count=done.messages_cancelled))
    if template:
        click.echo(text("event_notices", notices=notices, before=before))
