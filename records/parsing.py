"""Cell values as the shop's spreadsheets write them: dates, money, yes/no, movement kinds."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from errors import InvalidValue

_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")  # 1956/1/1 0:00, 2024-03-05T00:00:00
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")  # an Excel serial date: 10000 is 1927-05-18, 99999 in 2173
_EXCEL_EPOCH = date(1899, 12, 30)
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_WHOLE_FLOAT = re.compile(r"^(\+?\d+)\.0+$")
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
    """Year, month, day from 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305, an Excel serial
    (45356) or any of these followed by a time of day, which is ignored (not validated)."""
    raw = drop_time(text)
    if serial := _SERIAL.match(raw):
        day = _EXCEL_EPOCH + timedelta(days=int(serial.group(1)))
        return day.year, day.month, day.day
    match = _YMD.match(raw) or _COMPACT.match(raw)
    if not match:
        raise InvalidValue(f"{what} {text.strip()!r} is not a date (expected YYYY-MM-DD)", key="reject_not_date",
                           what=what, value=text.strip())
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def drop_time(text: str) -> str:
    """A date cell without the time of day Excel may add (``1956/1/1 0:00`` -> ``1956/1/1``)."""
    return _TIME.sub("", (text or "").strip())


def phone_cell(text: str) -> str:
    """A phone cell as Excel may leave it: ``13512345678.0`` is 13512345678; ``1.35123E+10`` lost its digits."""
    raw = (text or "").strip()
    if _SCIENTIFIC.match(raw):
        raise InvalidValue(f"phone {raw!r} is in scientific notation and its last digits are lost: "
                           "format the column as text in Excel and type the numbers again",
                           key="reject_phone_scientific", raw=raw)
    whole = _WHOLE_FLOAT.match(raw)
    return whole.group(1) if whole else raw


def parse_date(text: str, what: str = "date") -> date:
    """A solar calendar date; an impossible one (2023-02-29) is an InvalidValue naming it."""
    year, month, day = parse_ymd(text, what)
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(f"{what} {text.strip()!r} does not exist", key="reject_no_such_date", what=what,
                           value=text.strip()) from None


GENDERS = {"男": "M", "m": "M", "male": "M", "男性": "M", "女": "F", "f": "F", "female": "F", "女性": "F"}
UNKNOWN_GENDER = {"", "未知", "unknown", "-"}


def parse_gender(text: str) -> str | None:
    """M or F from 男/女, M/F, male/female (any case); None for an empty or unknown cell."""
    raw = (text or "").strip().lower()
    if raw in UNKNOWN_GENDER:
        return None
    if raw in GENDERS:
        return GENDERS[raw]
    raise InvalidValue(f"gender {text!r}: expected 男 or 女 (M/F, male/female)",
                       key="reject_gender", value=text)


def parse_bool(text: str, what: str) -> bool:
    raw = (text or "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise InvalidValue(f"{what} {text!r}: expected yes or no (是/否, 1/0)",
                       key="reject_yes_no", what=what, value=text)


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
        raise InvalidValue(f"{what} {text!r} is not an amount", key="reject_not_amount", what=what, value=text) from None
    if not value.is_finite():  # NaN, Infinity
        raise InvalidValue(f"{what} {text!r} is not an amount", key="reject_not_amount", what=what, value=text)
    if value > max_yuan:
        raise InvalidValue(f"{what} {text!r} is over the maximum of {max_yuan:,} yuan ([import] max_amount)",
                           key="reject_amount_over", what=what, value=text, max=f"{max_yuan:,}")
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        raise InvalidValue(f"{what} {text!r} must be a positive amount in yuan with at most 2 decimals",
                           key="reject_amount_positive", what=what, value=text)
    return int(value * 100)


def parse_kind(text: str) -> str:
    kind = KINDS.get((text or "").strip().lower())
    if kind is None:
        raise InvalidValue(f"movement type {text!r}: expected deposit/top_up/renewal/withdrawal (入金/加金/续金/出金)",
                           key="reject_movement_kind", value=text)
    return kind


def parse_calendar(text: str) -> str:
    raw = (text or "").strip().lower()
    if raw in {"", "solar", "公历", "阳历", "新历", "gregorian"}:
        return "solar"
    if raw in {"lunar", "农历", "阴历", "旧历"}:
        return "lunar"
    raise InvalidValue(f"birthday calendar {text!r}: expected solar or lunar (公历/农历)",
                       key="reject_birth_calendar", value=text)


def yuan(fen: int) -> str:
    """Fen as a yuan figure for people: 10000000 -> '100,000'; 1234550 -> '12,345.50'."""
    whole, cents = divmod(int(fen), 100)
    return f"{whole:,}" if cents == 0 else f"{whole:,}.{cents:02d}"
