"""A gateway that hands each text to the gateway serving its destination's country ([sms] routes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from messaging.gateways.base import InboundText, OutgoingSms, Receipt, SendResult, SentRecord, SmsGateway


class RoutingGateway:
    """Delegates send / find_sent / fetch_status to ``gateways[route(phone)]``; thread-safe if they are."""

    name = "routing"

    def __init__(self, gateways: Mapping[str, SmsGateway], route: Callable[[str], str]):
        self.gateways = dict(gateways)
        self._route = route

    def for_phone(self, phone: str) -> SmsGateway:
        """The gateway that serves ``phone``."""
        return self.gateways[self._route(phone)]

    def send(self, sms: OutgoingSms) -> SendResult:
        """Send through the gateway serving ``sms.to``."""
        return self.for_phone(sms.to).send(sms)

    def find_sent(self, *, message_id: int, phone: str, body: str, since: datetime,
                  until: datetime) -> list[SentRecord] | None:
        """The serving gateway's answer; None when that gateway cannot be asked."""
        find = getattr(self.for_phone(phone), "find_sent", None)
        return find(message_id=message_id, phone=phone, body=body, since=since, until=until) if find else None

    def pull_receipts(self, messages: list[Mapping]) -> list[Receipt]:
        """Each gateway that can pull receipts, asked about the messages it served."""
        found = []
        for name, gateway in self.gateways.items():
            pull = getattr(gateway, "pull_receipts", None)
            if pull:
                found += pull([m for m in messages if self._route(m["phone"]) == name])
        return found

    def pull_replies(self) -> list[InboundText]:
        """Each gateway that can pull replies."""
        return [text for g in self.gateways.values() if getattr(g, "pull_replies", None) for text in g.pull_replies()]

    def fetch_status(self, provider_id: str) -> tuple[str, str | None] | None:
        """The first answer of a gateway that can fetch by provider id (provider ids do not say whose they are)."""
        for gateway in self.gateways.values():
            fetch = getattr(gateway, "fetch_status", None)
            answer = fetch(provider_id) if fetch else None
            if answer is not None:
                return answer
        return None
