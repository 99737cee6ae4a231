"""Checks the X-Twilio-Signature of webhook requests.

With messaging/gateways/twilio.py, this is the only module that may import the twilio library;
nothing of it leaks out: callers get True or False.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

from errors import ConfigError
from settings import Settings

SIGNATURE_HEADER = "X-Twilio-Signature"


class SignatureCheck:
    """Validates a request against the URL Twilio called: ``public_base_url`` + the request's path and query."""

    def __init__(self, auth_token: str, public_base_url: str):
        self._validator = RequestValidator(auth_token)
        self.base_url = public_base_url.rstrip("/")

    def url(self, path: str, query: str = "") -> str:
        return self.base_url + path + (f"?{query}" if query else "")

    def valid(self, path: str, query: str, params: Mapping, signature: str | None) -> bool:
        """Whether ``signature`` is Twilio's for this URL and these form fields (a missing one never is)."""
        return bool(signature) and self._validator.validate(self.url(path, query), params, signature)


def signature_check(settings: Settings, environ: Mapping[str, str] | None = None) -> SignatureCheck:
    """The check for this site; ConfigError without TWILIO_AUTH_TOKEN or an http(s) [twilio] public_base_url."""
    env = os.environ if environ is None else environ
    token = env.get("TWILIO_AUTH_TOKEN", "").strip()
    base = settings.public_base_url
    if not base:
        raise ConfigError(f"{settings.source}: [site] public_base_url is not set ([twilio] public_base_url is its alias): Twilio signs each webhook "
                          "with the public URL it calls, so the webhook server cannot check requests without it")
    if urlsplit(base).scheme not in {"http", "https"}:
        raise ConfigError(f"{settings.source}: [twilio] public_base_url: expected an http(s):// URL, got {base!r}")
    if not token:
        raise ConfigError("TWILIO_AUTH_TOKEN is not set in the environment: the webhook server needs it "
                          "to check that requests come from Twilio")
    return SignatureCheck(token, base)
