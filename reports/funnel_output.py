"""The funnel report in each format: steps with rates, one row per group, charts in HTML and PNG."""

from __future__ import annotations

from datetime import datetime

from reports import charts
from reports.funnel import PREVIOUS, STEPS, FunnelReport, FunnelRow
from reports.labels import labels
from reports.render import Table, html_document, to_csv, to_json, to_text


def steps_table(report: FunnelReport, L: dict) -> Table:
    """The total as a vertical funnel: each step, its count, its rate on the step before and on invited."""
    t = report.total
    rows = [{"step": L[s], "count": getattr(t, s), "rate": t.rate(s) if s in PREVIOUS else None,
             "of_invited": t.of_invited(s)} for s in STEPS]
    rows.insert(4, {"step": L["walk_ins"], "count": t.walk_ins, "rate": None, "of_invited": None})
    rows.append({"step": L["deposits_fen"], "count": None, "rate": None, "of_invited": None, "money": t.deposits_fen})
    for row in rows:
        row.setdefault("money", None)
    columns = [("step", L["funnel"]), ("count", L["customers"]), ("rate", L["rate"]), ("of_invited", L["of_invited"]),
               ("money", L["deposits_fen"])]
    return Table(L["funnel"], columns, rows, {"count": "int", "rate": "pct", "of_invited": "pct", "money": "fen"})


def groups_table(report: FunnelReport, L: dict) -> Table:
    """One row per group: every count and each step's rate on the step before."""
    columns, kinds = [("key", L.get(report.by or "key", L["key"]))], {}
    for step in STEPS:
        columns.append((step, L[step]))
        kinds[step] = "int"
        if step in PREVIOUS:  # named by both steps: 到场/确认参加 is not the chart's 到场/邀请
            columns.append((f"{step}_rate", rate_label(step, L)))
            kinds[f"{step}_rate"] = "pct"
        if step == "attended":
            columns.append(("walk_ins", L["walk_ins"]))
            kinds["walk_ins"] = "int"
    columns.append(("deposits_fen", L["deposits_fen"]))
    kinds["deposits_fen"] = "fen"
    for name in ("rewards_owed", "rewards_given"):
        columns.append((name, L[name]))
        kinds[name] = "int"
    rows = [_group_row(row) for row in [*report.rows, report.total]]
    rows[-1]["key"] = L["total"]  # the total row's label in the report's language, not the internal key
    if report.by in ("kind", "salon"):  # salon, banquet, event in the report's language (JSON keeps the internal key);
        # an event without a slogan is grouped by its kind under "salon"
        for row in rows[:-1]:
            row["key"] = L.get(f"kind_{row['key']}", row["key"])
    return Table(f"{L['funnel']} · {L.get(report.by, '')}", columns, rows, kinds)


def rate_label(step: str, L: dict) -> str:
    """A step's rate on the step before, named by both: e.g. 到场/确认参加."""
    return f"{L[step]}/{L[PREVIOUS[step]]}"


def _group_row(row: FunnelRow) -> dict:
    data = {"key": row.key, "walk_ins": row.walk_ins, "deposits_fen": row.deposits_fen,
            "rewards_owed": row.rewards_owed, "rewards_given": row.rewards_given}
    for step in STEPS:
        data[step] = getattr(row, step)
        if step in PREVIOUS:
            data[f"{step}_rate"] = row.rate(step)
    return data


def funnel_json(report: FunnelReport) -> dict:
    return {"by": report.by, "filters": report.filters, "total": report.total.as_dict(),
            "groups": [row.as_dict() for row in report.rows], "weeks": [row.as_dict() for row in report.trend]}


def render_funnel(report: FunnelReport, fmt: str, language: str, now: datetime | None = None) -> str | bytes:
    """The report as table, csv, json, html (text) or png, xlsx (bytes)."""
    L = labels(language)
    if fmt == "json":
        return to_json(funnel_json(report))
    if fmt == "png":
        return charts.render_chart(report, L, language, "png")
    tables = [steps_table(report, L)] + ([groups_table(report, L)] if report.by else [])
    if fmt == "csv":
        return to_csv(groups_table(report, L) if report.by else steps_table(report, L))
    if fmt == "table":
        return to_text(tables, [_filters_line(report, L)])
    if fmt == "xlsx":
        from reports.xlsx import to_xlsx
        return to_xlsx(tables + [_weeks_table(report, L)], [_filters_line(report, L), _period_line(report, L)])
    svgs = [charts.inline_svg(report, L, language, "funnel"), charts.inline_svg(report, L, language, "trend")]
    meta = [_filters_line(report, L)] + ([f"{L['generated']}: {now:%Y-%m-%d %H:%M} UTC"] if now else [])
    return html_document(L["funnel"], meta, svgs, tables + [_weeks_table(report, L)], language)


def _weeks_table(report: FunnelReport, L: dict) -> Table:
    weekly = FunnelReport("week", report.filters, report.trend, report.total, report.trend)
    table = groups_table(weekly, L)
    table.title = L["trend"]
    return table


def _period_line(report: FunnelReport, L: dict) -> str:
    start, end = report.filters.get("date_from"), report.filters.get("date_to")
    return f"{L['period']}: {start or '…'} – {end or '…'}" if start or end else f"{L['period']}: {L['all']}"


def _filters_line(report: FunnelReport, L: dict) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in report.filters.items()) or L["none"]
    return f"{L['filters']}: {shown}"
