"""Aliyun's and Tencent's callbacks under `jinli serve`: delivery receipts and replies, POSTed as JSON.

The providers sign none of these, so each is served only under a secret path segment
(``JINLI_CALLBACK_SECRET``, at least 16 letters, digits, ``-`` or ``_``) and, optionally, only to the
source addresses of ``[callbacks] allow_from``:

    POST /callbacks/<secret>/aliyun/report     Aliyun SmsReport (receipts)
    POST /callbacks/<secret>/aliyun/reply      Aliyun SmsUp (replies)
    POST /callbacks/<secret>/tencent/report    Tencent 短信下发状态通知 (receipts)
    POST /callbacks/<secret>/tencent/reply     Tencent 短信回复 (replies)

A wrong secret, an unknown path, another method or an address outside the allow-list gets 404 and
changes nothing. The source address is the peer's, or X-Forwarded-For's only when the app is wrapped
in werkzeug's ProxyFix (which rewrites it). Without the secret the callbacks are not served at all.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from collections.abc import Mapping
from functools import partial
from ipaddress import ip_address, ip_network

from flask import Blueprint, Response, abort, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from app import App
from errors import ConfigError, InvalidValue
from messaging import domestic_callbacks as dc
from records.transactions import write_transaction

log = logging.getLogger("jinli.callbacks")
SECRET_ENV = "JINLI_CALLBACK_SECRET"
_SECRET = re.compile(r"[A-Za-z0-9_-]{16,128}")
PATH = "/callbacks/<given>/<provider>/<kind>"
# What each provider expects back: Aliyun checks that ``code`` is a number, Tencent that ``result`` is 0.
ANSWERS = {"aliyun": ({"code": 0, "msg": "成功"}, lambda why: {"code": 1, "msg": why}),
           "tencent": ({"result": 0, "errmsg": "OK"}, lambda why: {"result": 1, "errmsg": why})}
PARSERS = {("aliyun", "report"): dc.aliyun_receipts, ("aliyun", "reply"): dc.aliyun_replies,
           ("tencent", "report"): dc.tencent_receipts, ("tencent", "reply"): dc.tencent_replies}


def callback_secret(environ: Mapping[str, str] | None = None) -> str | None:
    """JINLI_CALLBACK_SECRET, or None when unset; ConfigError when it is too short or not URL-safe."""
    secret = (os.environ if environ is None else environ).get(SECRET_ENV, "").strip()
    if not secret:
        return None
    if not _SECRET.fullmatch(secret):
        raise ConfigError(f"{SECRET_ENV}: expected 16 to 128 letters, digits, '-' or '_' (e.g. from "
                          "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`)")
    return secret


def provider_callbacks_blueprint(app: App, environ: Mapping[str, str] | None = None) -> Blueprint:
    """The /callbacks routes; none at all without JINLI_CALLBACK_SECRET (logged once)."""
    blueprint = Blueprint("provider_callbacks", __name__)
    secret = callback_secret(environ)
    if secret is None:
        log.warning("%s is not set: no Aliyun / Tencent callbacks (receipts and replies come by pull only)", SECRET_ENV)
        return blueprint
    networks = [ip_network(cidr, strict=False) for cidr in app.settings.callbacks.allow_from]
    blueprint.add_url_rule(PATH, "callback", partial(callback, app, secret, networks), methods=["GET", "POST"])
    return blueprint


def callback(app: App, secret: str, networks: list, given: str, provider: str, kind: str) -> Response:
    """One provider push: refused (404) unless the secret, path, method and source all match; then applied."""
    if not (hmac.compare_digest(given.encode(), secret.encode()) and (provider, kind) in PARSERS
            and request.method == "POST" and allowed(request.remote_addr, networks)):
        log.warning("callback %s %s/%s from %s refused (404)", request.method, provider, kind, request.remote_addr)
        abort(404)
    ok, refusal = ANSWERS[provider]
    try:
        items = PARSERS[provider, kind](request.get_json(force=True, silent=True))
    except InvalidValue as exc:
        log.warning("callback %s/%s refused (400): %s", provider, kind, exc)
        return _answer(refusal(str(exc)), 400)
    try:
        tally = _apply(app, kind, items)
    except SQLAlchemyError as exc:  # the providers push again after a non-200 answer
        log.warning("callback %s/%s: database unavailable (503): %s", provider, kind, type(exc).__name__)
        return _answer(refusal("try again later"), 503)
    log.info("callback %s/%s: %s", provider, kind, ", ".join(f"{k} {v}" for k, v in sorted(tally.items())) or "empty")
    return _answer(ok, 200)


def allowed(address: str | None, networks: list) -> bool:
    """Whether ``address`` is inside the allow-list (an empty list allows every address)."""
    if not networks:
        return True
    try:
        peer = ip_address(address or "")
    except ValueError:
        return False
    return any(peer in network for network in networks)


def _apply(app: App, kind: str, items: list):
    with write_transaction(app.engine) as conn:
        if kind == "report":
            return dc.apply_receipts(conn, items, app.now())
        return dc.record_replies(conn, items, app.now(), app.settings.site.phone_region)


def _answer(body: dict, status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response
