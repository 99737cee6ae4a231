"""What Aliyun and Tencent report back (delivery receipts, replies), however it arrives: pushed to a callback or pulled.

Both ways end here, so a receipt or a reply seen twice (pushed, then pulled) changes nothing the
second time: a receipt moves an outbox row only out of the states it may leave (never back from a
final state), and a reply is stored once per key (Aliyun's sequence_id; Tencent gives none, so its
phone, time and text).

The providers' JSON (as published):
- Aliyun SmsReport: ``[{phone_number, send_time, report_time, success, err_code, err_msg, sms_size, biz_id, out_id}]``
- Aliyun SmsUp: ``[{phone_number, send_time, content, sign_name, dest_code, sequence_id}]``
- Tencent status: ``[{user_receive_time, nationcode, mobile, report_status, errmsg, description, sid}]``
- Tencent reply: ``{extend, mobile, nationcode, sign, text, time}`` (one object; a list is accepted too)
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select, update

from errors import InvalidValue
from messaging.gateways.base import InboundText, Receipt
from messaging.outbox import CALLBACK_MOVES
from messaging.replies import record_reply
from records import models

outbox_t = models.OutboxMessage.__table__
CHINA = ZoneInfo("Asia/Shanghai")  # both providers write local times in Beijing time
MAX_TEXT = 1000  # a reply longer than this is not an SMS


# --- parsing the providers' JSON --------------------------------------------------------------------

def aliyun_receipts(payload: Any) -> list[Receipt]:
    """Aliyun SmsReport items; InvalidValue names the first bad item."""
    return [Receipt(_id(_text(item, "out_id", required=False)), _text(item, "biz_id") or None, _text(item, "phone_number"),
                    "delivered" if item.get("success") is True else "undelivered",
                    None if item.get("success") is True else (_text(item, "err_code", required=False) or None))
            for item in _items(payload)]


def aliyun_replies(payload: Any) -> list[InboundText]:
    """Aliyun SmsUp items, keyed by sequence_id."""
    return [InboundText(f"aliyun:{_text(item, 'sequence_id')}", _text(item, "phone_number"),
                        _text(item, "content", required=False, limit=MAX_TEXT), china_time(_text(item, "send_time", required=False)))
            for item in _items(payload)]


def tencent_receipts(payload: Any) -> list[Receipt]:
    """Tencent status callback items, matched by sid (the SerialNo SendSms returned)."""
    return [Receipt(None, _text(item, "sid"), _text(item, "mobile"),
                    "delivered" if _text(item, "report_status") == "SUCCESS" else "undelivered",
                    None if _text(item, "report_status") == "SUCCESS" else (_text(item, "errmsg", required=False) or None))
            for item in _items(payload)]


def tencent_replies(payload: Any) -> list[InboundText]:
    """Tencent reply callback: one object (or a list of them), keyed by phone, time and text."""
    items = _items([payload] if isinstance(payload, dict) else payload)
    return [tencent_reply(_tencent_phone(i), _text(i, "text", limit=MAX_TEXT), _unix(i.get("time"))) for i in items]


def _tencent_phone(item: Mapping) -> str:
    """+<nationcode><mobile>, as Tencent's pull APIs write it (E.164)."""
    mobile, code = _text(item, "mobile"), _text(item, "nationcode", required=False).lstrip("+")
    return f"+{code}{mobile}" if code else mobile


def tencent_reply(phone: str, text: str, unix: int | None) -> InboundText:
    """A Tencent reply (callback or PullSmsReplyStatus): Tencent gives no id, so phone · time · text is the key."""
    digest = hashlib.sha256(f"{phone.lstrip('+')}|{unix}|{text}".encode()).hexdigest()[:40]
    at = datetime.fromtimestamp(unix, timezone.utc) if unix is not None else None
    return InboundText(f"tencent:{digest}", phone, text, at)


def china_time(text: str | None) -> datetime | None:
    """'2026-11-29 10:00:05' in Beijing time as an aware UTC instant; None when absent or unreadable."""
    try:
        return datetime.strptime(text or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA).astimezone(timezone.utc)
    except ValueError:
        return None


def _items(payload: Any) -> list[Mapping]:
    if not isinstance(payload, list) or not all(isinstance(item, dict) for item in payload):
        raise InvalidValue("expected a JSON array of objects")
    return payload


def _text(item: Mapping, name: str, *, required: bool = True, limit: int = 64) -> str:
    value = item.get(name)
    if value is None or value == "":
        if required:
            raise InvalidValue(f"field {name} is missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidValue(f"field {name} is not a string")
    text = str(value).strip()
    if "\x00" in text or len(text) > limit:
        raise InvalidValue(f"field {name} is longer than {limit} characters or holds a NUL byte")
    return text


def _id(text: str) -> int | None:
    """Our OutId / SessionContext: an outbox id; anything else is not ours (None)."""
    return int(text) if text.isdigit() and len(text) <= 10 else None


def _unix(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    return None


# --- applying them -------------------------------------------------------------------------------

def apply_receipts(conn: Connection, receipts: Iterable[Receipt], now: datetime) -> Counter:
    """Apply each receipt; counts 'updated', 'ignored' (already final, or repeated), 'unknown' and 'mismatch'."""
    return Counter(apply_receipt(conn, r, now) for r in receipts)


def apply_receipt(conn: Connection, receipt: Receipt, now: datetime) -> str:
    """Move the message the receipt names to delivered / undelivered, never back from a final state.

    A row whose recorded provider id or phone differs from the receipt's is not this message (another
    install sharing the account sends the same OutIds): 'mismatch', nothing changes.
    """
    o = outbox_t.c
    match = o.id == receipt.message_id if receipt.message_id is not None else o.provider_id == receipt.provider_id
    row = conn.execute(select(o.id, o.phone, o.provider_id).where(match)).first()
    if row is None:
        return "unknown"
    if (receipt.provider_id and row.provider_id and row.provider_id != receipt.provider_id) or not _same_phone(row.phone, receipt.phone):
        return "mismatch"
    values = {"state": receipt.status, "final_at": now, "updated_at": now, "sent_at": func.coalesce(o.sent_at, now)}
    if receipt.status == "undelivered":
        values["error_code"] = (receipt.error_code or "")[:64] or None
    if receipt.provider_id and not row.provider_id:
        values["provider_id"] = receipt.provider_id
    moved = conn.execute(update(outbox_t).where(o.id == row.id, o.state.in_(CALLBACK_MOVES[receipt.status])).values(**values))
    return "updated" if moved.rowcount else "ignored"


def _same_phone(stored: str, reported: str) -> bool:
    digits = "".join(ch for ch in reported if ch.isdigit())
    return bool(digits) and stored.lstrip("+").endswith(digits)


def record_replies(conn: Connection, replies: Iterable[InboundText], now: datetime, region: str) -> Counter:
    """Record each reply once (by its key) and act on it like a Twilio reply; counts by intent, 'repeated' for seen ones."""
    tally = Counter()
    for text in replies:
        reply = record_reply(conn, text.key, text.phone, text.body, text.at or now, region)
        tally[reply.intent if reply else "repeated"] += 1
    return tally
