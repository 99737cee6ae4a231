"""Short codes people read aloud and type: referral codes and check-in codes (no 0/O, no 1/I)."""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_code(length: int = 6) -> str:
    """A random code over ALPHABET (32 symbols: 6 characters give about a billion codes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(text: str) -> str:
    """A typed code as stored: upper case, without the spaces or dashes people add when reading it."""
    return re.sub(r"[\s\-]", "", text or "").upper()


def is_code(text: str, length: int | None = None) -> bool:
    """Whether ``text`` (normalised) could be a code of ours."""
    code = normalise_code(text)
    return bool(code) and all(ch in ALPHABET for ch in code) and (length is None or len(code) == length)
