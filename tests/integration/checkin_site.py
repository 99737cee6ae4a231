"""A minimal Flask app serving only the check-in blueprint, and a door scene to check guests into."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from functools import partial

from flask import Flask
from werkzeug.serving import make_server

from app import App
from tests.events_seed import Seed, add_salon, invite
from tests.factories import add_customer
from web.app import create_app
from web.auth import auth_blueprint
from web.checkin import checkin_blueprint

TOKEN = "door-secret-2025"


def door_scene(app: App) -> Seed:
    """Today's salon; 王芳 (referred by 李娜) invited with code HAHXYZ."""
    with app.engine.begin() as conn:
        seed = Seed(phones={"a1": "+8613800000001", "r1": "+8613800000002"})
        seed.ids["r1"] = add_customer(conn, seed.phones["r1"], "李娜", referral_code="LNA8888")
        seed.ids["a1"] = add_customer(conn, seed.phones["a1"], "王芳", referrer_id=seed.ids["r1"])
        seed.ids["E1"] = add_salon(conn, app.today(), title="周一沙龙", slogan="你有我也有")
        invite(conn, seed, "E1", "a1", "A", "delivered")
    return seed


def flask_app(app: App, token: str | None = TOKEN) -> Flask:
    """The staff pages (sign-in, door, manager's screen) with ``token`` as the shared staff token."""
    from web.manage import manage_blueprint

    return create_app(app, [partial(auth_blueprint, token=token), checkin_blueprint, manage_blueprint])


def csrf_token(client, path: str = "/signin") -> str:
    """The CSRF token of the client's session, read from a page's hidden field."""
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def sign_in(client, name: str = "", password: str = TOKEN):
    """Sign ``client`` in (no name: with the shared token); returns the sign-in response."""
    return client.post("/signin", data={"name": name, "password": password, "csrf_token": csrf_token(client)})


def post_form(client, path: str, data: dict):
    """A form post from the page itself: with the session's CSRF token."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/checkin/")})


@contextmanager
def serving(site: Flask):
    """Serve ``site`` on 127.0.0.1 (a free port) in a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, site, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
