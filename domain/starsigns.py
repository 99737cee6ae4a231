"""Star signs (星座) by the fixed civil table Chinese sites use (DOMAIN.md §2a)."""

from bisect import bisect_right
from datetime import date

from errors import InvalidValue

SIGNS = (
    "白羊", "金牛", "双子", "巨蟹", "狮子", "处女",
    "天秤", "天蝎", "射手", "摩羯", "水瓶", "双鱼",
)

# (month, day) on which each sign begins, in calendar order. The table is fixed, not astronomical:
# staff expect the same boundaries every year.
_BEGINS = ((1, 20), (2, 19), (3, 21), (4, 20), (5, 21), (6, 22),
           (7, 23), (8, 23), (9, 23), (10, 24), (11, 23), (12, 22))
_SIGN_BEGINNING = (10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)


def star_sign(d: date) -> int:
    """The index in SIGNS of the sun sign of day d."""
    # Before 20 January, index -1 wraps to the sign begun on 22 December (摩羯).
    return _SIGN_BEGINNING[bisect_right(_BEGINS, (d.month, d.day)) - 1]


def sign_name(i: int) -> str:
    """The Chinese name of star sign i (0 白羊 .. 11 双鱼)."""
    if not 0 <= i <= 11:
        raise InvalidValue(f"star sign {i} does not exist: signs are 0..11")
    return SIGNS[i]
