"""Short codes people read aloud and type: referral codes and check-in codes (no 0/O, no 1/I)."""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_SYMBOL_OF_BYTE = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(256))


def new_code(length: int = 6) -> str:
    """A random code over ALPHABET (32 symbols: 6 characters give about a billion codes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_codes(count: int, length: int = 6) -> list[str]:
    """``count`` random codes from one read of the OS's randomness: each byte's low 5 bits pick a symbol
    (256 is a multiple of 32, so every symbol is equally likely), as ``new_code`` would, a million times cheaper in calls."""
    data = secrets.token_bytes(count * length)
    symbols = data.translate(_SYMBOL_OF_BYTE).decode("ascii")
    return [symbols[i:i + length] for i in range(0, count * length, length)]


def normalise_code(text: str) -> str:
    """A typed code as stored: upper case, without the spaces or dashes people add when reading it."""
    return re.sub(r"[\s\-]", "", text or "").upper()


def is_code(text: str, length: int | None = None) -> bool:
    """Whether ``text`` (normalised) could be a code of ours."""
    code = normalise_code(text)
    return bool(code) and all(ch in ALPHABET for ch in code) and (length is None or len(code) == length)
