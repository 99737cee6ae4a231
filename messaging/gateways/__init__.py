"""SMS gateways: the SmsGateway protocol, its implementations, and make_gateway to pick one."""

from __future__ import annotations

from typing import TextIO

from errors import ConfigError
from messaging.gateways.base import (
    FailureKind,
    OutgoingSms,
    RecordingGateway,
    SendError,
    SendResult,
    SentRecord,
    SmsGateway,
    failure_kind,
)
from messaging.gateways.console import ConsoleGateway
from messaging.gateways.dry_run import DryRunGateway
from messaging.gateways.file import FileGateway
from messaging.gateways.routing import RoutingGateway
from domain.phone import region_of
from settings import GATEWAYS, Settings

__all__ = [
    "ConsoleGateway",
    "DryRunGateway",
    "FailureKind",
    "FileGateway",
    "OutgoingSms",
    "RecordingGateway",
    "RoutingGateway",
    "SendError",
    "SendResult",
    "SentRecord",
    "SmsGateway",
    "failure_kind",
    "gateway_name_for",
    "make_gateway",
]


def make_gateway(settings: Settings, *, dry_run: bool = False, stream: TextIO | None = None) -> SmsGateway:
    """The gateway [sms] gateway names, a RoutingGateway when [sms] routes is set, or one that sends nothing."""
    if dry_run:
        return DryRunGateway()
    if not settings.sms.routes:
        return single_gateway(settings, settings.sms.gateway, stream)
    routes = settings.sms.routes
    # With a "default" route, [sms] gateway serves nobody: do not build it (nor ask for its credentials).
    names = set(routes.values()) | (set() if "default" in routes else {settings.sms.gateway})
    return RoutingGateway({name: single_gateway(settings, name, stream) for name in sorted(names)},
                          lambda phone: gateway_name_for(settings, phone))


def gateway_name_for(settings: Settings, phone: str) -> str:
    """The gateway that serves ``phone`` (E.164): its country's route, else the 'default' route, else [sms] gateway."""
    routes = settings.sms.routes
    if not routes:
        return settings.sms.gateway
    return routes.get(region_of(phone)) or routes.get("default") or settings.sms.gateway


def single_gateway(settings: Settings, kind: str, stream: TextIO | None = None) -> SmsGateway:
    """One gateway by name; the provider SDKs are imported only when their gateway is configured."""
    if kind == "console":
        return ConsoleGateway(stream)
    if kind == "file":
        return FileGateway(settings.path(settings.sms.file_path))
    if kind == "twilio":
        from messaging.gateways.twilio import TwilioGateway

        return TwilioGateway.from_settings(settings)
    if kind == "aliyun":
        from messaging.gateways.aliyun import AliyunGateway

        return AliyunGateway.from_settings(settings)
    if kind == "tencent":
        from messaging.gateways.tencent import TencentGateway

        return TencentGateway.from_settings(settings)
    raise ConfigError(f"{settings.source}: [sms] gateway: expected {', '.join(GATEWAYS)}, got {kind!r}")
