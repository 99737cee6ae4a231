"""What `jinli outbox list|stuck|send|reconcile` print: tables, JSON and summaries in the site's language, phones masked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click

from cli_output import columns, show
from cli_text import reason, text, word
from domain.phone import mask
from redaction import redact
from reports.render import Table


def _local(at: datetime | None, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else "-"


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def message_json(r) -> dict:
    """One outbox message for machines: English keys, ISO instants, the phone masked."""
    return {"id": r["id"], "phone": mask(r["phone"]), "campaign": r["campaign_id"], "step": r["step"],
            "state": r["state"], "reason": redact(r["reason"]) if r["reason"] else None, "error_code": r["error_code"],
            "due_at": _iso(r["due_at"]), "sending_at": _iso(r["sending_at"]), "sent_at": _iso(r["sent_at"])}


def hold_json(hold: dict) -> dict:
    return {"campaign": hold["campaign_id"], "since": _iso(hold["since"]), "reason": hold["reason"]}


def _why(r) -> str:
    """The reason a message is where it is: a known reason in words, else the provider's text (redacted)."""
    raw = r["reason"] or r["error_code"] or ""
    return reason(raw) if raw else ""


def print_messages(rows, holds: list[dict], tz: ZoneInfo, fmt: str, output: str | None) -> None:
    shown = [{"id": r["id"], "phone": mask(r["phone"]), "campaign": r["campaign_id"], "step": r["step"],
              "state": word("state", r["state"]), "due": _local(r["due_at"], tz), "sent": _local(r["sent_at"], tz),
              "reason": redact(_why(r))} for r in rows]
    table = Table(text("outbox_title"), columns("id", "phone", "campaign", "step", "state", "due", "sent", "reason"),
                  shown, {"id": "int"}, whole=("phone",))
    show(fmt, output, data={"messages": [message_json(r) for r in rows], "holds": [hold_json(h) for h in holds]},
         tables=[table], title=text("outbox_title"), empty=text("no_messages"), notes=hold_lines(holds, tz))


def print_stuck(rows, tz: ZoneInfo, fmt: str, output: str | None) -> None:
    shown = [{"id": r["id"], "phone": mask(r["phone"]), "campaign": r["campaign_id"], "step": r["step"],
              "since": _local(r["sending_at"], tz), "reason": redact(r["reason"] or text("no_answer_recorded"))}
             for r in rows]
    table = Table(text("stuck_title"), columns("id", "phone", "campaign", "step", "since", "reason"), shown, {"id": "int"},
                  whole=("phone",))
    show(fmt, output, data={"messages": [message_json(r) for r in rows]}, tables=[table], title=text("stuck_title"),
         empty=text("none_stuck"), notes=[text("stuck_hint")] if rows else [])


def hold_lines(holds: list[dict], tz: ZoneInfo) -> list[str]:
    return [text("held_line", campaign=h["campaign_id"], since=_local(h["since"], tz), reason=h["reason"]) for h in holds]


def print_holds(holds: list[dict], tz: ZoneInfo) -> None:
    for line in hold_lines(holds, tz) or [text("none_held")]:
        click.echo(line)


def print_summary(summary, dry_run: bool) -> None:
    """`outbox send`'s one-line summary, then one line per suppression reason."""
    key = "send_summary_dry" if dry_run else "send_summary"
    click.echo(text(key, sent=summary.sent, deferred=summary.deferred, retried=summary.retried, failed=summary.failed,
                    stuck=summary.stuck) + (text("held_part", held=summary.held) if summary.held else ""))
    for why, count in sorted(summary.suppressed.items()):
        click.echo("  " + text("suppressed_line", reason=reason(why), count=count))


def print_reconcile(stuck: dict, reports: dict) -> None:
    click.echo(text("reconcile_stuck") + text("list_sep").join(
        f"{text('reconcile_' + key)} {stuck[key]}" for key in ("sent", "planned", "waiting", "review", "moved")))
    click.echo(text("reconcile_reports", checked=reports["checked"], updated=reports["updated"]))
    if reports["pulled_receipts"] or reports["pulled_replies"]:
        click.echo(text("reconcile_pulled", receipts=reports["pulled_receipts"], replies=reports["pulled_replies"]))


def print_opt_outs(rows: list[dict], tz: ZoneInfo, fmt: str, output: str | None) -> None:
    shown = [{"phone": mask(r["phone"]), "customer": r["customer_id"], "name": r["name"] or "",
              "source": word("source", r["source"]), "at": _local(r["at"], tz), "detail": r["detail"] or ""} for r in rows]
    data = {"opt_outs": [{"phone": mask(r["phone"]), "customer_id": r["customer_id"], "name": r["name"],
                          "source": r["source"], "at": _iso(r["at"]), "detail": r["detail"] or ""} for r in rows]}
    table = Table(text("optouts_title", count=len(rows)), columns("phone", "customer", "name", "source", "at", "detail"),
                  shown, {"customer": "int"}, whole=("phone",))
    show(fmt, output, data=data, tables=[table], title=text("optouts_title", count=len(rows)), empty=text("no_optouts"))


def print_opt_out_history(person: dict, events: list[dict], opted_out: bool, tz: ZoneInfo, fmt: str,
                          output: str | None) -> None:
    who = {"id": person["id"], "name": person["name"] or None, "phone": mask(person["phone"])}
    data = {"customer": who, "opted_out": opted_out,
            "events": [{"action": e["action"], "source": e["source"], "at": _iso(e["at"]), "detail": e["detail"] or ""}
                       for e in events]}
    shown = [{"at": _local(e["at"], tz), "action": word("action", e["action"]), "source": word("source", e["source"]),
              "detail": e["detail"] or ""} for e in events]
    title = f"{person['name'] or ''} {mask(person['phone'])}: " + text("state_opted_out" if opted_out else "state_may_text")
    show(fmt, output, data=data, tables=[Table(title.strip(), columns("at", "action", "source", "detail"), shown)],
         title=title, empty=title + "\n" + text("no_optout_events"))
