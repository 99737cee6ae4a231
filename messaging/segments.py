"""How many SMS parts a text costs: GSM 03.38 septets or UCS-2 code units, split as carriers split.

A text that fits the GSM 03.38 alphabets is sent as GSM-7: 160 septets in one SMS, 153 per part
once split (a part loses 7 septets to its concatenation header). Anything else, and any Chinese
character, forces UCS-2: 70 UTF-16 code units in one SMS, 67 per part.

Splitting never cuts a character in two: an extension character (ESC + code, 2 septets) or an
astral character such as an emoji (a surrogate pair, 2 code units) moves whole to the next part,
which is what Twilio's segment calculator does. So a split text may need more parts than
ceil(units / 153) or ceil(units / 67).

An empty text counts as one GSM-7 segment of 0 units: Twilio bills an empty body as one message.
"""

from __future__ import annotations

import re
from typing import NamedTuple

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# GSM 03.38 default alphabet, indexed by code 0x00-0x7F. 0x1B is ESC (the escape to the extension
# table), not a character of its own, so it is left out of GSM7_BASIC below.
GSM7_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM7_BASIC = frozenset(GSM7_BASIC_TABLE) - {"\x1b"}

# GSM 03.38 extension table: code after ESC -> character; each costs 2 septets.
GSM7_EXTENSION_TABLE = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
GSM7_EXTENSION = frozenset(GSM7_EXTENSION_TABLE.values())
GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION
# Searched in C, stopping at the first character outside the GSM 03.38 tables.
_NOT_GSM7 = re.compile("[^" + "".join(re.escape(char) for char in sorted(GSM7_ALL)) + "]")
_GSM7_DOUBLE = re.compile("[" + "".join(re.escape(char) for char in sorted(GSM7_EXTENSION)) + "]")

# encoding -> (units in a single SMS, units per part of a split SMS)
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


class Segments(NamedTuple):
    """A text's encoding, its length in that encoding's units, and how many SMS parts it takes."""

    encoding: str
    units: int
    count: int


def count_segments(text: str) -> Segments:
    """The encoding, units and parts of ``text``; an empty text is one GSM-7 segment."""
    if _NOT_GSM7.search(text):  # astral characters are surrogate pairs: 2 UTF-16 code units
        encoding, doubles = UCS2, (len(text.encode("utf-16-le")) // 2 - len(text)) if not text.isascii() else 0
    else:
        encoding, doubles = GSM7, len(_GSM7_DOUBLE.findall(text))
    single, per_part = LIMITS[encoding]
    units = len(text) + doubles
    if units <= single:
        return Segments(encoding, units, 1)
    if not doubles:  # every character one unit: plain division
        return Segments(encoding, units, -(-units // per_part))
    return Segments(encoding, units, _parts([_units(char, encoding) for char in text], single, per_part))


def _units(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def _parts(weights: list[int], single: int, per_part: int) -> int:
    """Pack characters greedily into parts, never splitting one character across two parts."""
    if sum(weights) <= single:
        return 1
    parts, room = 1, per_part
    for weight in weights:
        if weight > room:
            parts, room = parts + 1, per_part
        room -= weight
    return parts
