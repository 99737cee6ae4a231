"""Birthdays as staff type them: solar dates in every common form, lunar dates in Chinese numerals,
with or without the year.

Solar: ``1985/3/5``, ``1962年8月15日``, ``19900120``, ``1992.12.12``, ``1985-03-05``, an Excel serial,
a date-time (the time ignored). Lunar, when the text starts with 农历/阴历/旧历, holds 闰, or the
calendar column says so: ``农历1962年八月十五``, ``1970年闰4月8日``, ``农历正月初八``, ``腊月廿三``, and a
month and day alone (``农历八月十五``): the year is then unknown. Chinese numerals go through cn2an.
"""

from __future__ import annotations

import re
import unicodedata

import cn2an

from errors import InvalidValue, Said
from records.parsing import drop_time, parse_bool, parse_calendar, parse_ymd
from domain.birthdays import Birth

_PREFIX = re.compile(r"^(农历|阴历|旧历|公历|阳历|新历)\s*")
_LUNAR_WORDS = {"农历", "阴历", "旧历"}
_MONTH_NAMES = (("正月", "1月"), ("元月", "1月"), ("冬月", "11月"), ("腊月", "12月"), ("臘月", "12月"))
_CJK_NUMERAL = re.compile(r"[〇零一二两三四五六七八九十廿卅]")
_WITH_YEAR = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_NO_YEAR = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})日?$")


def parse_birthday(text: str, calendar_text: str = "", leap_text: str = "") -> Birth:
    """The birth as written (year None when a lunar month and day come alone); InvalidValue names the cell."""
    raw = drop_time(unicodedata.normalize("NFKC", text or ""))
    prefix = _PREFIX.match(raw)
    body = _digits(raw[prefix.end():] if prefix else raw)
    leap_mark = "闰" in body or "閏" in body
    body = body.replace("闰", "").replace("閏", "").strip()
    calendar = _calendar(raw, prefix.group(1) if prefix else None, calendar_text, leap_mark)
    leap = leap_mark or (parse_bool(leap_text, "leap") if calendar == "lunar" else False)
    year, month, day = _year_month_day(raw, body, calendar)
    return Birth(calendar, year, month, day, leap)


def _digits(text: str) -> str:
    """Chinese month names and numerals as digits: 正月初八 -> 1月8, 一九六二年八月十五 -> 1962年8月15."""
    for name, month in _MONTH_NAMES:
        text = text.replace(name, month)
    if _CJK_NUMERAL.search(text):
        text = cn2an.transform(text.replace("廿", "二十").replace("卅", "三十"), "cn2an")
    return re.sub(r"初(?=\d)", "", text).replace(" ", "")


def _calendar(raw: str, prefix: str | None, calendar_text: str, leap_mark: bool) -> str:
    """Lunar or solar, from the text's own word, the calendar column, or a 闰 month."""
    said = ("lunar" if prefix in _LUNAR_WORDS else "solar") if prefix else None
    column = parse_calendar(calendar_text) if (calendar_text or "").strip() else None
    if said and column and said != column:
        raise InvalidValue(f"birthday {raw!r} is {said} but the calendar column says {column}",
                           key="reject_birthday_calendar_conflict", raw=raw, said=Said(said, f"calendar_{said}"), column=Said(column, f"calendar_{column}"))
    calendar = said or column or ("lunar" if leap_mark else "solar")
    if leap_mark and calendar != "lunar":
        raise InvalidValue(f"birthday {raw!r} has a leap month (闰) but is not lunar",
                           key="reject_birthday_leap_not_lunar", raw=raw)
    return calendar


def _year_month_day(raw: str, body: str, calendar: str) -> tuple[int | None, int, int]:
    if yearless := _NO_YEAR.match(body):
        if calendar != "lunar":
            raise InvalidValue(f"birthday {raw!r} has no year (only a lunar birthday may leave it out)",
                               key="reject_birthday_no_year", raw=raw)
        return None, int(yearless.group(1)), int(yearless.group(2))
    if full := _WITH_YEAR.match(body):
        return int(full.group(1)), int(full.group(2)), int(full.group(3))
    try:
        return parse_ymd(body, "birthday")
    except InvalidValue:
        raise InvalidValue(f"birthday {raw!r} is not a date (e.g. 1985/3/5, 1962年8月15日, 农历1962年八月十五)",
                           key="reject_birthday_not_date", raw=raw) from None
