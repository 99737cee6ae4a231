"""What `jinli campaigns list|validate|preview` and `jinli run` print, in the site's language (or JSON)."""

from __future__ import annotations

from datetime import date

import click

from cli_output import columns, show
from cli_text import reason, said, text, word
from reports.render import Table, to_json


def campaign_list(rows: list[dict], problems: list[str], fmt: str, output: str | None) -> None:
    """One row per campaign: id, name, kind, tiers, priority, state and the next occurrences; failures below."""
    shown = [{"id": row["id"], "name_campaign": row["name"], "kind": word("kind", row["kind"]), "tiers": row["tiers"],
              "priority": row["priority"], "state": _state(row), "next": _next(row["next"], fmt)} for row in rows]
    notes = [text("planning_failed_line", campaign=row["id"], **row["last_planning_error"])
             for row in rows if row.get("last_planning_error")]
    keys = ("id", "name_campaign", "kind", "tiers", "state", "next")  # the terminal's table leaves priority to the files
    table = Table(text("campaigns_title", count=len(rows)), columns(*keys, *(() if fmt == "table" else ("priority",))),
                  shown, {"priority": "int"}, whole=("id", "next"))
    show(fmt, output, data={"campaigns": rows, "invalid": problems}, tables=[table], title=table.title,
         notes=notes, empty=text("no_campaigns"))
    for problem in problems:
        click.echo(text("invalid_line", problem=said(problem)), err=True)


def _next(upcoming: list[str], fmt: str) -> str:
    """The next days with their steps ("2026-12-01 greeting planner"); on a terminal the days alone, one a line."""
    return "\n".join(line.split(" ")[0] for line in upcoming) if fmt == "table" else "; ".join(upcoming)


def _state(row: dict) -> str:
    paused = row.get("paused")
    if paused:
        why = text("paused_reason", reason=paused["reason"]) if paused["reason"] else ""
        return text("paused_since", since=paused["since"][:16], by=paused["by"], reason=why)
    state = text("enabled" if row["enabled"] else "disabled")
    return state if row["next"] or not row["enabled"] else f"{state} · {text('no_occurrence')}"


def validated(campaigns: list, problems: list[str], warnings: list[str], fmt: str) -> None:
    """`campaigns validate`: JSON, or the warnings and problems (as raised) on stderr and one line of ids."""
    if fmt == "json":
        click.echo(to_json({"ok": not problems, "campaigns": [c.id for c in campaigns], "problems": problems,
                            "warnings": warnings}))
        return
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in problems:
        click.echo(said(problem), err=True)
    if not problems:
        click.echo(text("campaigns_ok", count=len(campaigns), ids=", ".join(c.id for c in campaigns)))


def run_json(day: date, planned, dispatched, dry_run: bool) -> dict:
    """`run --json`: the run's summary as one object (counts as numbers, reasons by their keys)."""
    data = {"date": day.isoformat(), "dry_run": dry_run, "occurrences": planned.occurrences, "planned": planned.planned,
            "already_planned": planned.already_planned, "suppressed": dict(sorted(planned.suppressed.items())),
            "not_targeted": dict(sorted(planned.excluded.items())), "preempted": dict(sorted(planned.preempted.items())),
            "paused": list(planned.paused), "failed": dict(sorted(planned.failed.items())), "dispatched": None}
    if dispatched is not None:
        data["dispatched"] = {"sent": dispatched.sent, "deferred": dispatched.deferred, "retried": dispatched.retried,
                              "failed": dispatched.failed, "stuck": dispatched.stuck, "held": dispatched.held,
                              "suppressed": dict(sorted(dispatched.suppressed.items()))}
    return data


def run_summary(day: date, planned, dispatched, dry_run: bool, fmt: str) -> None:
    for campaign_id, error in sorted(planned.failed.items()):
        click.echo(text("planning_failed_skipped", campaign=campaign_id, error=error), err=True)
    if fmt == "json":
        click.echo(to_json(run_json(day, planned, dispatched, dry_run)))
        return
    lines = [text("run_for_dry" if dry_run else "run_for", day=day.isoformat()),
             text("run_planned", planned=planned.planned, occurrences=planned.occurrences,
                  already=planned.already_planned)]
    lines += [text("run_suppressed", reason=reason(r), count=n) for r, n in sorted(planned.suppressed.items())]
    lines += [text("run_not_targeted", reason=reason(r), count=n) for r, n in sorted(planned.excluded.items())]
    lines += [text("run_preempted", reason=reason("cap_preempted"), campaign=c, count=n)
              for c, n in sorted(planned.preempted.items())]
    lines += [text("run_paused", campaign=c) for c in planned.paused]
    if planned.failed:
        lines.append(text("run_failed", count=len(planned.failed)))
    if dispatched is not None:
        lines.append(text("run_sent", sent=dispatched.sent, deferred=dispatched.deferred, retried=dispatched.retried,
                          failed=dispatched.failed))
        lines += [text("run_suppressed_at_send", reason=reason(r), count=n) for r, n in sorted(dispatched.suppressed.items())]
    click.echo(lines[0])
    for line in lines[1:]:
        click.echo(f"  {line}")


def preview(data: dict, fmt: str) -> None:
    if fmt == "json":
        click.echo(to_json(data))
        return
    if not data["occurrences"]:
        click.echo(text("preview_nothing", campaign=data["campaign"], day=data["date"]))
    for occ in data["occurrences"]:
        totals = occ["totals"]
        click.echo("\n" + text("preview_occurrence", key=occ["key"], template=occ["template"], cls=occ["message_class"],
                               at=occ["send_at"], recipients=totals["recipients"], segments=totals["segments"],
                               cost=f"{totals['cost']:.2f}", excluded=totals["excluded"]))
        for r in occ["recipients"]:
            click.echo(f"  {_recipient_line(r)}\n      {r['text']}")
            for finding in r.get("lint", []):
                click.echo(f"      {finding['level']}: {finding['category']}: {', '.join(finding['words'])}")
        _excluded(occ["excluded"])


def _excluded(excluded: list[dict]) -> None:
    counts: dict[str, int] = {}
    for e in excluded:
        counts[e["reason"]] = counts.get(e["reason"], 0) + 1
    for why, count in sorted(counts.items()):
        names = text("list_sep").join([e["name"] for e in excluded if e["reason"] == why][:8])
        click.echo("  " + text("preview_excluded", reason=reason(why), count=count,
                                names=names + (text("list_sep") + "…" if count > 8 else "")))
        detail = next((e["detail"] for e in excluded if e["reason"] == why and e.get("detail")), None)
        if detail:
            click.echo(f"      {detail}")


def _recipient_line(r: dict) -> str:
    """name [tier] phone · segments · gateway template-code · cost (· deferred daily_cap → when)."""
    code = f" {r['template_code']}" if r.get("template_code") else ""
    line = text("preview_recipient", name=r["name"], tier=r["tier"], phone=r["phone"], segments=r["segments"],
                gateway=r["gateway"] + code, cost=f"{r['cost']:.2f}")
    if r.get("deferred"):
        line += " · " + text("preview_deferred", reason=reason(r["deferred"]), at=r["send_at"])
    return line
