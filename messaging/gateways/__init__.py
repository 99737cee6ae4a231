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
from settings import Settings

__all__ = [
    "ConsoleGateway",
    "DryRunGateway",
    "FailureKind",
    "FileGateway",
    "OutgoingSms",
    "RecordingGateway",
    "SendError",
    "SendResult",
    "SentRecord",
    "SmsGateway",
    "failure_kind",
    "make_gateway",
]


def make_gateway(settings: Settings, *, dry_run: bool = False, stream: TextIO | None = None) -> SmsGateway:
    """The gateway [sms] gateway names (console, file, twilio), or one that sends nothing."""
    if dry_run:
        return DryRunGateway()
    kind = settings.sms.gateway
    if kind == "console":
        return ConsoleGateway(stream)
    if kind == "file":
        return FileGateway(settings.path(settings.sms.file_path))
    if kind == "twilio":
        # Imported here so that only a twilio configuration pays for importing the library.
        from messaging.gateways.twilio import TwilioGateway

        return TwilioGateway.from_settings(settings)
    raise ConfigError(f"{settings.source}: [sms] gateway: expected console, file or twilio, got {kind!r}")
