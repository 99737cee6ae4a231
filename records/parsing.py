"""Cell values as the shop's spreadsheets write them: dates, money, yes/no, movement kinds."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from errors import InvalidValue

_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MAX_AMOUNT = 100_000_000  # yuan; the default of [import] max_amount
_TRUE = {"1", "y", "yes", "true", "t", "是", "有", "✓", "√", "x"}
_FALSE = {"", "0", "n", "no", "false", "f", "否", "无"}
KINDS = {
    "deposit": "deposit", "入金": "deposit",
    "top_up": "top_up", "topup": "top_up", "top-up": "top_up", "加金": "top_up",
    "renewal": "renewal", "renew": "renewal", "续金": "renewal",
    "withdrawal": "withdrawal", "withdraw": "withdrawal", "出金": "withdrawal",
}


def parse_ymd(text: str, what: str = "date") -> tuple[int, int, int]:
    """Year, month, day from 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日 or 20240305 (not validated)."""
    raw = (text or "").strip()
    match = _YMD.match(raw) or _COMPACT.match(raw)
    if not match:
        raise InvalidValue(f"{what} {raw!r} is not a date (expected YYYY-MM-DD)")
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def parse_date(text: str, what: str = "date") -> date:
    """A solar calendar date; an impossible one (2023-02-29) is an InvalidValue naming it."""
    year, month, day = parse_ymd(text, what)
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(f"{what} {text.strip()!r} does not exist") from None


GENDERS = {"男": "M", "m": "M", "male": "M", "男性": "M", "女": "F", "f": "F", "female": "F", "女性": "F"}
UNKNOWN_GENDER = {"", "未知", "unknown", "-"}


def parse_gender(text: str) -> str | None:
    """M or F from 男/女, M/F, male/female (any case); None for an empty or unknown cell."""
    raw = (text or "").strip().lower()
    if raw in UNKNOWN_GENDER:
        return None
    if raw in GENDERS:
        return GENDERS[raw]
    raise InvalidValue(f"gender {text!r}: expected 男 or 女 (M/F, male/female)")


def parse_bool(text: str, what: str) -> bool:
    raw = (text or "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise InvalidValue(f"{what} {text!r}: expected yes or no (是/否, 1/0)")


def parse_money_fen(text: str, what: str = "amount", max_yuan: int = MAX_AMOUNT) -> int:
    """CNY amount in fen from "100000", "100,000.00", "¥5万", "5万元"; positive, at most ``max_yuan``."""
    raw = (text or "").strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    raw = raw.removesuffix("元")
    factor = Decimal(1)
    if raw.endswith("万"):
        raw, factor = raw[:-1], Decimal(10000)
    try:
        value = Decimal(raw) * factor
    except InvalidOperation:
        raise InvalidValue(f"{what} {text!r} is not an amount") from None
    if not value.is_finite():  # NaN, Infinity
        raise InvalidValue(f"{what} {text!r} is not an amount")
    if value > max_yuan:
        raise InvalidValue(f"{what} {text!r} is over the maximum of {max_yuan:,} yuan ([import] max_amount)")
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        raise InvalidValue(f"{what} {text!r} must be a positive amount in yuan with at most 2 decimals")
    return int(value * 100)


def parse_kind(text: str) -> str:
    kind = KINDS.get((text or "").strip().lower())
    if kind is None:
        raise InvalidValue(f"movement type {text!r}: expected deposit/top_up/renewal/withdrawal (入金/加金/续金/出金)")
    return kind


def parse_calendar(text: str) -> str:
    raw = (text or "").strip().lower()
    if raw in {"", "solar", "公历", "阳历", "新历", "gregorian"}:
        return "solar"
    if raw in {"lunar", "农历", "阴历", "旧历"}:
        return "lunar"
    raise InvalidValue(f"birthday calendar {text!r}: expected solar or lunar (公历/农历)")


def yuan(fen: int) -> str:
    """Fen as a yuan figure for people: 10000000 -> '100,000'; 1234550 -> '12,345.50'."""
    whole, cents = divmod(int(fen), 100)
    return f"{whole:,}" if cents == 0 else f"{whole:,}.{cents:02d}"
