"""Referral codes drawn in bulk: the same alphabet and length as one at a time, every symbol equally likely."""

from __future__ import annotations

import re
from collections import Counter

from records.codes import _SYMBOL_OF_BYTE, ALPHABET, new_codes


def test_bulk_codes_are_the_asked_number_of_codes_over_the_alphabet():
    codes = new_codes(1000, 7)
    assert len(codes) == 1000
    assert all(re.fullmatch(f"[{ALPHABET}]{{7}}", code) for code in codes)


def test_every_symbol_is_picked_by_the_same_number_of_byte_values():
    assert Counter(_SYMBOL_OF_BYTE.decode("ascii")) == {symbol: 256 // len(ALPHABET) for symbol in ALPHABET}


def test_no_codes_asked_gives_none():
    assert new_codes(0, 7) == []
