"""The door page (Flask blueprint ``checkin``, under /checkin/): staff check guests in from a phone.

Signed-in staff (any role) see today's events of their stores. With several, the page asks which
once and remembers it in the session; a code picks its own event, and a phone invited to exactly one
of today's events picks that one. Every change is recorded in the audit trail as ``staff:NAME``.
The JSON API (/checkin/api) takes the session (with an X-CSRFToken header) or ``Authorization: Bearer
<JINLI_STAFF_TOKEN>``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest

from domain.phone import mask
from records.event_config import event_settings
from web import door as logic, door_loyalty as rewards
from web.auth import auth, current_staff, require
from web.checkin_input import BadInput, door_input, in_words
from web.i18n import labels

SIGNED_IN = lambda staff: True  # noqa: E731  (every role works the door)


def checkin_blueprint(app, token: str | None = None) -> Blueprint:
    """The door page and its JSON API (``app`` and ``token`` are the auth blueprint's; kept for symmetry)."""
    bp = Blueprint("checkin", __name__, url_prefix="/checkin", template_folder="templates")
    bp.add_url_rule("/", "page", require(SIGNED_IN)(page), methods=["GET"])
    bp.add_url_rule("/", "submit", require(SIGNED_IN)(submit), methods=["POST"])
    bp.add_url_rule("/event", "choose", require(SIGNED_IN)(choose), methods=["POST"])
    bp.add_url_rule("/rsvp", "rsvp", require(SIGNED_IN)(rsvp), methods=["POST"])
    bp.add_url_rule("/redeem", "redeem", require(SIGNED_IN)(redeem), methods=["POST"])
    bp.add_url_rule("/give", "give", require(SIGNED_IN)(give), methods=["POST"])
    bp.add_url_rule("/counts", "counts", require(SIGNED_IN, api=True)(counts), methods=["GET"])
    bp.add_url_rule("/api", "api", require(SIGNED_IN, api=True)(api), methods=["POST"])
    return bp


def _t() -> dict:
    return labels(auth().app.settings.site.language)


def _door(conn, event_id: int | None = None) -> logic.Door:
    app = auth().app
    events = logic.todays_events(conn, current_staff(), app.now(), app.settings.tz)
    chosen = session.get("door_event")
    remembered = chosen[1] if isinstance(chosen, list) and len(chosen) == 2 and chosen[0] == app.today().isoformat() else None
    return logic.Door(conn, current_staff(), app.now(), app.settings.tz, event_settings(app.settings),
                      app.settings.site.phone_region, events, event_id or remembered)


def page(status: int = 200, **context):
    """The page: pick an event (several today, none chosen), else the forms and the expected guests."""
    app = auth().app
    with app.engine.connect() as conn:
        door = _door(conn)
        try:
            event = None if request.args.get("pick") else door.event()
        except logic.DoorProblem:
            event = None
        query = request.args.get("q", "").strip()[:50]
        guests = _shown_guests(logic.expected(conn, event["id"]), query) if event else []
        tally = logic.counts(conn, event["id"]) if event else None
    body = render_template("door/page.html", events=[_event_view(e, app) for e in door.events],
                           event=_event_view(event, app) if event else None, guests=guests, counts=tally, q=query,
                           form=context.pop("form", {}), **context)
    return body, status, {"Cache-Control": "no-store"}


def _event_view(event, app) -> dict:
    local = event["starts_at"].astimezone(app.settings.tz)
    return {"id": event["id"], "time": f"{local:%H:%M}", "title": event["title"] or event["slogan"], "store": event["store"]}


def _shown_guests(rows: list[dict], query: str) -> list[dict]:
    """Masked phones; a search matches the name, the code or the phone's digits."""
    shown = [{**row, "phone": mask(row["phone"]), "digits": row["phone"][-4:]} for row in rows]
    if not query:
        return shown
    digits = "".join(ch for ch in query if ch.isdigit())
    return [g for g in shown if query in g["name"] or query.upper() == g["code"] or (digits and digits in g["digits"])]


def choose():
    """Remember the event this door works today; what was typed before choosing is then checked in."""
    app = auth().app
    wanted = request.form.get("event_id", "")
    with app.engine.connect() as conn:
        door = _door(conn)
    if wanted.isdigit() and any(e["id"] == int(wanted) for e in door.events):
        session["door_event"] = [app.today().isoformat(), int(wanted)]
        if request.form.get("who") or request.form.get("walk_in"):  # typed before choosing: carry on with it
            return submit()
    return redirect(url_for("checkin.page"), code=303)


def rsvp():
    """Staff record a guest's confirmation (or decline) from the expected list."""
    app, code, intent = auth().app, request.form.get("code", "")[:16], request.form.get("intent", "")
    if intent not in ("confirm", "decline"):
        return page(400, message=_t()["input_refused"])
    try:
        with app.engine.begin() as conn:
            name = logic.rsvp(_door(conn), code, intent)
    except logic.DoorProblem as problem:
        return page(problem.status, message=problem.text(_t()))
    return page(notice=_t()["rsvp_done"].format(name=name))


def submit():
    """A check-in (code, phone, or a tap on the expected list) or a walk-in from the page's forms."""
    form = {k: request.form.get(k, "") for k in ("who", "phone", "name", "referrer", "walk_in", "via")}
    try:
        given = door_input(request.form)
    except BadInput as exc:
        return page(400, message=_t()["input_bad"].format(detail=in_words(exc)), form=form)
    try:
        outcome = _apply(given, form.get("via") or "code")
    except logic.DoorProblem as problem:
        return page(problem.status, message=problem.text(_t()), form=form)
    result = outcome.result if isinstance(outcome, logic.WalkIn) else outcome
    return page(result=_shown(result), walk=outcome if isinstance(outcome, logic.WalkIn) else None,
                loyalty=_loyalty(result.customer_id))


def _loyalty(customer_id: int) -> dict:
    app = auth().app
    with app.engine.connect() as conn:
        return rewards.shown(conn, app.settings.loyalty, customer_id, app.today())


def _number(field: str) -> int | None:
    raw = request.form.get(field, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _serve(action):
    """Run ``action(door, customer_id)`` for the guest in the form, then show their points again with a notice."""
    app, customer_id = auth().app, _number("customer_id")
    if customer_id is None:
        return page(400, message=_t()["input_refused"])
    try:
        with app.engine.begin() as conn:
            notice = action(_door(conn), customer_id)
    except logic.DoorProblem as problem:
        return page(problem.status, message=problem.text(_t()), loyalty=_loyalty_if_served(customer_id))
    return page(notice=notice, loyalty=_loyalty(customer_id))


def _loyalty_if_served(customer_id: int) -> dict | None:
    app = auth().app
    with app.engine.connect() as conn:
        try:
            rewards.served_here(_door(conn), customer_id)
        except logic.DoorProblem:
            return None
    return _loyalty(customer_id)


def redeem():
    """A guest spends points on a reward of the ladder (recorded as staff:NAME)."""
    reward = request.form.get("reward", "")[:50]
    settings = auth().app.settings.loyalty

    def act(door, customer_id):
        done = rewards.redeem(door, settings, customer_id, reward)
        return _t()["redeemed"].format(reward=done.reward.name, balance=done.balance)
    return _serve(act)


def give():
    """An owed referral reward is handed over (marked given by staff:NAME)."""
    reward_id = _number("reward_id")

    def act(door, customer_id):
        given = rewards.give(door, customer_id, reward_id or 0)
        return _t()["reward_given"].format(gift=given["gift"])
    return _serve(act)


def _apply(given, via: str):
    """Check in or register inside one transaction with its audit entry; a value the database refuses is a DoorProblem."""
    app = auth().app
    try:
        with app.engine.begin() as conn:
            door = _door(conn, given.event_id)
            if given.walk_in:
                return logic.walk_in(door, given.phone, given.name, given.referrer or "")
            return logic.check_in(door, given.who, via)
    except DataError:
        raise logic.DoorProblem("input_refused") from None


def counts():
    """Arrived / expected of the event this door works (the page refreshes its counts with it)."""
    with auth().app.engine.connect() as conn:
        door = _door(conn)
        try:
            event = door.event()
        except logic.DoorProblem:
            return jsonify({})
        return jsonify(logic.counts(conn, event["id"]))


def api():
    """The JSON API: the same check-in and walk-in as the page, answers as JSON."""
    try:
        given = door_input(_json_body())
        outcome = _apply(given, "api")
    except BadInput as exc:
        return jsonify(error=str(exc)), 400
    except logic.DoorProblem as problem:
        return jsonify(error=problem.text(_t())), problem.status
    result = outcome.result if isinstance(outcome, logic.WalkIn) else outcome
    shown = _shown(result)
    if isinstance(outcome, logic.WalkIn):
        shown["unlinked_referrer"] = outcome.unknown_referrer or None
    loyalty = _loyalty(result.customer_id)
    shown["loyalty"] = {k: loyalty[k] for k in ("balance", "rewards", "owed")}
    return jsonify(shown)


def _json_body():
    """The decoded JSON body (any JSON value: door_input wants an object); BadInput if it is not JSON."""
    if not request.is_json:
        raise BadInput("请以 JSON 发送 (send JSON with Content-Type: application/json)")
    try:
        return request.get_json()
    except BadRequest:
        raise BadInput("请求不是有效的 JSON (the body is not valid JSON)") from None


def _shown(result) -> dict:
    """What the door sees: masked phones, the gift and the ladder step."""
    app, t = auth().app, _t()
    gift = result.gift
    step = f"{gift.step}/{gift.of}" + (t["gift_next"].format(visits=gift.next_at) if gift.next_at else "")
    referrer = f"{result.referrer_name} ({mask(result.referrer_phone)})" if result.referrer_name else None
    return {"name": result.name, "phone": mask(result.phone), "tier": result.tier, "event_id": result.event_id,
            "event": result.event_title, "visits": result.visits, "gift": gift.gift or "—", "step": step,
            "referrer": referrer, "already": result.already, "new_customer": result.new_customer,
            "invited": result.invited, "checked_in_at": result.checked_in_at.astimezone(app.settings.tz).isoformat(timespec="minutes")}
