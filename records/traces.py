"""A person's traces in free text: their name, their phone in any format, their birthday in any format.

Used by erasure to cut a person out of text that must stay (reasons, audit notes, files jinli wrote),
and by its tests to prove nothing is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Mapping

from domain.phone import national_digits

MIN_NAME = 2  # a one-character "name" would cut that character out of every text
_SEP = r"[\s\-]?"


@dataclass(frozen=True)
class Traces:
    """The patterns of one person; ``found_in`` and ``cut`` work on any text."""

    pattern: re.Pattern | None

    @classmethod
    def of(cls, names: list[str], phone: str, birthdays: list[tuple[int, int, int]]) -> "Traces":
        parts = [phone_pattern(phone)] if phone else []
        parts += [birthday_pattern(*ymd) for ymd in set(birthdays)]
        # Longest first: a former name containing the current one is cut whole.
        parts += [re.escape(name) for name in sorted(set(names), key=len, reverse=True) if name and len(name) >= MIN_NAME]
        return cls(re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None)

    @classmethod
    def of_customer(cls, customer: Mapping) -> "Traces":
        """From a customer row: name, phone, the birth date as stored and its solar date."""
        birthdays = []
        if customer.get("birth_year"):
            birthdays.append((customer["birth_year"], customer["birth_month"], customer["birth_day"]))
        born: date | None = customer.get("born_on")
        if born is not None:
            birthdays.append((born.year, born.month, born.day))
        return cls.of([customer["name"]], customer["phone"], birthdays)

    def found_in(self, text: str | None) -> bool:
        return bool(text) and self.pattern is not None and self.pattern.search(text) is not None

    def cut(self, text: str | None, replacement: str) -> str | None:
        if not text or self.pattern is None:
            return text
        return self.pattern.sub(replacement, text)


def phone_pattern(phone: str) -> str:
    """E.164 or national digits, with or without +86 / 86, spaces or dashes between any digits."""
    digits = national_digits(phone)
    body = _SEP.join(digits)
    return rf"(?<!\d)(?:\+?86{_SEP})?{body}(?!\d)"


def birthday_pattern(year: int, month: int, day: int) -> str:
    """1985-03-05, 1985/3/5, 1985.3.5, 1985年3月5日, 19850305 (a lunar birth date as written too)."""
    m, d = rf"0?{month}", rf"0?{day}"
    return rf"(?<!\d){year}(?:[-/.]{m}[-/.]{d}|年{m}月{d}日?|{month:02d}{day:02d})(?!\d)"
