"""What the manager's pages show, built from the reports' own functions: tables (reports.render.Table), the
funnel's bars, the campaigns' status. One definition per figure: the CLI, the files and the pages agree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from campaigns.definitions import load_campaigns
from messaging.holds import list_holds
from domain.phone import mask
from records import models
from records.planning_errors import last_errors
from reports import followups, funnel, referrals, visits
from reports.funnel_output import groups_table, steps_table
from reports.render import Table

runs_t = models.PlanningRun.__table__


def funnel_tables(conn: Connection, filt, by: str, tz, count_sent: bool, L: dict):
    """The funnel report, its steps table and its grouped table."""
    report = funnel.funnel(conn, filt, by, tz, count_sent)
    return report, steps_table(report, L), groups_table(report, L)


def funnel_chart(steps: Table, L: dict) -> dict:
    """The chart's data, read off the steps table itself (so chart and table cannot disagree): each step's label,
    count and share of invited (占邀请, the one attendance rate a chart shows; None where the table shows –)."""
    rows = [row for row in steps.rows if row["count"] is not None]
    return {"labels": [row["step"] for row in rows], "counts": [row["count"] for row in rows],
            "of_invited": [None if row["of_invited"] is None else round(row["of_invited"] * 100, 1) for row in rows],
            "count_label": L["customers"], "rate_label": L["of_invited"]}


def leaders_table(conn: Connection, filt, tz, L: dict) -> Table:
    rows = [{**x.as_dict(), "phone": mask(x.phone)} for x in referrals.leaderboard(conn, filt, tz, 20)]
    columns = [("rank", L["rank"]), ("name", L["name"]), ("phone", L["phone"]), ("referrals", L["referrals"]),
               ("converted", L["converted"]), ("deposits_fen", L["deposits_fen"]), ("downline", L["downline"])]
    kinds = {"rank": "int", "referrals": "int", "converted": "int", "deposits_fen": "fen", "downline": "int"}
    return Table(L["referrals_report"], columns, rows, kinds)


def viral_table(conn: Connection, filt, tz, L: dict) -> Table:
    rows = [v.as_dict() for v in referrals.viral(conn, filt, tz, "salon")]
    for row in rows:  # an event without a slogan is grouped by its kind: salon, banquet, event in the shop's words
        row["key"] = L.get(f"kind_{row['key']}", row["key"])
    columns = [("key", L["salon"]), ("attendees", L["attendees"]), ("referrers", L["referrers"]),
               ("referrals", L["referrals"]), ("converted", L["converted"]), ("viral", L["viral"])]
    kinds = {"attendees": "int", "referrers": "int", "referrals": "int", "converted": "int", "viral": "ratio"}
    return Table(L["viral"], columns, rows, kinds)


def visits_table(conn: Connection, filt, tz, L: dict) -> tuple[Table, object]:
    """Visits before conversion of the period's first deposits, customers of the chosen stores."""
    report = visits.visits_before_conversion(conn, tz, filt.date_from, filt.date_to, filt.stores)
    columns = [("visits", L["visits"]), ("conversions", L["conversions"]), ("share", L["share"]),
               ("cumulative", L["cumulative"])]
    kinds = {"visits": "int", "conversions": "int", "share": "pct", "cumulative": "pct"}
    return Table(L["visits_report"], columns, report.rows(), kinds), report


def followups_table(conn: Connection, filt, now: datetime, hours: int, tz, L: dict) -> Table:
    """The call list: whole phones (staff call them), time left, referrer."""
    found = followups.followup_candidates(conn, filt.event_id, now, hours, tz, filt.event_ids(tz))
    rows = [{**c.as_dict(), "checked_in_at": c.checked_in_at.astimezone(tz).strftime("%m-%d %H:%M"),
             "opted_out": L["opted_out"] if c.opted_out else ""} for c in found]
    columns = [("name", L["name"]), ("phone", L["phone"]), ("tier", L["tier"]), ("event_title", L["event"]),
               ("checked_in_at", L["checked_in_at"]), ("hours_left", L["hours_left"]), ("referrer_name", L["referrer"]),
               ("opted_out", L["opted_out"])]
    return Table(L["followups"], columns, rows, {"hours_left": "ratio"})


def campaign_rows(conn: Connection, folder, tz) -> list[dict]:
    """Each campaign file: active or paused (enabled), held sends, the last planning run and error."""
    campaigns, problems = load_campaigns(folder)
    holds = {h["campaign_id"]: h for h in list_holds(conn)}
    errors = last_errors(conn)
    r = runs_t.c
    latest = select(r.campaign_id, func.max(r.ran_at).label("ran_at")).group_by(r.campaign_id).subquery()
    runs = {row.campaign_id: row for row in conn.execute(
        select(r.campaign_id, r.day, r.outcome, r.planned, r.ran_at)
        .join(latest, (latest.c.campaign_id == r.campaign_id) & (latest.c.ran_at == r.ran_at)))}
    return [{"id": c.id, "name": c.name, "kind": c.kind, "enabled": c.enabled, "held": holds.get(c.id),
             "run": runs.get(c.id), "ran_at": _local(runs[c.id].ran_at, tz) if c.id in runs else "",
             "error": errors.get(c.id)} for c in campaigns] + [{"problem": p} for p in problems]


def _local(at: datetime, tz) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def send_schedule(app, days: int = 14) -> dict:
    """What goes out in the next ``days`` days: `jinli schedule`'s own computation and JSON shape (nothing written)."""
    from campaigns.commands import _runnable_campaigns
    from campaigns.planning import Planner
    from campaigns.schedule import compute_schedule
    from messaging.pauses import pauses
    from reports.schedule_page import schedule_data

    planner = Planner.from_settings(app.settings)
    campaigns = _runnable_campaigns(app, planner, None)
    found = compute_schedule(app.engine, planner, campaigns, app.today(), days)
    with app.engine.connect() as conn:
        paused, held = pauses(conn), list_holds(conn)
    return schedule_data(found, campaigns, only=None, cost_per_segment=app.settings.sms.cost_per_segment, paused=paused,
                         held=held, generated_at=app.now().astimezone(app.settings.tz), language=app.settings.site.language)
