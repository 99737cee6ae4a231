"""The pages behind the links in texts: /r/<token> (RSVP: 参加 / 不参加) and /u/<token> (one-tap 退订).

Customers reach them without a staff session, from any phone, without JavaScript. A GET only counts
the opening (link scanners open every URL they see); the buttons POST. Besides the unguessable
token in the URL, each POST must carry the form token the page set (a double-submit cookie,
SameSite=Strict, limited to the link's path), so another site cannot submit the form for a visitor.
Pages are Jinja template files (web/templates/links/), Chinese only, readable at 360 px.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from functools import partial

from flask import Blueprint, Response, abort, render_template, request

from app import App
from records import links
from records.transactions import write_transaction

FORM_COOKIE = "jinli_form"
WEEKDAYS = "一二三四五六日"
CLOSED = "活动已开始或已结束，回复不能再更改。如有疑问请联系门店。"
ANSWERED = {"confirmed": "您已确认参加，届时恭候光临。", "declined": "您已回复不参加。如改变主意，活动开始前仍可点“参加”。"}


def links_blueprint(app: App) -> Blueprint:
    """The RSVP and opt-out pages."""
    blueprint = Blueprint("links", __name__, template_folder="templates")
    blueprint.add_url_rule("/r/<token>", "rsvp", partial(rsvp_page, app), methods=["GET", "POST"])
    blueprint.add_url_rule("/u/<token>", "optout", partial(optout_page, app), methods=["GET", "POST"])
    return blueprint


def rsvp_page(app: App, token: str) -> Response:
    """GET: the invitation (the opening counted); POST: 参加 / 不参加, as a reply of 1 / 2 would."""
    now = app.now()
    with write_transaction(app.engine) as conn:
        link = _link(conn, "rsvp", token, now)
        message = ""
        if request.method == "POST":
            answer = request.form.get("answer")
            if answer not in ("confirm", "decline"):
                abort(400)
            state = links.answer_invitation(conn, link, answer, now)
            message = ANSWERED[state] if state else ""
        invitation = links.invitation_view(conn, link["invitation_id"])
    started = invitation["starts_at"] is not None and invitation["starts_at"] <= now
    is_open = invitation["state"] in ("invited", "confirmed", "declined") and not started
    return _page("links/rsvp.html", app, invitation=invitation, when=_when(invitation["starts_at"], app),
                 open=is_open, closed=CLOSED, message=message or ANSWERED.get(invitation["state"], ""))


def optout_page(app: App, token: str) -> Response:
    """GET: what 退订 means (the opening counted); POST: the customer opts out at once."""
    now = app.now()
    with write_transaction(app.engine) as conn:
        link = _link(conn, "optout", token, now)
        if request.method == "POST":
            if request.form.get("answer") != "optout":
                abort(400)
            links.opt_out_by_link(conn, link, now)
        opted_out = links.customer_opted_out(conn, link["customer_id"])
    return _page("links/optout.html", app, opted_out=opted_out)


def _link(conn, kind: str, token: str, now: datetime):
    """The link, its opening counted on GET; 404 for an unknown token, 403 for a POST without the page's form token."""
    link = links.find_link(conn, kind, token)
    if link is None:
        abort(404)
    if request.method == "POST":
        sent, expected = request.form.get("form_token", ""), request.cookies.get(FORM_COOKIE, "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            abort(403)
    else:
        links.record_open(conn, link["id"], now)
    return link


def _page(template: str, app: App, **context) -> Response:
    form_token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(16)
    response = Response(render_template(template, brand=app.settings.site.brand, form_token=form_token, **context))
    response.set_cookie(FORM_COOKIE, form_token, path=request.path, httponly=True, samesite="Strict",
                        secure=request.is_secure)
    response.headers["Cache-Control"] = "no-store"
    return response


def _when(starts_at: datetime | None, app: App) -> str:
    if starts_at is None:
        return "另行通知"
    local = starts_at.astimezone(app.settings.tz)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"
