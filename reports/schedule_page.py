"""`jinli schedule` output: the computed days (campaigns.schedule) as JSON, a terminal table or a phone-sized page."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import jinja2

from campaigns.definitions import Campaign
from campaigns.schedule import CampaignDay, ScheduleDay
from reports.labels import REASONS, WEEKDAYS, labels
from reports.render import Table, to_text

TEMPLATES = Path(__file__).resolve().parent / "templates"


def schedule_data(days: list[ScheduleDay], campaigns: list[Campaign], *, only: str | None, cost_per_segment: float,
                  paused: dict[str, dict], held: list[dict], generated_at: datetime, language: str) -> dict:
    """The stable JSON shape of `jinli schedule --format json` (README "The schedule")."""
    names = {c.id: c.name for c in campaigns}
    order = {c.id: n for n, c in enumerate(campaigns)}
    out = [_day(d, names, order, only, cost_per_segment, language) for d in days]
    return {"from": days[0].on.isoformat() if days else None, "to": days[-1].on.isoformat() if days else None,
            "campaign": only, "generated_at": generated_at.isoformat(), "cost_per_segment": cost_per_segment,
            "paused": {cid: {"since": p["since"].isoformat(), "by": p["actor"], "reason": p["reason"]}
                       for cid, p in paused.items() if not only or cid == only},
            "held": [{"campaign": h["campaign_id"], "reason": h["reason"]} for h in held if not only or h["campaign_id"] == only],
            "days": out, "totals": _totals([c for d in out for c in d["campaigns"]], None, cost_per_segment)}


def _day(day: ScheduleDay, names: dict, order: dict, only: str | None, cost: float, language: str) -> dict:
    shown = [c for c in sorted(day.campaigns.values(), key=lambda c: (order.get(c.campaign_id, len(order)), c.campaign_id))
             if (not only or c.campaign_id == only) and (c.texts or c.excluded or c.failed)]
    recipients = set().union(*(c.recipients for c in shown))
    rows = [_campaign(c, names.get(c.campaign_id, c.campaign_id), cost) for c in shown]
    return {"date": day.on.isoformat(), "weekday": WEEKDAYS[language][day.on.weekday()],
            "send_until": day.send_until.isoformat(), "campaigns": rows, "totals": _totals(rows, len(recipients), cost)}


def _campaign(found: CampaignDay, name: str, cost: float) -> dict:
    return {"campaign": found.campaign_id, "name": name, "recipients": len(found.recipients), "texts": found.texts,
            "segments": found.segments, "cost": round(found.segments * cost, 2),
            "excluded": dict(sorted(found.excluded.items())), "failed": found.failed}


def _totals(rows: list[dict], recipients: int | None, cost: float) -> dict:
    segments = sum(r["segments"] for r in rows)
    found = {"texts": sum(r["texts"] for r in rows), "segments": segments, "cost": round(segments * cost, 2)}
    return found if recipients is None else {"recipients": recipients, **found}


def schedule_table(data: dict, language: str) -> str:
    """The schedule for a terminal: one row per day and campaign (a day without texts: one row)."""
    table, notes = schedule_rows(data, language)
    return to_text([table], notes)


def schedule_rows(data: dict, language: str) -> tuple[Table, list[str]]:
    """The schedule as one table (a row per day and campaign) and the lines below it (totals, pauses, holds)."""
    L, reasons = labels(language), REASONS[language]
    columns = [("date", L["date"]), ("weekday", L["weekday"]), ("campaign", L["campaign"]), ("recipients", L["recipients"]),
               ("texts", L["texts"]), ("segments", L["segments"]), ("cost", L["cost"]), ("excluded", L["excluded"])]
    rows = []
    for day in data["days"]:
        for c in day["campaigns"] or [{"campaign": L["no_texts"]}]:
            rows.append({"date": day["date"], "weekday": day["weekday"], "campaign": c["campaign"],
                         "recipients": c.get("recipients"), "texts": c.get("texts"), "segments": c.get("segments"),
                         "cost": c.get("cost"), "excluded": _reasons_text(c, reasons, L)})
    totals = data["totals"]
    title = f"{L['schedule']} {data['from']} – {data['to']}"
    notes = [f"{L['total']}: {totals['texts']} {L['unit_texts']}, {totals['segments']} {L['unit_segments']}, "
             f"¥{totals['cost']:.2f}"] + _banner_lines(data, L) + [L["schedule_note"]]
    kinds = {"recipients": "int", "texts": "int", "segments": "int", "cost": "ratio"}
    return Table(title, columns, rows, kinds, whole=("date",)), notes


def _reasons_text(row: dict, reasons: dict, L: dict) -> str:
    parts = [f"{reasons.get(r, r)} {n}" for r, n in (row.get("excluded") or {}).items()]
    if row.get("failed"):
        parts.append(f"{L['planning_failed']}: {row['failed']}")
    return ", ".join(parts)


def _banner_lines(data: dict, L: dict) -> list[str]:
    lines = [f"{L['paused_campaigns']}: {cid} ({p['by']}, {p['since'][:16]}{', ' + p['reason'] if p['reason'] else ''})"
             for cid, p in data["paused"].items()]
    return lines + [f"{L['held_campaigns']}: {h['campaign']} ({h['reason']})" for h in data["held"]]


def schedule_html(data: dict, language: str) -> str:
    """The schedule as a self-contained page a manager reads on a phone: one card per day."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["md"] = lambda iso: _month_day(date.fromisoformat(iso), language)
    return env.get_template("schedule.html.j2").render(data=data, L=labels(language), reasons=REASONS[language],
                                                       lang="zh-CN" if language == "zh" else "en")


def _month_day(day: date, language: str) -> str:
    return f"{day.month}月{day.day}日" if language == "zh" else day.strftime("%b %-d")
