"""Twilio's webhooks: delivery reports and inbound replies, each refused (403) unless Twilio signed it.

Twilio gives up on a webhook that does not answer 2xx in time, and retries some of them, so both
routes are idempotent and answer 200 even for a message they do not know.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial

from flask import Blueprint, Response, abort, request

from app import App
from messaging.dispatch import STATUS_CALLBACK_PATH
from messaging.outbox import apply_status
from messaging.phone import mask
from messaging.replies import record_reply
from messaging.twilio_signature import SIGNATURE_HEADER, SignatureCheck, signature_check
from records.transactions import write_transaction

log = logging.getLogger("jinli.webhooks")
INBOUND_PATH = "/twilio/inbound"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def twilio_blueprint(app: App, environ: Mapping[str, str] | None = None) -> Blueprint:
    """The /twilio routes of ``app``; ConfigError when requests cannot be checked (no auth token or public URL)."""
    check = signature_check(app.settings, environ)
    blueprint = Blueprint("twilio", __name__)
    blueprint.before_request(partial(require_signature, check))
    blueprint.add_url_rule(STATUS_CALLBACK_PATH, "status", partial(status_callback, app), methods=["POST"])
    blueprint.add_url_rule(INBOUND_PATH, "inbound", partial(inbound_sms, app), methods=["POST"])
    return blueprint


def require_signature(check: SignatureCheck) -> None:
    """Refuse (403) a request Twilio did not sign, before it can change anything."""
    form = request.form  # parsing the body first enforces the size limit (413)
    query = request.query_string.decode("utf-8", "replace")
    if not check.valid(request.path, query, form, request.headers.get(SIGNATURE_HEADER)):
        log.warning("%s %s: missing or wrong %s, refused", request.method, request.path, SIGNATURE_HEADER)
        abort(403)


def status_callback(app: App) -> Response:
    """MessageSid, MessageStatus, ErrorCode: move the outbox message forward, never back."""
    sid, status = _required("MessageSid"), _required("MessageStatus").lower()
    with write_transaction(app.engine) as conn:
        result = apply_status(conn, sid, status, request.form.get("ErrorCode") or None, app.now())
    level = logging.WARNING if result == "unknown" else logging.INFO
    log.log(level, "status %s for %s: %s", status, sid, "unknown message" if result == "unknown" else result)
    return Response("", 200)


def inbound_sms(app: App) -> Response:
    """From, Body, MessageSid: record the reply once and act on it (opt out, opt in, hooks)."""
    sid, phone = _required("MessageSid"), _required("From")
    with write_transaction(app.engine) as conn:
        reply = record_reply(conn, sid, phone, request.form.get("Body", ""), app.now(), app.settings.site.phone_region)
    log.info("reply %s from %s: %s", sid, mask(phone), reply.intent if reply else "already recorded")
    return Response(EMPTY_TWIML, 200, mimetype="text/xml")


def _required(name: str) -> str:
    value = request.form.get(name, "").strip()
    if not value:
        abort(400, description=f"form field {name} is missing")
    return value
