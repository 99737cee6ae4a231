"""The door's input (a form or a JSON object) checked before anything reads or writes the database.

Anything a database could refuse (an id out of range, a NUL byte, a string longer than its column,
a list where text belongs) is a ``BadInput`` with a message in Chinese and English: the page answers
400 and nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from errors import InvalidValue
from records.lookup import MAX_ID, id_in

MAX_LENGTHS = {"who": 64, "phone": 32, "name": 50, "referrer": 64}
LABELS = {"who": "签到码或手机号", "phone": "手机号", "name": "姓名", "referrer": "推荐人",
          "event_id": "场次", "walk_in": "未邀请来宾"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FLAGS = {True: True, False: False, None: False, "": False, "0": False, "1": True, "true": True, "false": False}


class BadInput(InvalidValue):
    """The request itself is malformed (type, range, length, control characters): HTTP 400."""


@dataclass(frozen=True)
class DoorInput:
    """One check-in request: ``who`` for an invited or known guest, or a walk-in's phone, name and referrer."""

    event_id: int | None
    walk_in: bool
    who: str
    phone: str
    name: str
    referrer: str | None


def door_input(fields: Mapping) -> DoorInput:
    """The checked fields of a form or a decoded JSON body; BadInput names the first field at fault."""
    if not isinstance(fields, Mapping):
        raise BadInput("请求须为 JSON 对象，如 {\"who\": \"HAHXYZ\"} (the body must be a JSON object)")
    referrer = _named(fields, "referrer")
    return DoorInput(event_id=_event_id(fields.get("event_id")), walk_in=_flag(fields.get("walk_in")),
                     who=_named(fields, "who"), phone=_text(fields, "phone"), name=_text(fields, "name"),
                     referrer=referrer or None)


def _named(fields: Mapping, key: str) -> str:
    """A guest named by code, phone or ``id:N``; an id past the database's range is BadInput."""
    value = _text(fields, key).strip()
    try:
        id_in(value)
    except InvalidValue:
        raise BadInput(f"{LABELS[key]} 编号太大：最多 {MAX_ID} (an id is at most {MAX_ID})") from None
    return value


def _text(fields: Mapping, key: str) -> str:
    value = fields.get(key)
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and key != "name":
        value = str(value)  # a phone sent as a JSON number
    if not isinstance(value, str):
        raise BadInput(f"{LABELS[key]} 须为文字 (must be text, got {type(value).__name__})")
    if _CONTROL.search(value):
        raise BadInput(f"{LABELS[key]} 含有控制字符 (contains a control character)")
    if len(value) > MAX_LENGTHS[key]:
        raise BadInput(f"{LABELS[key]} 太长：最多 {MAX_LENGTHS[key]} 个字 (at most {MAX_LENGTHS[key]} characters)")
    return value


def _event_id(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,10}", value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        raise BadInput(f"{LABELS['event_id']} 须为 1 到 {MAX_ID} 的整数 (must be a whole number from 1 to {MAX_ID})")
    return value


def _flag(value) -> bool:
    key = value.strip().lower() if isinstance(value, str) else value
    if isinstance(key, (dict, list, float)) or key not in _FLAGS:
        raise BadInput(f"{LABELS['walk_in']} 须为 true 或 false (must be true or false)")
    return _FLAGS[key]


def in_words(error: BadInput) -> str:
    """The message without its English gloss in parentheses: what the page shows."""
    return str(error).rsplit(" (", 1)[0]
