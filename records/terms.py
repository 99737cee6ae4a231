"""Product terms written as the shop writes them ("2m", "98d", "6m", "1y") and date arithmetic on them."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from errors import InvalidValue

_TERM = re.compile(r"^\s*(\d{1,4})\s*([dmy])\s*$", re.IGNORECASE)
_CHINESE_TERM = re.compile(r"^(\d{1,4})(个月|月|天|日|年)$")
_CHINESE_UNITS = {"个月": "m", "月": "m", "天": "d", "日": "d", "年": "y"}
_CJK_NUMERAL = re.compile(r"[零一二两三四五六七八九十百千]")
MAX_TERM_DAYS = 100 * 365  # longer is a typing slip (9999y), and would run past the year 9999
_CHINESE = {"半年": "6m"}


@dataclass(frozen=True, order=True)
class Term:
    """A fixed product term; ordered by its nominal length in days."""

    nominal_days: int
    count: int
    unit: str  # "d", "m" or "y"

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    def add_to(self, start: date) -> date:
        """The maturity date: start + term, calendar arithmetic, month ends clamped."""
        try:
            if self.unit == "d":
                return start + timedelta(days=self.count)
            return add_months(start, self.count * (12 if self.unit == "y" else 1))
        except (OverflowError, ValueError):
            raise InvalidValue(f"{start.isoformat()} + {self} is after the year 9999",
                               key="reject_term_after_9999", start=start.isoformat(), term=str(self)) from None

    def subtract_from(self, end: date) -> date:
        """The latest start date whose maturity is ``end`` (the planner's "start by")."""
        if self.unit == "d":
            return end - timedelta(days=self.count)
        return add_months(end, -self.count * (12 if self.unit == "y" else 1))

    @property
    def label_zh(self) -> str:
        if self.unit == "d":
            return f"{self.count}天"
        if self.unit == "y":
            return "一年" if self.count == 1 else f"{self.count}年"
        return "半年" if self.count == 6 else f"{self.count}个月"


def parse_term(text: str) -> Term:
    """Parse "98d", "2m", "6m", "1y" or the Chinese N个月, N天, N年, 半年, 一年, 两个月 (numerals in
    digits or Chinese, through cn2an) into a Term; anything else is an InvalidValue."""
    raw = _from_chinese(unicodedata.normalize("NFKC", str(text)).strip().replace(" ", ""))
    match = _TERM.match(raw)
    if not match or int(match.group(1)) == 0:
        raise InvalidValue(f"invalid term {text!r}: expected a number and d, m or y, e.g. 98d, 2m, 6m, 1y",
                           key="reject_term", value=text)
    count, unit = int(match.group(1)), match.group(2).lower()
    days = {"d": count, "m": count * 365 // 12, "y": count * 365}[unit]
    if days > MAX_TERM_DAYS:
        raise InvalidValue(f"invalid term {text!r}: longer than 100 years",
                           key="reject_term_too_long", value=text)
    return Term(days, count, unit)


def _from_chinese(raw: str) -> str:
    """半年 -> 6m, 三个月 -> 3m, 12个月 -> 12m, 98天 -> 98d, 一年 -> 1y; other text unchanged."""
    if raw in _CHINESE:
        return _CHINESE[raw]
    if _CJK_NUMERAL.search(raw):
        import cn2an  # only for a term written in Chinese numerals (cn2an is slow to import)
        raw = cn2an.transform(raw, "cn2an")
    match = _CHINESE_TERM.match(raw)
    return f"{match.group(1)}{_CHINESE_UNITS[match.group(2)]}" if match else raw


def add_months(start: date, months: int) -> date:
    """Add calendar months, clamping to the month's last day (1-31 + 1m = 2-28/29)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))
