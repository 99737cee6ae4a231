"""Staff sign-in for the web pages: accounts or the shared token, expiring sessions, CSRF, throttling.

``auth_blueprint`` serves /signin and /signout and, once per Flask app, installs what every staff page
relies on: the session secret (JINLI_SECRET_KEY, else derived from JINLI_STAFF_TOKEN, else random per
process), Flask-WTF's CSRF protection (checked by the staff blueprints only, so the providers'
webhooks are untouched), the label catalogue, and werkzeug's ProxyFix with Secure cookies when
``[web] behind_proxy`` is set. A session holds the account's id, a fingerprint of its password hash
(or of the token) and its start: a new password, a disabled account, a rotated token or
``[events] staff_session_hours`` ends it, checked on every request against the app's clock.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import (Blueprint, Flask, Response, abort, current_app, g, redirect, render_template, request, send_file,
                   session, url_for)
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from markupsafe import Markup, escape
from werkzeug.middleware.proxy_fix import ProxyFix

from app import App
from records import signin_throttle, staff
from records.event_config import event_settings
from records.staff import Staff
from web.i18n import labels

log = logging.getLogger("jinli.web")
EXTENSION = "jinli_staff"
TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")


@dataclass
class StaffAuth:
    """What the staff pages share: the App, the shared token, the session length, the CSRF guard."""

    app: App
    token: str
    hours: int
    csrf: CSRFProtect

    def now_ts(self) -> int:
        return int(self.app.now().timestamp())

    def token_ok(self, given: str | None) -> bool:
        return bool(self.token) and hmac.compare_digest((given or "").encode(), self.token.encode())


def auth_blueprint(app: App, token: str | None = None) -> Blueprint:
    """/signin and /signout; ``token`` defaults to env JINLI_STAFF_TOKEN (empty: accounts only)."""
    shared = os.environ.get("JINLI_STAFF_TOKEN", "") if token is None else token
    bp = Blueprint("auth", __name__, template_folder="templates")
    bp.record_once(lambda state: install(state.app, app, shared))
    bp.add_url_rule("/signin", "signin", signin_page, methods=["GET"])
    bp.add_url_rule("/signin", "signin_post", signin_post, methods=["POST"])
    bp.add_url_rule("/signout", "signout", signout, methods=["POST"])
    bp.add_url_rule("/staff-font.otf", "font", font, methods=["GET"])
    bp.before_request(protect)
    return bp


def install(web: Flask, app: App, token: str) -> None:
    """Session, CSRF, labels and proxy settings of ``web`` (once)."""
    hours = event_settings(app.settings).staff_session_hours
    web.secret_key = _secret_key(token)
    web.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="jinli_session",
                      SESSION_COOKIE_SECURE=app.settings.web.behind_proxy, PERMANENT_SESSION_LIFETIME=timedelta(hours=hours),
                      WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=True)
    if app.settings.web.behind_proxy:  # one trusted hop: the TLS proxy in front of waitress
        web.wsgi_app = ProxyFix(web.wsgi_app, x_for=1, x_proto=1, x_host=1)
    web.extensions[EXTENSION] = StaffAuth(app, token, hours, CSRFProtect(web))
    web.context_processor(lambda: {"t": labels(app.settings.site.language), "me": current_staff(), "csrf_field": _csrf_field})
    web.register_error_handler(CSRFError, _csrf_refused)
    web.register_error_handler(403, _forbidden)


def _csrf_field() -> Markup:
    """The hidden CSRF field every staff form carries."""
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">')


def _secret_key(token: str) -> str:
    """JINLI_SECRET_KEY; else one derived from the token (rotating it signs everyone out); else random."""
    key = os.environ.get("JINLI_SECRET_KEY", "")
    if key:
        return key
    if token:
        return hmac.new(token.encode(), b"jinli-session-key", hashlib.sha256).hexdigest()
    log.warning("JINLI_SECRET_KEY is not set: sessions end when this process stops and are not shared between processes")
    return secrets.token_hex(32)


def auth() -> StaffAuth:
    return current_app.extensions[EXTENSION]


def protect() -> None:
    """CSRF check of a state-changing request that a browser's cookie authenticates (not a bearer token)."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not _bearer():
        auth().csrf.protect()


def _csrf_refused(error: CSRFError):
    t = labels(auth().app.settings.site.language)
    return render_template("message.html", message=t["csrf_refused"]), 400


def _forbidden(error):
    t = labels(auth().app.settings.site.language)
    return render_template("message.html", message=t["forbidden"]), 403


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""


def current_staff() -> Staff | None:
    """The signed-in staff member of this request (a bearer token counts as the shared token), else None."""
    if "staff" not in g:
        g.staff = _resolve()
    return g.staff


def _resolve() -> Staff | None:
    gate = auth()
    if _bearer():
        return staff.TOKEN_STAFF if gate.token_ok(_bearer()) else None
    since, staff_id, fp = session.get("since"), session.get("staff_id"), session.get("fp")
    if not isinstance(since, int) or gate.now_ts() - since >= gate.hours * 3600 or gate.now_ts() < since:
        return None
    if staff_id == 0:
        return staff.TOKEN_STAFF if gate.token and fp == staff.fingerprint(gate.token) else None
    if not isinstance(staff_id, int):
        return None
    with gate.app.engine.connect() as conn:
        found = staff.by_id(conn, staff_id)
    return found[0] if found and found[1] == fp else None


def require(test, api: bool = False):
    """A view decorator: signed in (else to the sign-in page, or 401 for the API) and ``test(staff)`` (else 403)."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            who = current_staff()
            if who is None:
                if api:
                    return {"error": labels(auth().app.settings.site.language)["signin_needed"]}, 401
                return redirect(url_for("auth.signin", next=request.full_path.rstrip("?")), code=303)
            if not test(who):
                abort(403)
            protect()  # after the sign-in check: a stranger learns 401, not whether a token was wrong
            return view(*args, **kwargs)
        return guarded
    return decorate


def signin_page(status: int = 200, message: str = "", name: str = ""):
    return render_template("signin.html", message=message, name=name, next=_next_path()), status


def signin_post():
    gate, t = auth(), labels(auth().app.settings.site.language)
    name, password = request.form.get("name", "").strip()[:50], request.form.get("password", "")
    limits = gate.app.settings.web
    counters = signin_throttle.keys(name or staff.TOKEN_NAME, request.remote_addr)
    with gate.app.engine.begin() as conn:
        if signin_throttle.throttled(conn, counters, gate.app.now(), limits.signin_max_failures, limits.signin_lock_minutes):
            return signin_page(429, t["signin_throttled"].format(minutes=limits.signin_lock_minutes), name)
        found = _check(conn, gate, name, password)
        if found is None:
            signin_throttle.record_failure(conn, counters, gate.app.now(), limits.signin_lock_minutes)
        else:
            signin_throttle.clear(conn, counters[0])
    if found is None:
        return signin_page(401, t["signin_wrong"], name)
    return _start_session(*found)


def _check(conn, gate: StaffAuth, name: str, password: str) -> tuple[Staff, str] | None:
    """The account (or the shared token, when no name is given) that ``password`` opens."""
    if not name:
        return (staff.TOKEN_STAFF, staff.fingerprint(gate.token)) if gate.token_ok(password) else None
    return staff.verify(conn, name, password)


def _start_session(who: Staff, fp: str) -> Response:
    session.clear()  # a fresh session (and a fresh CSRF token) at each sign-in
    session.permanent = True
    session.update(staff_id=who.id or 0, fp=fp, since=auth().now_ts())
    home = url_for("manage.home") if who.can_manage and "manage.home" in current_app.view_functions else url_for("checkin.page")
    return redirect(_next_path() or home, code=303)


def _next_path() -> str:
    """Where to go after signing in: a path on this site only."""
    target = request.values.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else ""


def font():
    """Noto Sans SC (the pylopdf-fonts-zh-cn package): the pages' last fallback font, fetched only by a browser
    without a Chinese font of its own (a phone has one; a bare kiosk or a test's Chromium may not)."""
    from reports.charts import cjk_font_path

    path = cjk_font_path()
    if path is None:
        abort(404)
    return send_file(path, mimetype="font/otf", max_age=365 * 24 * 3600)


def signout():
    session.clear()
    return redirect(url_for("auth.signin"), code=303)
