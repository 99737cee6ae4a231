"""Referrals waiting to be linked: walk-ins whose named referrer the door could not find (web.door notes them).

A manager sees those of their stores' events, finds the referrer among their stores' customers (name, phone
fragment or referral code) and links them — an ordinary referral from then on (source ``staff``, attributed and
converted like any other, so it counts in every report) — or dismisses the note. Both are in the audit trail
as ``staff:NAME``; a dismissed note is deleted (the trail keeps what was typed).
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from sqlalchemy import Connection, delete

from domain.phone import mask
from records import audit, models
from records.customer_desk import search
from records.event_config import event_settings
from records.referrals import ReferralRefused, add_referral, update_conversions
from web import door
from web.auth import current_staff
from web.manage_view import env

unlinked_t = models.UnlinkedReferral.__table__
# Why records.referrals refused a link, in the door's words: the first reason whose marker is in its message.
REFUSALS = (("self-referral", "link_self"), ("duplicate", "link_already"), ("already referred", "link_already"),
            ("already a customer", "link_customer"), ("cycle", "link_cycle"))


def waiting(conn: Connection, stores, tz) -> list[dict]:
    """The notes still waiting (no referral for the guest yet) of events in ``stores`` (None: all), times local."""
    rows = door.unlinked(conn, stores)
    for row in rows:
        row["noted_at"] = row["noted_at"].astimezone(tz).strftime("%m-%d %H:%M")
        row["phone"] = mask(row["phone"])
    return rows


def unlinked_page():
    """The notes; ``?pick=ID&q=TEXT`` lists that note's candidate referrers under it."""
    app, t, L = env()
    pick, query = request.args.get("pick", ""), (request.args.get("q") or "").strip()[:64]
    allowed = current_staff().report_stores()
    with app.engine.connect() as conn:
        rows = waiting(conn, allowed, app.settings.tz)
        chosen = next((r for r in rows if str(r["id"]) == pick), None)
        found = _candidates(conn, chosen, query or (chosen or {}).get("referrer_given", ""), allowed) if chosen else []
    return render_template("manage/unlinked.html", picked=None, stated=[], options=None, L=L, tz=app.settings.site.timezone,
                           rows=rows, chosen=chosen, found=found, q=query or (chosen or {}).get("referrer_given", ""))


def _candidates(conn: Connection, note: dict, text: str, stores) -> list[dict]:
    """Customers of the manager's stores matching ``text``, the guest themself left out; phones masked."""
    if not text.strip():
        return []
    rows = search(conn, text=text, stores=stores, limit=20)[:20]
    return [{**row, "phone": mask(row["phone"])} for row in rows if row["id"] != note["customer_id"]]


def _note(conn: Connection, raw: str) -> dict | None:
    """The waiting note ``raw`` names, if it is one the manager sees."""
    return next((r for r in door.unlinked(conn, current_staff().report_stores()) if str(r["id"]) == raw), None)


def link():
    """Link a waiting note's guest to the referrer the manager chose: a referral like any other, audited."""
    app, t, _ = env()
    from web.manage_customers import seen

    with app.engine.begin() as conn:
        note, referrer = _note(conn, request.form.get("unlinked_id", "")), request.form.get("referrer_id", "")
        person = seen(conn, int(referrer)) if referrer.isdigit() and len(referrer) < 10 else None
        if note is None or person is None:
            return render_template("message.html", message=t["forbidden"]), 403
        try:
            referral_id = _add(conn, app, note, person["id"])
        except ReferralRefused as exc:
            key = next((k for marker, k in REFUSALS if marker in str(exc)), "link_refused")
            return render_template("message.html", message=t[key]), 409
        audit.record(conn, actor=current_staff().actor, action="referral.link", subject="referral", subject_id=referral_id,
                     customer_id=note["customer_id"], now=app.now(),
                     detail={"referrer_id": person["id"], "referrer_given": note["referrer_given"], "unlinked_id": note["id"]})
    return redirect(url_for("manage.unlinked", done="linked"), code=303)


def _add(conn: Connection, app, note: dict, referrer_id: int) -> int:
    """The referral, dated the day the guest walked in (shop time), then conversions brought up to date."""
    settings = event_settings(app.settings)
    on = note["noted_at"].astimezone(app.settings.tz).date()
    referral_id = add_referral(conn, referrer_id, note["customer_id"], "staff", on, app.now(), settings.attribution_days,
                               app.settings.tz)
    update_conversions(conn)  # the guest may have deposited since walking in
    return referral_id


def dismiss():
    """Drop a note nobody can link (a referrer who is not a customer, a typo); the audit trail keeps what was typed."""
    app, t, _ = env()
    with app.engine.begin() as conn:
        note = _note(conn, request.form.get("unlinked_id", ""))
        if note is None:
            return render_template("message.html", message=t["forbidden"]), 403
        conn.execute(delete(unlinked_t).where(unlinked_t.c.id == note["id"]))
        audit.record(conn, actor=current_staff().actor, action="referral.dismiss", subject="customer",
                     subject_id=note["customer_id"], customer_id=note["customer_id"], now=app.now(),
                     reason=request.form.get("reason", "")[:200],
                     detail={"referrer_given": note["referrer_given"], "noted_by": note["noted_by"]})
    return redirect(url_for("manage.unlinked", done="dismissed"), code=303)


ROUTES = {"/unlinked": ("unlinked", unlinked_page)}
POSTS = {"/unlinked/link": ("link", link), "/unlinked/dismiss": ("dismiss", dismiss)}
