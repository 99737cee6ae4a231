"""A gateway that prints each message to a stream (stdout by default), phone numbers masked."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from messaging.gateways.base import OutgoingSms, SendResult
from domain.phone import mask


class ConsoleGateway:
    """Prints ``#id 138****8000: body`` blocks; for trying campaigns out on a terminal."""

    name = "console"

    def __init__(self, stream: TextIO | None = None):
        # None means "sys.stdout at send time", so a redirected or captured stdout is honoured.
        self._stream = stream
        self._count = 0
        self._lock = threading.Lock()

    def send(self, sms: OutgoingSms) -> SendResult:
        """Print ``sms`` and return CONSOLE000001, CONSOLE000002, ... with status 'sent'."""
        with self._lock:
            self._count += 1
            print(format_sms(sms), file=self._stream or sys.stdout, flush=True)
            return SendResult(provider_id=f"CONSOLE{self._count:06d}", status="sent")


def format_sms(sms: OutgoingSms) -> str:
    """One message for a terminal: a header line, then the body indented under it."""
    body = "\n".join(f"    {line}" for line in sms.body.splitlines() or [""])
    return f"#{sms.message_id} → {mask(sms.to)}\n{body}"
