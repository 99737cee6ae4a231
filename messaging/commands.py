"""`jinli outbox ...` and `jinli serve`: parse the arguments, call one use case, print with phones masked."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
from rich.table import Table

import cli_format
from app import App
from cli_params import day_option, pass_app
from cli_text import text
from messaging.dispatch import DispatchSummary, preview, send_due_messages
from messaging.gateways import make_gateway
from messaging.holds import list_holds, release
from domain.phone import mask
from messaging.reconcile import reconcile, reconcile_stuck
from messaging.send_safety import confirm_large_send
from messaging.suppression import SendPolicy
from messaging.review import list_messages, matching_stuck, resolve_many, stuck_messages
from records.transactions import write_transaction
from redaction import redact
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
@pass_app
def outbox_list(app: App, state: str | None, campaign: str | None, limit: int) -> None:
    """The latest messages, newest first."""
    with app.engine.connect() as conn:
        rows = list_messages(conn, state=state, campaign=campaign, limit=limit)
        holds = list_holds(conn)
    print_messages(rows, app.settings.tz)
    print_holds(holds, app.settings.tz, quiet_if_none=True)


@outbox.command("holds")
@pass_app
def outbox_holds(app: App) -> None:
    """Campaigns whose sends a configuration error stopped (template, signature, credentials), and why."""
    with app.engine.connect() as conn:
        print_holds(list_holds(conn), app.settings.tz)


@outbox.command("release")
@click.argument("campaign_id")
@pass_app
def outbox_release(app: App, campaign_id: str) -> None:
    """Let a held campaign's messages go out again, once its cause is fixed."""
    with write_transaction(app.engine) as conn:
        release(conn, campaign_id)
    click.echo(f"campaign {campaign_id}: released; its planned messages go out with the next `jinli outbox send`")


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
    on = f" due on {day.isoformat()}" if day else ""
    click.echo(f"campaign {campaign_id}: {count} planned message(s){on} cancelled")


@outbox.command("stuck")
@click.option("--older-than", type=click.IntRange(min=0), default=5, show_default=True, help="minutes in 'sending'")
@pass_app
def outbox_stuck(app: App, older_than: int) -> None:
    """Messages left in 'sending' (a crash, or no answer from the gateway): check each, then resolve it."""
    with app.engine.connect() as conn:
        rows = stuck_messages(conn, app.now(), timedelta(minutes=older_than))
    print_stuck(rows, app.settings.tz)


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
        raise click.UsageError("give message IDs, or --campaign / --before / --all-stuck, not both")
    now = app.now()
    with write_transaction(app.engine) as conn:
        ids = list(message_ids) or matching_stuck(conn, now, campaign=campaign, before=_instant(before, app.settings.tz))
        count = resolve_many(conn, ids, decision, now)
    done = "marked sent" if decision == "sent" else "planned again, due now"
    click.echo(f"message {ids[0]}: {done}" if message_ids and count == 1 else f"{count} messages {done}")


@outbox.command("reconcile")
@pass_app
def outbox_reconcile(app: App) -> None:
    """Ask the provider about stuck messages and silent sent ones, and record what it says."""
    gateway = make_gateway(app.settings)
    now = app.now()
    stuck = reconcile_stuck(app.engine, gateway, now, app.settings.sms)
    reports = reconcile(app.engine, gateway, now, region=app.settings.site.phone_region)
    click.echo("stuck in sending: " + ", ".join(f"{RECONCILE_LABELS[k]} {stuck[k]}" for k in RECONCILE_LABELS))
    click.echo(f"delivery reports: checked {reports['checked']}, updated {reports['updated']}")
    if reports["pulled_receipts"] or reports["pulled_replies"]:
        click.echo(f"pulled from the provider: receipts applied {reports['pulled_receipts']}, "
                   f"replies recorded {reports['pulled_replies']}")


RECONCILE_LABELS = {"sent": "found sent", "planned": "planned again", "waiting": "not found yet (asked again later)",
                    "review": "left for staff (provider cannot answer)", "moved": "settled meanwhile"}


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
    print_summary(summary, dry_run)
    if summary.held:
        with app.engine.connect() as conn:
            print_holds(list_holds(conn), app.settings.tz)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@pass_app
def serve(app: App, host: str, port: int) -> None:
    """Serve Twilio's webhooks (delivery reports, replies) until interrupted."""
    from web.app import serve as serve_site  # Flask and waitress only for this command

    configure_logging()  # the daemon's format and redaction (secrets ***, phones masked)
    serve_site(app, host, port)


def _local(at: datetime | None, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else "-"


def print_stuck(rows, tz: ZoneInfo) -> None:
    if not rows:
        click.echo("no message is stuck in 'sending'")
        return
    table = Table(title="stuck in sending: `jinli outbox reconcile` asks the provider; "
                        "resolve what it cannot answer with `jinli outbox resolve ID... sent|retry`")
    for header in ("id", "phone", "campaign", "step", "since", "reason"):
        table.add_column(header, min_width=11 if header == "phone" else None)
    for r in rows:
        table.add_row(str(r["id"]), mask(r["phone"]), r["campaign_id"], r["step"], _local(r["sending_at"], tz),
                      redact(r["reason"] or "no answer recorded (process stopped?)"))
    cli_format.console().print(table)


def print_messages(rows, tz: ZoneInfo) -> None:
    if not rows:
        click.echo("no messages")
        return
    table = Table(title="outbox")
    for header in ("id", "phone", "campaign", "step", "state", "due", "sent", "reason"):
        table.add_column(header, min_width=11 if header == "phone" else None)
    for r in rows:
        table.add_row(str(r["id"]), mask(r["phone"]), r["campaign_id"], r["step"], r["state"], _local(r["due_at"], tz),
                      _local(r["sent_at"], tz), redact(r["reason"] or r["error_code"] or ""))
    cli_format.console().print(table)


def print_holds(holds: list[dict], tz: ZoneInfo, *, quiet_if_none: bool = False) -> None:
    if not holds:
        if not quiet_if_none:
            click.echo("no campaign is held")
        return
    for hold in holds:
        click.echo(f"campaign {hold['campaign_id']} held since {_local(hold['since'], tz)}: {hold['reason']} "
                   f"(fix it, then `jinli outbox release {hold['campaign_id']}`)")


def print_summary(summary: DispatchSummary, dry_run: bool) -> None:
    verb = "would send" if dry_run else "sent"
    click.echo(f"{verb} {summary.sent}, deferred {summary.deferred}, retried {summary.retried}, "
               f"failed {summary.failed}, stuck {summary.stuck}" + (f", held {summary.held}" if summary.held else ""))
    for reason, count in sorted(summary.suppressed.items()):
        click.echo(f"  suppressed {cli_format.REASON_LABELS.get(reason, reason)}: {count}")


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
    who = f"{person['name']} ({mask(person['phone'])})" if person["id"] else f"{mask(person['phone'])} (not a customer yet)"
    click.echo(f"{who}: {'opted out' if adding else 'opted back in'}")


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
