"""The manager's screen (Flask blueprint ``manage``, under /manage/): reports for managers and admins.

The funnel, the referral leaderboard, visits before conversion and the 72-hour follow-up list, each
filterable by period, campaign, event, salon, store and tier (a manager's always within their stores),
each downloadable as CSV; the campaigns with their status and last run. Figures come from reports/:
the pages, the files and `jinli report` agree.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for

from messaging.optouts import opt_out
from records import audit
from records.event_config import event_settings
from reports.funnel import GROUPINGS
from reports.labels import labels as report_labels
from reports.render import to_csv
from web import door, manage_data as data
from web.auth import auth, current_staff, require
from web.i18n import labels
from web.manage_filters import FilterRefused, choices, chosen, stated

MANAGERS = lambda staff: staff.can_manage  # noqa: E731


def manage_blueprint(app, token: str | None = None) -> Blueprint:
    """The manager's pages (``app`` and ``token`` are the auth blueprint's; kept for symmetry)."""
    bp = Blueprint("manage", __name__, url_prefix="/manage", template_folder="templates")
    routes = {"/": ("home", home), "/funnel": ("funnel", funnel_page), "/funnel.csv": ("funnel_csv", funnel_csv),
              "/referrals": ("referrals", referrals_page), "/referrals.csv": ("referrals_csv", referrals_csv),
              "/visits": ("visits", visits_page), "/visits.csv": ("visits_csv", visits_csv),
              "/followups": ("followups", followups_page), "/followups.csv": ("followups_csv", followups_csv),
              "/campaigns": ("campaigns", campaigns_page)}
    for path, (name, view) in routes.items():
        bp.add_url_rule(path, name, require(MANAGERS)(view), methods=["GET"])
    bp.add_url_rule("/optout", "optout", require(MANAGERS)(optout), methods=["POST"])
    return bp


def _env():
    app = auth().app
    return app, labels(app.settings.site.language), report_labels(app.settings.site.language)


def _filtered(view):
    """Run ``view(conn, chosen, t, L)`` under the request's filters; a refused filter is a 400 page in words."""
    app, t, L = _env()
    try:
        picked = chosen(request.args, current_staff())
    except FilterRefused as exc:
        return render_template("message.html", message=t["filter_refused"].format(value=exc.args[0])), 400
    with app.engine.connect() as conn:
        return view(conn, picked, t, L)


def _page(template: str, conn, picked, t, L, **context):
    app = auth().app
    return render_template(template, picked=picked, stated=stated(picked, current_staff(), t, L),
                           options=choices(conn, current_staff(), app.settings.tz), L=L,
                           tz=app.settings.site.timezone, **context)


def _csv(table, name: str, picked) -> Response:
    """A table as CSV for Excel (UTF-8 with BOM), named by the report and its period."""
    period = "_".join(v for v in (picked.raw["from"], picked.raw["to"]) if v) or "all"
    return Response("\ufeff" + to_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}_{period}.csv"'})


def home():
    return redirect(url_for("manage.funnel"), code=303)


def _by() -> str:
    by = request.args.get("by", "event")
    return by if by in GROUPINGS else "event"


def funnel_page():
    app = auth().app

    def view(conn, picked, t, L):
        report, steps, groups = data.funnel_tables(conn, picked.filt, _by(), app.settings.tz,
                                                   event_settings(app.settings).count_sent_as_delivered, L)
        return _page("manage/funnel.html", conn, picked, t, L, steps=steps, groups=groups, bars=data.bars(report, L),
                     by=_by(), groupings=GROUPINGS, total=report.total)
    return _filtered(view)


def funnel_csv():
    app = auth().app

    def view(conn, picked, t, L):
        _, _, groups = data.funnel_tables(conn, picked.filt, _by(), app.settings.tz,
                                          event_settings(app.settings).count_sent_as_delivered, L)
        return _csv(groups, "funnel", picked)
    return _filtered(view)


def referrals_page():
    tz = auth().app.settings.tz

    def view(conn, picked, t, L):
        waiting = door.unlinked(conn, picked.filt.stores)
        for row in waiting:
            row["noted_at"] = row["noted_at"].astimezone(tz).strftime("%m-%d %H:%M")
        return _page("manage/referrals.html", conn, picked, t, L, leaders=data.leaders_table(conn, picked.filt, tz, L),
                     viral=data.viral_table(conn, picked.filt, tz, L), unlinked=waiting)
    return _filtered(view)


def referrals_csv():
    tz = auth().app.settings.tz
    return _filtered(lambda conn, picked, t, L: _csv(data.leaders_table(conn, picked.filt, tz, L), "referrals", picked))


def visits_page():
    tz = auth().app.settings.tz

    def view(conn, picked, t, L):
        table, report = data.visits_table(conn, picked.filt, tz, L)
        return _page("manage/visits.html", conn, picked, t, L, histogram=table, report=report)
    return _filtered(view)


def visits_csv():
    tz = auth().app.settings.tz
    return _filtered(lambda conn, picked, t, L: _csv(data.visits_table(conn, picked.filt, tz, L)[0], "visits", picked))


def _followups(conn, picked, L):
    app = auth().app
    hours = event_settings(app.settings).followup_hours
    return data.followups_table(conn, picked.filt, app.now(), hours, app.settings.tz, L)


def followups_page():
    return _filtered(lambda conn, picked, t, L: _page("manage/followups.html", conn, picked, t, L,
                                                      calls=_followups(conn, picked, L)))


def followups_csv():
    return _filtered(lambda conn, picked, t, L: _csv(_followups(conn, picked, L), "followups", picked))


def campaigns_page():
    app, t, L = _env()
    with app.engine.connect() as conn:
        rows = data.campaign_rows(conn, app.settings.campaigns_path, app.settings.tz)
    return render_template("manage/campaigns.html", rows=rows, L=L, tz=app.settings.site.timezone, picked=None,
                           stated=[], options=None, schedule=data.send_schedule(app))


def optout():
    """A manager records a customer's wish to receive no more texts (a call on the follow-up list)."""
    app, t, _ = _env()
    customer_id = request.form.get("customer_id", "")
    if not customer_id.isdigit() or len(customer_id) > 9:
        return render_template("message.html", message=t["filter_refused"].format(value=customer_id)), 400
    with app.engine.begin() as conn:
        person = _customer_seen(conn, int(customer_id))
        if person is None:
            return render_template("message.html", message=t["forbidden"]), 403
        opt_out(conn, person["id"], person["phone"], "staff", app.now(), "web")
        audit.record(conn, actor=current_staff().actor, action="optout.add", subject="customer", subject_id=person["id"],
                     customer_id=person["id"], reason=request.form.get("reason", "")[:200], now=app.now())
    return redirect(url_for("manage.followups", **request.args), code=303)


def _customer_seen(conn, customer_id: int):
    """The customer, if the manager may see them (a customer of one of their stores)."""
    from sqlalchemy import select

    from records import models

    c = models.Customer.__table__
    row = conn.execute(select(c).where(c.c.id == customer_id)).mappings().first()
    allowed = current_staff().report_stores()
    return row if row is not None and (allowed is None or row["store"] in allowed) else None
