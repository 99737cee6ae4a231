"""Replies customers text back: what they mean, stored once, acted on at once.

A reply of T, TD, 退订, STOP... opts the customer out on the spot (DOMAIN.md §4); START or 订阅
opts back in. '1'/'参加' and '2'/'不参加' answer an invitation: the events work hooks them with
``on_reply("confirm")`` / ``on_reply("decline")``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from messaging.optouts import opt_in, opt_out
from domain.phone import try_parse_mobile
from records import models

customers_t = models.Customer.__table__
inbound_t = models.InboundMessage.__table__

# Twilio's own opt-out and opt-in keywords are here too: Twilio acts on them whatever we do.
INTENTS = (
    ("opt_out", frozenset({"t", "td", "退订", "stop", "stopall", "unsubscribe", "cancel", "end", "quit"})),
    ("opt_in", frozenset({"start", "unstop", "订阅"})),
    ("confirm", frozenset({"1", "参加"})),
    ("decline", frozenset({"2", "不参加"})),
)
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")  # spaces, punctuation and symbols around the word


def classify_reply(text: str) -> str:
    """'opt_out', 'opt_in', 'confirm', 'decline' or 'other': any case, full- or half-width, spaces and punctuation around."""
    word = _EDGES.sub("", unicodedata.normalize("NFKC", text or "").casefold())
    return next((intent for intent, words in INTENTS if word in words), "other")


@dataclass(frozen=True)
class Reply:
    """One inbound text, with the customer it came from (None for an unknown number)."""

    provider_id: str
    phone: str
    body: str
    intent: str
    customer_id: int | None
    received_at: datetime


ReplyHandler = Callable[[Connection, Reply], None]
_handlers: dict[str, list[ReplyHandler]] = defaultdict(list)


def on_reply(intent: str) -> Callable[[ReplyHandler], ReplyHandler]:
    """Register ``handler(conn, reply)`` to run, in the reply's transaction, for each new reply of ``intent``."""
    def register(handler: ReplyHandler) -> ReplyHandler:
        _handlers[intent].append(handler)
        return handler
    return register


def record_reply(conn: Connection, provider_id: str, phone: str, body: str, now: datetime,
                 region: str = "CN") -> Reply | None:
    """Store a reply once per provider id and run its intent's handlers; None when it was already stored."""
    number = try_parse_mobile(phone, region) or phone.strip()
    customer_id = conn.execute(select(customers_t.c.id).where(customers_t.c.phone == number)).scalar_one_or_none()
    reply = Reply(provider_id, number, body, classify_reply(body), customer_id, now)
    if not _insert_once(conn, reply):
        return None
    for handler in _handlers.get(reply.intent, ()):
        handler(conn, reply)
    return reply


def _insert_once(conn: Connection, reply: Reply) -> bool:
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    values = {"provider_id": reply.provider_id, "phone": reply.phone, "customer_id": reply.customer_id,
              "body": reply.body, "intent": reply.intent, "received_at": reply.received_at}
    statement = insert(inbound_t).values(values).on_conflict_do_nothing(index_elements=["provider_id"])
    return conn.execute(statement.returning(inbound_t.c.id)).first() is not None


@on_reply("opt_out")
def _opt_out(conn: Connection, reply: Reply) -> None:
    opt_out(conn, reply.customer_id, reply.phone, "sms", reply.received_at, f"reply {reply.provider_id}: {reply.body[:40]}")


@on_reply("opt_in")
def _opt_in(conn: Connection, reply: Reply) -> None:
    opt_in(conn, reply.customer_id, reply.phone, "sms", reply.received_at, f"reply {reply.provider_id}: {reply.body[:40]}")
