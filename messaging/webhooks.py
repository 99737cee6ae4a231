"""Twilio's webhooks: delivery reports and inbound replies, each refused (403) unless Twilio signed it.

Twilio gives up on a webhook that does not answer 2xx in time, and retries some of them, so both
routes are idempotent and answer 200 even for a message they do not know. A signed form that no
Twilio SMS can produce (a NUL byte, a field longer than its column, a WhatsApp sender) gets 400 and
one log line naming the field, never its value: values are phone numbers and texts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial

from flask import Blueprint, Response, abort, request
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from app import App
from messaging.dispatch import STATUS_CALLBACK_PATH
from messaging.outbox import apply_status
from domain.phone import mask, mask_in_text
from messaging.replies import record_reply
from messaging.twilio_signature import SIGNATURE_HEADER, SignatureCheck, signature_check
from records.transactions import write_transaction

log = logging.getLogger("jinli.webhooks")
INBOUND_PATH = "/twilio/inbound"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
# The longest value each stored field may have (its column's length); Twilio's SIDs have 34 characters.
MAX_LENGTHS = {"MessageSid": 64, "From": 20, "MessageStatus": 40, "ErrorCode": 20}


def twilio_blueprint(app: App, environ: Mapping[str, str] | None = None) -> Blueprint:
    """The /twilio routes of ``app``; ConfigError when requests cannot be checked (no auth token or public URL)."""
    check = signature_check(app.settings, environ)
    blueprint = Blueprint("twilio", __name__)
    blueprint.before_request(partial(require_signature, check))
    blueprint.before_request(require_plausible_form)
    blueprint.register_error_handler(SQLAlchemyError, database_refused)
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


def require_plausible_form() -> None:
    """Refuse (400) a form no SMS webhook sends: a NUL byte anywhere, a field longer than it can be stored."""
    for name, value in request.form.items(multi=True):
        if "\x00" in name or "\x00" in value:
            _refuse(f"form field {_printable(name)} contains a NUL byte")
        if len(value) > MAX_LENGTHS.get(name, len(value)):
            _refuse(f"form field {name} is longer than {MAX_LENGTHS[name]} characters ({len(value)})")


def database_refused(error: SQLAlchemyError) -> Response:
    """What the database refused: 400 for a value it cannot store, 503 (Twilio retries) for anything else.

    Logged as one line without the statement's parameters, which hold phone numbers and texts.
    """
    orig = getattr(error, "orig", None) or error
    first = (str(orig).strip().splitlines() or [""])[0]
    status = 400 if isinstance(error, (DataError, IntegrityError)) else 503
    log.warning("%s %s: refused (%s): database: %s: %s", request.method, request.path, status, type(orig).__name__,
                mask_in_text(first)[:200])
    return Response("", status)


def _refuse(problem: str) -> None:
    log.warning("%s %s: refused (400): %s", request.method, request.path, problem)
    abort(400, description=problem)


def _printable(name: str) -> str:
    return name.replace("\x00", "\\0")[:40]


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
