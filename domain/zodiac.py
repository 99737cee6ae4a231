"""Zodiac animals (生肖) and the branch relations that make a day lucky for them (DOMAIN.md §2a)."""

from collections.abc import Callable
from datetime import date

from errors import InvalidValue
from domain import lunar

BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
ANIMALS = "鼠牛虎兔龙蛇马羊猴鸡狗猪"

# Year 4 CE was a 子 (rat) year, hence the branch of year Y is (Y - 4) % 12.
_RAT_YEAR = 4
_YEAR_STARTS: dict[str, Callable[[int], date]] = {
    "spring_festival": lunar.spring_festival,
    "lichun": lunar.lichun,
}


def birth_branch(born_on: date, boundary: str = "spring_festival") -> int:
    """The branch of the birth year, the Chinese year starting at the Spring Festival or at 立春."""
    year_start = _YEAR_STARTS.get(boundary)
    if year_start is None:
        raise InvalidValue(
            f"unknown zodiac year boundary {boundary!r}: expected one of {sorted(_YEAR_STARTS)}"
        )
    if not lunar.FIRST_YEAR <= born_on.year <= lunar.LAST_YEAR:
        raise InvalidValue(
            f"birth date {born_on} is outside the supported years {lunar.FIRST_YEAR}..{lunar.LAST_YEAR}"
        )
    year = born_on.year if born_on >= year_start(born_on.year) else born_on.year - 1
    return (year - _RAT_YEAR) % 12


def animal_name(branch: int) -> str:
    """The animal of a branch: 0 鼠 .. 11 猪."""
    if not 0 <= branch <= 11:
        raise InvalidValue(f"zodiac branch {branch} does not exist: branches are 0..11")
    return ANIMALS[branch]


def is_liuhe(a: int, b: int) -> bool:
    """Whether two branches form a 六合 pair (子丑 寅亥 卯戌 辰酉 巳申 午未)."""
    return (a + b) % 12 == 1


def is_sanhe(a: int, b: int) -> bool:
    """Whether two distinct branches belong to one 三合 triad (申子辰 亥卯未 寅午戌 巳酉丑)."""
    return a % 4 == b % 4 and a != b


def is_liuchong(a: int, b: int) -> bool:
    """Whether two branches clash (六冲: 子午 丑未 寅申 卯酉 辰戌 巳亥)."""
    return (a - b) % 12 == 6


_RELATIONS: dict[str, Callable[[int, int], bool]] = {"liuhe": is_liuhe, "sanhe": is_sanhe}


def _relation(name: str) -> Callable[[int, int], bool]:
    found = _RELATIONS.get(name)
    if found is None:
        raise InvalidValue(f"unknown branch relation {name!r}: expected one of {sorted(_RELATIONS)}")
    return found


def lucky_branches(day: date, relations: tuple[str, ...] = ("liuhe",)) -> frozenset[int]:
    """The animal branches in any of `relations` with the day's branch, never one that clashes with it."""
    if isinstance(relations, str):
        raise InvalidValue(f"relations must be a tuple of names, not the string {relations!r}")
    tests = [_relation(name) for name in relations]
    today = lunar.day_branch(day)
    return frozenset(
        branch for branch in range(12)
        if any(test(branch, today) for test in tests) and not is_liuchong(branch, today)
    )
