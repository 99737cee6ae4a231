"""The web server's composition: a Flask app built from blueprint factories, served by waitress."""

from __future__ import annotations

import logging
from typing import Callable, Iterable

from flask import Blueprint, Flask, Response, request
from waitress.server import create_server

from app import App
from domain.phone import mask_in_text
from redaction import install_log_redaction
from messaging.webhooks import twilio_blueprint
from web.auth import auth_blueprint
from web.checkin import checkin_blueprint
from web.manage import manage_blueprint
from web.provider_callbacks import provider_callbacks_blueprint
from web.rsvp import links_blueprint
import records.invitation_replies  # noqa: F401  (registers the 1 / 2 reply handlers on the inbound webhook)

log = logging.getLogger("jinli.web")
MAX_BODY = 64 * 1024  # Twilio's forms are a few hundred bytes; anything near this is not Twilio
BlueprintFactory = Callable[[App], Blueprint]

# Every part of the site, as a factory taking the App: add new pages here.
BLUEPRINTS: list[BlueprintFactory] = [twilio_blueprint, checkin_blueprint, provider_callbacks_blueprint, links_blueprint]
BLUEPRINTS += [auth_blueprint, manage_blueprint]  # staff sign-in (sessions, CSRF), the manager's screen


def default_blueprints(app: App) -> list[BlueprintFactory]:
    """Every part of the site; the Twilio webhooks only where Twilio is configured (gateway or public URL).

    A shop on the file or console gateway still gets the door page; once Twilio is configured, a
    missing auth token or public URL stops the server instead of serving unchecked webhooks.
    """
    twilio = app.settings.sms.gateway == "twilio" or bool(app.settings.twilio.public_base_url)
    if not twilio:
        log.warning("Twilio is not configured ([sms] gateway, [twilio] public_base_url): no /twilio webhooks")
    return [f for f in BLUEPRINTS if twilio or f is not twilio_blueprint]


def create_app(app: App, blueprints: Iterable[BlueprintFactory] | None = None) -> Flask:
    """The Flask app for ``app``; a factory whose settings are missing raises ConfigError before any request."""
    app.engine  # an outdated database stops the server here, not at the first request
    install_log_redaction()  # also when a WSGI server other than `jinli serve` runs the app
    web = Flask("jinli")
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    web.extensions["jinli"] = app
    for factory in default_blueprints(app) if blueprints is None else blueprints:
        web.register_blueprint(factory(app))
    web.after_request(_log_request)
    return web


def _log_request(response: Response) -> Response:
    path = request.full_path.rstrip("?")
    log.info('%s "%s %s" %s', request.remote_addr, request.method, mask_in_text(path), response.status_code)
    return response


def make_server(web: Flask, host: str = "127.0.0.1", port: int = 8080, threads: int = 8):
    """A waitress server for ``web`` (port 0: any free port, see ``.effective_port``); call ``.run()``."""
    return create_server(web, host=host, port=port, threads=threads, max_request_body_size=MAX_BODY, ident="jinli")


def serve(app: App, host: str, port: int, threads: int = 8) -> None:
    """Serve ``app``'s site until interrupted."""
    server = make_server(create_app(app), host, port, threads)
    log.info("serving on http://%s:%s", host, server.effective_port)
    server.run()
