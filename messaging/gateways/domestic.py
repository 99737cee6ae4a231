"""What the domestic Chinese gateways (aliyun, tencent) share: credentials, endpoint, template check, error kinds.

Neither provider takes free text: a message goes out as an approved template code plus its variables,
under a registered signature that the provider adds itself (so the body carries no 【…】).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError

from errors import ConfigError
from messaging.gateways.base import FailureKind, OutgoingSms, SendError
from domain.phone import mask, mask_in_text


def required_env(env: Mapping[str, str], variable: str, gateway: str) -> str:
    """The value of ``variable``; ConfigError naming it when it is unset or blank."""
    value = env.get(variable, "").strip()
    if not value:
        raise ConfigError(f'{variable} is not set in the environment ([sms] gateway "{gateway}" needs it)')
    return value


def sign_name(value: str, table: str) -> str:
    """The registered signature as the API wants it: without 【】; ConfigError when unset."""
    name = value.strip().strip("【】").strip()
    if not name:
        raise ConfigError(f"[{table}] sign_name must be set: the signature (签名) the provider approved")
    return name


def endpoint(value: str, default_host: str, table: str) -> tuple[str, str]:
    """(protocol, host[:port]) from ``[table] endpoint``: empty is the provider's own https host."""
    text = value.strip().rstrip("/")
    if not text:
        return "https", default_host
    if "://" not in text:
        return "https", text
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
        raise ConfigError(f"[{table}] endpoint: expected host[:port] or http(s)://host[:port], got {value!r}")
    return parts.scheme, parts.netloc


def template_of(sms: OutgoingSms, gateway: str) -> tuple[str, dict[str, str]]:
    """The message's template code and variables; a message without a code is a configuration error."""
    if not sms.template_code:
        raise failure(gateway, sms, "no template code: domestic providers send approved templates only, never free text",
                      FailureKind.CONFIGURATION)
    return sms.template_code, {str(k): str(v) for k, v in (sms.template_params or {}).items()}


def params_json(params: Mapping[str, str]) -> str:
    """Aliyun's TemplateParam: a JSON object of strings, Chinese kept as is."""
    return json.dumps(dict(params), ensure_ascii=False, separators=(",", ":"))


def positional(params: Mapping[str, str]) -> list[str]:
    """Tencent's TemplateParamSet: values in order; keys "1", "2", ... are put in numeric order."""
    if params and all(k.isdigit() for k in params):
        return [params[k] for k in sorted(params, key=int)]
    return list(params.values())


def kind_of(code: str, table: Iterable[tuple[str, FailureKind]]) -> FailureKind:
    """The kind of a provider error code: an exact entry, else the longest matching 'Family.*' entry."""
    entries = dict(table)
    if code in entries:
        return entries[code]
    best, kind = -1, FailureKind.PERMANENT
    for key, value in entries.items():
        if key.endswith("*") and code.startswith(key[:-1]) and len(key) > best:
            best, kind = len(key), value
    return kind


def cause(exc: BaseException, types: type | tuple[type, ...]) -> BaseException | None:
    """The first exception of ``types`` in ``exc``'s chain (the SDKs re-raise transport errors as their own)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, types):
            return exc
        seen.add(id(exc))
        exc = getattr(exc, "inner_exception", None) or exc.__cause__ or exc.__context__
    return None


def transport_kind(exc: requests.RequestException | None) -> FailureKind:
    """Retry only what cannot have reached the provider; anything that may have reached it is unknown."""
    if exc is None:
        return FailureKind.UNKNOWN_OUTCOME
    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.SSLError, requests.exceptions.ProxyError)):
        return FailureKind.RETRYABLE
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        # urllib3's NewConnectionError (refused, DNS) is a ConnectTimeoutError too: nothing was sent.
        return FailureKind.RETRYABLE if isinstance(reason, ConnectTimeoutError) else FailureKind.UNKNOWN_OUTCOME
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader)):
        return FailureKind.CONFIGURATION  # our endpoint or headers, not the network
    return FailureKind.UNKNOWN_OUTCOME  # read timeout, dropped or garbled answer: the text may have left


def failure(gateway: str, sms: OutgoingSms, problem: str, kind: FailureKind, *, code: str | None = None) -> SendError:
    """A SendError naming the gateway, the message and the masked number; phones in ``problem`` masked."""
    where = f"{gateway}: message {sms.message_id} to {mask(sms.to)}"
    return SendError(f"{where}: {' '.join(mask_in_text(problem).split())}", kind=kind, code=code)
