"""The gateway behind --dry-run: sends nothing, answers every message with a 'dry-run' result."""

from __future__ import annotations

from messaging.gateways.base import OutgoingSms, SendResult


class DryRunGateway:
    """Sends nothing; provider id ``DRYRUN<message id>``, status 'dry-run'."""

    name = "dry-run"

    def send(self, sms: OutgoingSms) -> SendResult:
        """Pretend to send ``sms``."""
        return SendResult(provider_id=f"DRYRUN{sms.message_id}", status="dry-run")
