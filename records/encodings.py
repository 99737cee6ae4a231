"""Which encoding a CSV file is in, by a strict try-in-order rather than a statistical guess.

Order: a BOM decides (UTF-8 → ``utf-8-sig``; UTF-16 LE/BE → ``utf-16``); else the file is UTF-8 when its
first non-ASCII characters decode as UTF-8; else GB18030 (a superset of GBK and GB2312: what Chinese
Excel's plain "CSV" saves). UTF-8 is self-checking: Chinese text in GBK practically never decodes as
UTF-8, so the answer is deterministic and explainable, where a statistical detector (charset-normalizer)
can call a short Chinese file Big5 or a Cyrillic code page. A file that starts as UTF-8 and breaks later
stays UTF-8, so the reader names the row with the bad bytes instead of importing mojibake.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-16``, ``utf-8`` or ``gb18030`` for the file at ``path``."""
    with open(path, "rb") as file:
        return encoding_of(file)


def encoding_of(file: BinaryIO) -> str:
    """The same answer for an open binary file, read from its start."""
    head = file.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    file.seek(0)
    return "utf-8" if _starts_as_utf8(file) else "gb18030"


def _starts_as_utf8(file) -> bool:
    """Whether the first non-ASCII bytes of ``file`` are UTF-8 (an all-ASCII file is UTF-8)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    while chunk := file.read(CHUNK):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            return not chunk[:exc.start].isascii()
        if not text.isascii():
            return True
    return True


def label(encoding: str) -> str:
    """The encoding's name for people: UTF-8, UTF-16, GB18030."""
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16", "gb18030": "GB18030"}.get(encoding, encoding)
