"""What every page of the manager's screen shares: its words, the filters of the request, the page frame and the
downloads (CSV with a BOM for Excel, and .xlsx through reports.xlsx), each stating its period and filters on top."""

from __future__ import annotations

from flask import Response, render_template, request

from reports.labels import labels as report_labels
from reports.render import BOM, Table, to_csv
from reports.xlsx import to_xlsx
from web.auth import auth, current_staff
from web.i18n import labels, zone_words
from web.manage_filters import Chosen, FilterRefused, choices, chosen, stated

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def env():
    """The App, the page labels and the report labels of the shop's language."""
    app = auth().app
    return app, labels(app.settings.site.language), report_labels(app.settings.site.language)


def refused(t: dict, value: str):
    return render_template("message.html", message=t["filter_refused"].format(value=value)), 400


def filtered(view):
    """Run ``view(conn, chosen, t, L)`` under the request's filters; a refused filter is a 400 page in words."""
    app, t, L = env()
    try:
        picked = chosen(request.args, current_staff())
    except FilterRefused as exc:
        return refused(t, exc.args[0])
    with app.engine.connect() as conn:
        return view(conn, picked, t, L)


def page(template: str, conn, picked: Chosen, t, L, **context):
    """A filtered report page: the filters' choices, the stated period and filters, the shop's time zone."""
    app = auth().app
    return render_template(template, picked=picked, stated=stated(picked, current_staff(), t, L),
                           options=choices(conn, current_staff(), app.settings.tz), L=L,
                           tz=app.settings.site.timezone, **context)


def heading(picked: Chosen, t: dict, L: dict) -> list[str]:
    """The lines on top of a downloaded file: period, filters, time zone."""
    return stated(picked, current_staff(), t, L) + [times_in(t)]


def times_in(t: dict) -> str:
    """The line saying in which clock the times are: 时间均为北京时间（UTC+08:00）."""
    app = auth().app
    return t["times_in"].format(tz=zone_words(app.settings.site.timezone, app.settings.site.language, app.now()))


def download(tables: list[Table], name: str, period: str, fmt: str, lines: list[str]) -> Response:
    """``tables`` as a workbook (one sheet each, ``lines`` on top) or the first as CSV (UTF-8 with BOM, for Excel)."""
    disposition = {"Content-Disposition": f'attachment; filename="{name}_{period}.{fmt}"'}
    if fmt == "xlsx":
        return Response(to_xlsx(tables, lines), mimetype=XLSX, headers=disposition)
    return Response(BOM + to_csv(tables[0]), mimetype="text/csv", headers=disposition)


def period_of(picked: Chosen) -> str:
    return "_".join(v for v in (picked.raw["from"], picked.raw["to"]) if v) or "all"


def report_file(tables, name: str, picked: Chosen, fmt: str, t: dict, L: dict) -> Response:
    """A filtered report's download, named by the report and its period."""
    return download(tables, name, period_of(picked), fmt, heading(picked, t, L))
