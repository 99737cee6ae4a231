"""Replies 1 / 参加 and 2 / 不参加 answer the customer's latest open invitation (messaging.replies hooks).

Importing this module registers the handlers; whoever records replies (the webhook) imports it once.
"""

from __future__ import annotations

from sqlalchemy import Connection

from messaging.replies import Reply, on_reply
from records.events import apply_reply


@on_reply("confirm")
def confirm_invitation(conn: Connection, reply: Reply) -> None:
    """'1' / '参加': confirm the latest open invitation to an upcoming event, if any."""
    if reply.customer_id is not None:
        apply_reply(conn, reply.customer_id, "confirm", reply.received_at)


@on_reply("decline")
def decline_invitation(conn: Connection, reply: Reply) -> None:
    """'2' / '不参加': decline it."""
    if reply.customer_id is not None:
        apply_reply(conn, reply.customer_id, "decline", reply.received_at)
