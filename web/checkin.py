"""The door page (Flask blueprint ``checkin``): staff check guests in from a phone.

Nothing is served without the staff token (env JINLI_STAFF_TOKEN): a sign-in form exchanges it for a
cookie signed with the token itself (HMAC-SHA256, expiring, HttpOnly, SameSite=Strict), so rotating
the token signs everyone out; the JSON API also takes ``Authorization: Bearer <token>``.
Register with ``flask_app.register_blueprint(checkin_blueprint(app))``; pages live under /checkin/.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from flask import Blueprint, Response, jsonify, redirect, render_template_string, request, url_for
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest

from app import App
from errors import JinliError, NotFound
from messaging.phone import mask
from redaction import redact
from records import checkins, events
from records.event_config import event_settings
from web.checkin_input import BadInput, DoorInput, door_input
from web.checkin_page import EVENT_SELECT, PAGE

COOKIE = "jinli_staff"


class StaffGate:
    """Checks the staff token and the cookies made from it."""

    def __init__(self, token: str, hours: int):
        self.token, self.hours = token or "", hours

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def token_ok(self, given: str | None) -> bool:
        return self.enabled and hmac.compare_digest((given or "").encode(), self.token.encode())

    def cookie_for(self, now_ts: int) -> str:
        expires = now_ts + self.hours * 3600
        return f"{expires}.{self._sign(expires)}"

    def cookie_ok(self, value: str | None, now_ts: int) -> bool:
        expires, _, signature = (value or "").partition(".")
        if not self.enabled or not expires.isdigit() or int(expires) <= now_ts:
            return False
        return hmac.compare_digest(signature.encode(), self._sign(int(expires)).encode())

    def _sign(self, expires: int) -> str:
        return hmac.new(self.token.encode(), f"jinli-staff:{expires}".encode(), hashlib.sha256).hexdigest()


def checkin_blueprint(app: App, token: str | None = None) -> Blueprint:
    """The check-in pages and JSON API for ``app``; ``token`` defaults to env JINLI_STAFF_TOKEN."""
    settings = event_settings(app.settings)
    gate = StaffGate(os.environ.get("JINLI_STAFF_TOKEN", "") if token is None else token, settings.staff_session_hours)
    door = Door(app, gate, settings)
    bp = Blueprint("checkin", __name__, url_prefix="/checkin")
    bp.add_url_rule("/", "page", door.page, methods=["GET"])
    bp.add_url_rule("/", "submit", door.submit, methods=["POST"])
    bp.add_url_rule("/login", "login", door.login, methods=["POST"])
    bp.add_url_rule("/logout", "logout", door.logout, methods=["POST"])
    bp.add_url_rule("/api", "api", door.api, methods=["POST"])
    return bp


class Door:
    """The views: the page (sign-in form or check-in forms), sign in and out, the JSON API."""

    def __init__(self, app: App, gate: StaffGate, settings):
        self.app, self.gate, self.settings = app, gate, settings

    def now_ts(self) -> int:
        return int(self.app.now().timestamp())

    def is_staff(self) -> bool:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return self.gate.token_ok(bearer) if bearer else self.gate.cookie_ok(request.cookies.get(COOKIE), self.now_ts())

    def render(self, status: int = 200, **context) -> Response:
        staff = self.gate.enabled and self.is_staff()
        listed = _todays_events(self.app) if staff else []
        body = render_template_string(EVENT_SELECT + PAGE, disabled=not self.gate.enabled, staff=staff, events=listed, **context)
        response = Response(body, status=status, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response

    def page(self):
        return self.render(200 if self.gate.enabled else 503)

    def submit(self):
        if not self.gate.enabled or not self.is_staff():
            return self.render(401 if self.gate.enabled else 503, message="请先登录 Please sign in")
        try:
            result = _check_in(self.app, self.settings, door_input(request.form))
        except JinliError as exc:
            return self.render(404 if isinstance(exc, NotFound) else 400, message=redact(str(exc)))
        return self.render(result=_shown(result, self.app))

    def login(self):
        if not self.gate.token_ok(request.form.get("token")):
            return self.render(401 if self.gate.enabled else 503, message="口令不对 Wrong token")
        response = redirect(url_for("checkin.page"), code=303)
        response.set_cookie(COOKIE, self.gate.cookie_for(self.now_ts()), max_age=self.gate.hours * 3600, httponly=True,
                            samesite="Strict", secure=request.is_secure, path="/checkin")
        return response

    def logout(self):
        response = redirect(url_for("checkin.page"), code=303)
        response.delete_cookie(COOKIE, path="/checkin")
        return response

    def api(self):
        if not self.gate.enabled:
            return jsonify(error="check-in is disabled: set JINLI_STAFF_TOKEN"), 503
        if not self.is_staff():
            return jsonify(error="staff token required"), 401
        try:
            result = _check_in(self.app, self.settings, door_input(_json_body()))
        except JinliError as exc:
            return jsonify(error=redact(str(exc))), 404 if isinstance(exc, NotFound) else 400
        return jsonify(_shown(result, self.app))


def _json_body():
    """The decoded JSON body (any JSON value: door_input wants an object); BadInput if it is not JSON."""
    if not request.is_json:
        raise BadInput("请以 JSON 发送 (send JSON with Content-Type: application/json)")
    try:
        return request.get_json()
    except BadRequest:
        raise BadInput("请求不是有效的 JSON (the body is not valid JSON)") from None


def _check_in(app: App, settings, given: DoorInput) -> checkins.CheckInResult:
    """Check in from checked fields: ``who`` (code or phone), or a walk-in with phone, name, referrer."""
    region, tz = app.settings.site.phone_region, app.settings.tz
    try:
        with app.engine.begin() as conn:
            if given.walk_in:
                return checkins.walk_in(conn, given.phone, given.name, given.referrer, given.event_id, app.now(), tz,
                                        settings, region)
            if not given.who:
                raise NotFound("请输入签到码或手机号 (enter an invitation code or a phone)")
            return checkins.record_check_in(conn, given.who, given.event_id, app.now(), tz, settings, region)
    except DataError:  # a value the checks above missed and the database refused: rolled back, still the guest's input
        raise BadInput("数据库拒收了输入的值 (the database refused a value)") from None


def _shown(result: checkins.CheckInResult, app: App) -> dict:
    """What the door sees: masked phones, the gift and the ladder step."""
    gift = result.gift
    step = f"{gift.step}/{gift.of}" + (f", next at {gift.next_at} visits" if gift.next_at else "")
    referrer = f"{result.referrer_name} ({mask(result.referrer_phone)})" if result.referrer_name else None
    return {"name": result.name, "phone": mask(result.phone), "tier": result.tier, "event_id": result.event_id,
            "event": result.event_title, "visits": result.visits, "gift": gift.gift or "—", "step": step,
            "referrer": referrer, "already": result.already, "new_customer": result.new_customer,
            "invited": result.invited, "notes": list(result.notes),
            "checked_in_at": result.checked_in_at.astimezone(app.settings.tz).isoformat(timespec="minutes")}


def _todays_events(app: App) -> list[dict]:
    with app.engine.connect() as conn:
        found = events.events_on(conn, app.today(), app.settings.tz)
    return [{"id": e["id"], "label": f"{e['starts_at'].astimezone(app.settings.tz):%H:%M} {e['title'] or e['slogan']}"}
            for e in found]
