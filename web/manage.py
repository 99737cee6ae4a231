"""The manager's screen (Flask blueprint ``manage``, under /manage/): reports for managers and admins.

The funnel (drawn in the browser by the vendored Chart.js from the table's own numbers), the referral
leaderboard, visits before conversion and the 72-hour follow-up list, each filterable by period, campaign,
event, salon, store and tier (a manager's always within their stores), each downloadable as .xlsx and CSV;
the campaigns with their status and last run; customers, referrals waiting to be linked, and the staff list.
Figures come from reports/: the pages, the files and `jinli report` agree.
"""

from __future__ import annotations

import os

from flask import Blueprint, redirect, render_template, request, url_for

from messaging.optouts import opt_out
from records import audit
from records.event_config import event_settings
from reports.funnel import GROUPINGS
from web import manage_customers, manage_data as data, manage_links
from web.auth import auth, current_staff, require
from reports.labels import REASONS
from reports.schedule_page import schedule_rows
from web.manage_view import download as download_file, env, filtered, page, report_file, times_in

MANAGERS = lambda staff: staff.can_manage  # noqa: E731
ADMINS = lambda staff: staff.is_admin  # noqa: E731
STATIC = os.path.join(os.path.dirname(__file__), "static")


def manage_blueprint(app, token: str | None = None) -> Blueprint:
    """The manager's pages (``app`` and ``token`` are the auth blueprint's; kept for symmetry)."""
    bp = Blueprint("manage", __name__, url_prefix="/manage", template_folder="templates", static_folder=STATIC)
    for path, (name, view) in {"/": ("home", home), "/funnel": ("funnel", funnel_page),
                               "/referrals": ("referrals", referrals_page), "/visits": ("visits", visits_page),
                               "/followups": ("followups", followups_page), "/campaigns": ("campaigns", campaigns_page),
                               **manage_customers.ROUTES, **manage_links.ROUTES}.items():
        bp.add_url_rule(path, name, require(MANAGERS)(view), methods=["GET"])
    for report in REPORTS:
        for fmt in ("csv", "xlsx"):
            bp.add_url_rule(f"/{report}.{fmt}", f"{report}_{fmt}", require(MANAGERS)(_file(report, fmt)), methods=["GET"])
    for fmt in ("csv", "xlsx"):
        bp.add_url_rule(f"/schedule.{fmt}", f"schedule_{fmt}", require(MANAGERS)(_schedule_file(fmt)), methods=["GET"])
    bp.add_url_rule("/optout", "optout", require(MANAGERS)(optout), methods=["POST"])
    for path, (name, view) in manage_links.POSTS.items():
        bp.add_url_rule(path, name, require(MANAGERS)(view), methods=["POST"])
    bp.add_url_rule("/staff", "staff", require(ADMINS)(manage_customers.staff_page), methods=["GET"])
    bp.context_processor(lambda: {"times_in": times_in(env()[1])})
    return bp


def home():
    return redirect(url_for("manage.funnel"), code=303)


def _by() -> str:
    by = request.args.get("by", "event")
    return by if by in GROUPINGS else "event"


def _funnel(conn, picked, L):
    app = auth().app
    return data.funnel_tables(conn, picked.filt, _by(), app.settings.tz, event_settings(app.settings).count_sent_as_delivered, L)


def funnel_page():
    def view(conn, picked, t, L):
        report, steps, groups = _funnel(conn, picked, L)
        return page("manage/funnel.html", conn, picked, t, L, steps=steps, groups=groups, chart=data.funnel_chart(steps, L),
                    by=_by(), groupings=GROUPINGS, total=report.total)
    return filtered(view)


def _followups(conn, picked, L):
    app = auth().app
    hours = event_settings(app.settings).followup_hours
    return data.followups_table(conn, picked.filt, app.now(), hours, app.settings.tz, L)


def _tz():
    return auth().app.settings.tz


# Each report's tables, the first one being the CSV file's (a workbook has them all, one sheet each).
REPORTS = {
    "funnel": lambda conn, picked, L: list(reversed(_funnel(conn, picked, L)[1:])),
    "referrals": lambda conn, picked, L: [data.leaders_table(conn, picked.filt, _tz(), L),
                                          data.viral_table(conn, picked.filt, _tz(), L)],
    "visits": lambda conn, picked, L: [data.visits_table(conn, picked.filt, _tz(), L)[0]],
    "followups": lambda conn, picked, L: [_followups(conn, picked, L)],
}


def _file(report: str, fmt: str):
    def download():
        return filtered(lambda conn, picked, t, L: report_file(REPORTS[report](conn, picked, L), report, picked, fmt, t, L))
    download.__name__ = f"{report}_{fmt}"
    return download


def referrals_page():
    def view(conn, picked, t, L):
        return page("manage/referrals.html", conn, picked, t, L, leaders=data.leaders_table(conn, picked.filt, _tz(), L),
                    viral=data.viral_table(conn, picked.filt, _tz(), L),
                    unlinked=manage_links.waiting(conn, picked.filt.stores, _tz()))
    return filtered(view)


def visits_page():
    def view(conn, picked, t, L):
        table, report = data.visits_table(conn, picked.filt, _tz(), L)
        return page("manage/visits.html", conn, picked, t, L, histogram=table, report=report)
    return filtered(view)


def followups_page():
    return filtered(lambda conn, picked, t, L: page("manage/followups.html", conn, picked, t, L,
                                                    calls=_followups(conn, picked, L)))


def campaigns_page():
    app, t, L = env()
    with app.engine.connect() as conn:
        rows = data.campaign_rows(conn, app.settings.campaigns_path, app.settings.tz)
    schedule = data.send_schedule(app)
    return render_template("manage/campaigns.html", rows=rows, L=L, tz=app.settings.site.timezone, picked=None,
                           stated=[_schedule_period(schedule, t)], options=None, schedule=schedule,
                           reasons=REASONS[app.settings.site.language])


def _schedule_period(schedule: dict, t: dict) -> str:
    return f"{t['period']}: {schedule['from']} — {schedule['to']}"


def _schedule_file(fmt: str):
    """The send schedule as `jinli schedule --format xlsx|csv` writes it, its period and clock on top of the workbook."""
    def download():
        app, t, _ = env()
        schedule = data.send_schedule(app)
        table, notes = schedule_rows(schedule, app.settings.site.language)
        lines = [_schedule_period(schedule, t), times_in(t), *notes]
        return download_file([table], "schedule", f"{schedule['from']}_{schedule['to']}", fmt, lines)
    download.__name__ = f"schedule_{fmt}"
    return download


def optout():
    """A manager records a customer's wish to receive no more texts (a call on the follow-up list)."""
    app, t, _ = env()
    customer_id = request.form.get("customer_id", "")
    if not customer_id.isdigit() or len(customer_id) > 9:
        return render_template("message.html", message=t["filter_refused"].format(value=customer_id)), 400
    with app.engine.begin() as conn:
        person = manage_customers.seen(conn, int(customer_id))
        if person is None:
            return render_template("message.html", message=t["forbidden"]), 403
        opt_out(conn, person["id"], person["phone"], "staff", app.now(), "web")
        audit.record(conn, actor=current_staff().actor, action="optout.add", subject="customer", subject_id=person["id"],
                     customer_id=person["id"], reason=request.form.get("reason", "")[:200], now=app.now())
    return redirect(url_for("manage.followups", **request.args), code=303)
