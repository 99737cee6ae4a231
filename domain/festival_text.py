"""Festival anchors as staff write them: ``zhongqiu``, ``中秋节``, ``清明``, ``农历八月十五``, ``05-20``, ``5月20日``.

``parse_anchor`` turns such a text into a ``festivals.Anchor`` or raises InvalidValue naming the text.
Chinese numerals go through cn2an; a month and day without 农历 must be in digits (八月十五 alone
could be either calendar, so it is refused with a hint).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import cn2an

from errors import InvalidValue
from domain import lunar
from domain.festivals import FESTIVALS, SOLAR_TERMS, Anchor, LunarDay, SolarDay

# Short forms staff use for the named festivals besides their ids and full names.
_ALIASES = {"元宵": "yuanxiao", "端午": "duanwu", "七夕节": "qixi", "中秋": "zhongqiu", "国庆": "national_day",
            "重阳": "chongyang", "腊八": "laba", "圣诞": "christmas", "大年初一": "chunjie", "大年三十": "chuxi"}
_BY_ID = {anchor.id: anchor for anchor in FESTIVALS + SOLAR_TERMS}
_BY_NAME = {anchor.name: anchor for anchor in FESTIVALS + SOLAR_TERMS} | {
    alias: _BY_ID[id_] for alias, id_ in _ALIASES.items()}

_CN_DIGITS = "〇零一二三四五六七八九十廿卅"
_MONTH = rf"(?P<month>正|冬|腊|[{_CN_DIGITS}]+|\d{{1,2}})月"
_DAY = rf"(?P<day>初[{_CN_DIGITS}]+|[{_CN_DIGITS}]+|\d{{1,2}})[日号]?"
_LUNAR = re.compile(rf"(?:农历|阴历)(?P<leap>闰)?(?:{_MONTH}{_DAY}|(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}))")
_SOLAR = re.compile(rf"(?P<prefix>公历|阳历|新历)?(?:{_MONTH}{_DAY}|(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}))")
_NAMED_MONTHS = {"正": 1, "冬": 11, "腊": 12}
_EXPECTED = ("expected a festival id (chunjie, zhongqiu …), a Chinese name (春节, 中秋节 …), a solar term (清明 …), "
             "a lunar date such as 农历八月十五, or a date such as 05-20 or 5月20日")


def parse_anchor(text: str) -> Anchor:
    """The anchor ``text`` names; InvalidValue naming ``text`` if it is none of the accepted forms."""
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    found = _BY_ID.get(cleaned.lower()) or _BY_NAME.get(cleaned)
    if found:
        return found
    if cleaned == "小年":
        raise InvalidValue(f"festival {text!r} is ambiguous: write 小年(北) (腊月廿三) or 小年(南) (腊月廿四)")
    if lunar_match := _LUNAR.fullmatch(cleaned):
        return _lunar_anchor(text, lunar_match)
    if solar_match := _SOLAR.fullmatch(cleaned):
        return _solar_anchor(text, solar_match)
    raise InvalidValue(f"unknown festival or date {text!r}: {_EXPECTED}")


def lunar_anchor(month: int, day: int) -> Anchor:
    """The anchor of a lunar date in the regular month, named the way a calendar prints it."""
    return Anchor(f"lunar-{month:02d}-{day:02d}", f"农历{lunar.month_name(month)}{lunar.day_name(day)}", LunarDay(month, day))


def solar_anchor(month: int, day: int) -> Anchor:
    """The anchor of a Gregorian month and day, repeated every year."""
    return Anchor(f"{month:02d}-{day:02d}", f"{month}月{day}日", SolarDay(month, day))


def _lunar_anchor(text: str, match: re.Match) -> Anchor:
    if match["leap"]:
        raise InvalidValue(f"lunar date {text!r}: festivals are kept in the regular month, not the leap month (闰)")
    month, day = _month_day(text, match)
    if not (1 <= month <= 12 and 1 <= day <= 30):
        raise InvalidValue(f"lunar date {text!r} does not exist: lunar months are 1..12 (正月..腊月), days 1..30")
    return lunar_anchor(month, day)


def _solar_anchor(text: str, match: re.Match) -> Anchor:
    in_digits = match["m"] or (match["month"].isdigit() and match["day"].isdigit())
    if match["month"] in _NAMED_MONTHS or not (match["prefix"] or in_digits):
        lunar_text = f"农历{match['month']}月{match['day']}"
        raise InvalidValue(f"date {text!r} is ambiguous: write {lunar_text} for the lunar date, "
                           f"or the month and day in digits (such as 5月20日) for the solar one")
    month, day = _month_day(text, match)
    try:
        date(2000, month, day)  # a leap year: 2月29日 is a date, in leap years only
    except ValueError:
        raise InvalidValue(f"date {text!r} does not exist: expected a month 1..12 and a day of that month") from None
    return solar_anchor(month, day)


def _month_day(text: str, match: re.Match) -> tuple[int, int]:
    if match["m"]:
        return int(match["m"]), int(match["d"])
    month = _NAMED_MONTHS.get(match["month"]) or _number(text, match["month"])
    day = _number(text, match["day"].removeprefix("初"))
    if match["day"].startswith("初") and day > 10:
        raise InvalidValue(f"lunar date {text!r}: 初 goes with days 1..10 (初一..初十)")
    return month, day


def _number(text: str, numeral: str) -> int:
    """A month or day number written in digits or Chinese numerals (廿 = 二十, 卅 = 三十)."""
    if numeral.isdigit():
        return int(numeral)
    spelled = numeral.replace("廿", "二十").replace("卅", "三十")
    try:
        return int(cn2an.cn2an(spelled, "strict"))
    except ValueError:
        raise InvalidValue(f"date {text!r}: {numeral!r} is not a month or day number") from None
