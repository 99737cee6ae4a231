"""A minimal Flask app serving only the check-in blueprint, and a door scene to check guests into."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from app import App
from tests.events_seed import Seed, add_salon, invite
from tests.factories import add_customer
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
    site = Flask("jinli-checkin-test")
    site.register_blueprint(checkin_blueprint(app, token=token))
    return site


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
