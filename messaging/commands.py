"""`jinli outbox ...` and `jinli serve`: parse the arguments, call one use case, print with phones masked."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
import cli_format
from app import App
from cli_output import format_options
from messaging import outbox_views as views
from cli_params import day_option, pass_app
from cli_text import UsageError, text
from messaging.dispatch import preview, send_due_messages
from messaging.gateways import make_gateway
from messaging.holds import list_holds, release
from domain.phone import mask
from messaging.reconcile import reconcile, reconcile_stuck
from messaging.send_safety import confirm_large_send
from messaging.suppression import SendPolicy
from messaging.review import list_messages, matching_stuck, resolve_many, stuck_messages
from records.transactions import write_transaction
from schedules.logs import configure_logging

STATES = ("planned", "sending", "sent", "delivered", "failed", "undelivered", "suppressed")


def default_worker() -> str:
    """This process's name in outbox.claimed_by: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


@click.group("outbox")
def outbox() -> None:
    """The outbox: what is planned, sent, failed or stuck; cancel planned messages."""


@outbox.command("list")
@click.option("--state", type=click.Choice(STATES), help="only messages in this state")
@click.option("--campaign", help="only this campaign's messages")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@format_options()
@pass_app
def outbox_list(app: App, state: str | None, campaign: str | None, limit: int, fmt: str, output: str | None) -> None:
    """The latest messages, newest first."""
    with app.engine.connect() as conn:
        rows = list_messages(conn, state=state, campaign=campaign, limit=limit)
        holds = list_holds(conn)
    views.print_messages(rows, holds, app.settings.tz, fmt, output)


@outbox.command("holds")
@pass_app
def outbox_holds(app: App) -> None:
    """Campaigns whose sends a configuration error stopped (template, signature, credentials), and why."""
    with app.engine.connect() as conn:
        views.print_holds(list_holds(conn), app.settings.tz)


@outbox.command("release")
@click.argument("campaign_id")
@pass_app
def outbox_release(app: App, campaign_id: str) -> None:
    """Let a held campaign's messages go out again, once its cause is fixed."""
    with write_transaction(app.engine) as conn:
        release(conn, campaign_id)
    click.echo(text("released", campaign=campaign_id))


@outbox.command("cancel")
@click.option("--campaign", "campaign_id", required=True, help="the campaign whose planned messages are cancelled")
@day_option("--date", dest="day", help="only those due on this day (site time zone)")
@click.option("--reason", default="", help="why (kept in the audit trail)")
@pass_app
def outbox_cancel(app: App, campaign_id: str, day, reason: str) -> None:
    """Cancel a campaign's planned messages (of one day): suppressed as 'cancelled', never sent."""
    from messaging.cancel import cancel_campaign_messages
    from records import audit

    now = app.now()
    with write_transaction(app.engine) as conn:
        count = cancel_campaign_messages(conn, campaign_id, day, app.settings.tz, now)
        audit.record(conn, actor=audit.os_actor(), action="outbox.cancel", subject="campaign", subject_id=campaign_id,
                     reason=reason, now=now, detail={"date": day.isoformat() if day else None, "cancelled": count})
    click.echo(text("cancelled_on" if day else "cancelled_all", campaign=campaign_id, count=count,
                    day=day.isoformat() if day else ""))


@outbox.command("stuck")
@click.option("--older-than", type=click.IntRange(min=0), default=5, show_default=True, help="minutes in 'sending'")
@format_options()
@pass_app
def outbox_stuck(app: App, older_than: int, fmt: str, output: str | None) -> None:
    """Messages left in 'sending' (a crash, or no answer from the gateway): check each, then resolve it."""
    with app.engine.connect() as conn:
        rows = stuck_messages(conn, app.now(), timedelta(minutes=older_than))
    views.print_stuck(rows, app.settings.tz, fmt, output)


@outbox.command("resolve")
@click.argument("message_ids", metavar="[ID]...", nargs=-1, type=int)
@click.argument("decision", type=click.Choice(["sent", "retry"]))
@click.option("--campaign", help="every stuck message of this campaign")
@click.option("--before", metavar="TIME", help="every stuck message claimed before TIME (ISO; site time zone unless it has an offset)")
@click.option("--all-stuck", is_flag=True, help="every message `jinli outbox stuck` lists")
@pass_app
def outbox_resolve(app: App, message_ids: tuple[int, ...], decision: str, campaign: str | None, before: str | None,
                   all_stuck: bool) -> None:
    """Say what became of stuck messages (IDs, or those a filter selects): 'sent', or 'retry' them now; all or none."""
    filtered = bool(campaign or before or all_stuck)
    if bool(message_ids) == filtered:
        raise UsageError(text("resolve_ids_or_filter"))
    now = app.now()
    with write_transaction(app.engine) as conn:
        ids = list(message_ids) or matching_stuck(conn, now, campaign=campaign, before=_instant(before, app.settings.tz))
        count = resolve_many(conn, ids, decision, now)
    done = text("resolved_sent" if decision == "sent" else "resolved_retry")
    click.echo(text("resolved_one", id=ids[0], done=done) if message_ids and count == 1
               else text("resolved_many", count=count, done=done))


@outbox.command("reconcile")
@pass_app
def outbox_reconcile(app: App) -> None:
    """Ask the provider about stuck messages and silent sent ones, and record what it says."""
    gateway = make_gateway(app.settings)
    now = app.now()
    stuck = reconcile_stuck(app.engine, gateway, now, app.settings.sms)
    reports = reconcile(app.engine, gateway, now, region=app.settings.site.phone_region)
    views.print_reconcile(stuck, reports)


def _instant(text: str | None, tz: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO date or date-time like 2025-06-02T10:00", param_hint="--before") from None
    return at if at.tzinfo else at.replace(tzinfo=tz)


@outbox.command("send")
@click.option("--limit", type=click.IntRange(min=1), help="handle at most this many due messages")
@click.option("--dry-run", is_flag=True, help="count what would be sent; claim and send nothing")
@click.option("--yes", is_flag=True, help="send without asking, even more than [sms] confirm_above texts")
@pass_app
def outbox_send(app: App, limit: int | None, dry_run: bool, yes: bool) -> None:
    """Send the messages due now through the configured gateway."""
    if not dry_run and not yes:
        policy = SendPolicy.from_settings(app.settings)
        confirm_large_send(app.settings, preview(app.engine, app.now(), policy, limit).sent, yes)
    gateway = make_gateway(app.settings, dry_run=dry_run)
    with cli_format.progress(text("sending"), quiet=dry_run) as advance:
        summary = send_due_messages(app.engine, gateway, app.settings, app.now(), worker=default_worker(),
                                    limit=limit, dry_run=dry_run, on_progress=advance)
    views.print_summary(summary, dry_run)
    if summary.held:
        with app.engine.connect() as conn:
            views.print_holds(list_holds(conn), app.settings.tz)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@pass_app
def serve(app: App, host: str, port: int) -> None:
    """Serve Twilio's webhooks (delivery reports, replies) until interrupted."""
    from web.app import serve as serve_site  # Flask and waitress only for this command

    configure_logging()  # the daemon's format and redaction (secrets ***, phones masked)
    serve_site(app, host, port)



@click.group("optout")
def optout_group() -> None:
    """Opt-outs recorded by staff (a phone call, a provider's report): honoured like a 退订 reply."""


def _record_optout(app: App, customer: str, reason: str, action) -> None:
    from records import audit
    from records.transactions import write_transaction

    adding = action.__name__ == "opt_out"
    with write_transaction(app.engine) as conn:
        person = _customer_or_phone(conn, customer, app.settings.site.phone_region)
        action(conn, person["id"], person["phone"], "staff", app.now(), reason)
        # The trail keeps no phone numbers: a number that is not a customer yet is named by nothing but the action.
        audit.record(conn, actor=audit.os_actor(), action=f"optout.{'add' if adding else 'remove'}",
                     subject="customer" if person["id"] else "phone", subject_id=person["id"] or "",
                     customer_id=person["id"], reason=reason, now=app.now())
    who = f"{person['name']} ({mask(person['phone'])})" if person["id"] else text("not_customer_yet", phone=mask(person["phone"]))
    click.echo(text("opted_out_now" if adding else "opted_in_now", who=who))


def _customer_or_phone(conn, text: str, region: str) -> dict:
    """The customer ``text`` names; else, for a mobile number that is no customer yet, the bare number (id None)."""
    from errors import NotFound
    from domain.phone import try_parse_mobile
    from records.lookup import find_customer

    try:
        return dict(find_customer(conn, text, region))
    except NotFound:
        phone = try_parse_mobile(text.strip(), region)
        if phone is None:
            raise
        return {"id": None, "name": "", "phone": phone}


@optout_group.command("add")
@click.argument("customer")
@click.option("--reason", default="", help="how the opt-out arrived (kept with the record)")
@pass_app
def optout_add(app: App, customer: str, reason: str) -> None:
    """Opt a customer out at once (by phone, id or referral code); a phone that is no customer yet is opted out too."""
    from messaging.optouts import opt_out

    _record_optout(app, customer, reason, opt_out)


@optout_group.command("remove")
@click.argument("customer")
@click.option("--reason", default="", help="e.g. the customer asked to be texted again")
@pass_app
def optout_remove(app: App, customer: str, reason: str) -> None:
    """Let a customer be texted again."""
    from messaging.optouts import opt_in

    _record_optout(app, customer, reason, opt_in)


@optout_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@format_options()
@pass_app
def optout_list(app: App, limit: int, fmt: str, output: str | None) -> None:
    """Every number opted out now, newest first: phone (masked), customer, how and when."""
    from messaging.optout_review import current

    with app.engine.connect() as conn:
        rows = current(conn, limit)
    views.print_opt_outs(rows, app.settings.tz, fmt, output)


@optout_group.command("show")
@click.argument("customer")
@format_options(("table", "json"))
@pass_app
def optout_show(app: App, customer: str, fmt: str, output: str | None) -> None:
    """One customer's or number's opt-outs and opt-ins, oldest first, and whether texts may go to it now."""
    from messaging.optout_review import history
    from messaging.optouts import is_opted_out

    with app.engine.connect() as conn:
        person = _customer_or_phone(conn, customer, app.settings.site.phone_region)
        events = history(conn, person["id"], person["phone"])
        opted_out = is_opted_out(conn, person["id"] or 0, person["phone"])
    views.print_opt_out_history(person, events, opted_out, app.settings.tz, fmt, output)
