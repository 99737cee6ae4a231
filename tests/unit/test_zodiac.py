"""domain.zodiac: birth-year animals and the branch relations of DOMAIN.md §2a."""

from datetime import date, timedelta
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunar_python import Solar

from errors import InvalidValue
from domain import lunar, zodiac

# The relations exactly as DOMAIN.md §2a lists them, to check the arithmetic against.
LIUHE = "子丑 寅亥 卯戌 辰酉 巳申 午未"
SANHE = "申子辰 亥卯未 寅午戌 巳酉丑"
LIUCHONG = "子午 丑未 寅申 卯酉 辰戌 巳亥"
ALL_PAIRS = list(product(range(12), repeat=2))

new_year_dates = st.builds(
    lambda year, offset: date(year, 1, 1) + timedelta(days=offset),
    st.integers(1901, 2100), st.integers(0, 59),
)


def in_one_group(groups: str, a: int, b: int) -> bool:
    names = zodiac.BRANCHES[a] + zodiac.BRANCHES[b]
    return a != b and any(set(names) <= set(group) for group in groups.split())


def day_with_branch(branch: int) -> date:
    start = date(2025, 1, 1)
    return next(start + timedelta(days=n) for n in range(12) if lunar.day_branch(start + timedelta(days=n)) == branch)


@pytest.mark.parametrize(
    ("born_on", "boundary", "expected"),
    [
        pytest.param(date(1990, 1, 20), "spring_festival", 5, id="jan-1990-is-a-snake"),
        pytest.param(date(1990, 1, 20), "lichun", 5, id="jan-1990-is-a-snake-by-lichun-too"),
        pytest.param(date(1990, 1, 27), "spring_festival", 6, id="horse-from-new-year-1990"),
        # 2024-02-05: after 立春 (02-04), before the Spring Festival (02-10): the boundaries differ.
        pytest.param(date(2024, 2, 5), "spring_festival", 3, id="between-lichun-and-new-year-rabbit"),
        pytest.param(date(2024, 2, 5), "lichun", 4, id="between-lichun-and-new-year-dragon"),
        # 2023-01-25: after the Spring Festival (01-22), before 立春 (02-04).
        pytest.param(date(2023, 1, 25), "spring_festival", 3, id="between-new-year-and-lichun-rabbit"),
        pytest.param(date(2023, 1, 25), "lichun", 2, id="between-new-year-and-lichun-tiger"),
        pytest.param(date(2024, 2, 10), "spring_festival", 4, id="on-new-years-day"),
        pytest.param(date(2024, 2, 9), "spring_festival", 3, id="on-new-years-eve"),
        pytest.param(date(2024, 2, 4), "lichun", 4, id="on-lichun"),
        pytest.param(date(2024, 2, 3), "lichun", 3, id="day-before-lichun"),
    ],
)
def test_birth_branch(born_on, boundary, expected):
    assert zodiac.birth_branch(born_on, boundary) == expected


def test_birth_branch_rejects_an_unknown_boundary_by_name():
    with pytest.raises(InvalidValue, match="'solstice'"):
        zodiac.birth_branch(date(1990, 1, 20), "solstice")


@pytest.mark.parametrize("born_on", [date(1899, 12, 31), date(2101, 1, 1)], ids=str)
def test_birth_branch_rejects_a_birth_out_of_range_by_name(born_on):
    with pytest.raises(InvalidValue, match=f"birth date {born_on} is outside"):
        zodiac.birth_branch(born_on)


def test_birth_branch_early_in_1900_belongs_to_lunar_1899():
    assert zodiac.birth_branch(date(1900, 1, 30)) == 11  # 己亥, the pig
    assert zodiac.birth_branch(date(1900, 1, 31)) == 0  # 庚子, the rat


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.dates(min_value=lunar.FIRST_DATE, max_value=lunar.LAST_DATE), new_year_dates))
def test_birth_branch_agrees_with_the_library(born_on):
    library = Solar.fromYmd(born_on.year, born_on.month, born_on.day).getLunar()
    assert zodiac.birth_branch(born_on) == library.getYearZhiIndex()
    assert zodiac.birth_branch(born_on, "lichun") == library.getYearZhiIndexByLiChun()


@pytest.mark.parametrize(
    ("branch", "name"), [(0, "鼠"), (1, "牛"), (5, "蛇"), (6, "马"), (11, "猪")], ids=lambda value: str(value)
)
def test_animal_name(branch, name):
    assert zodiac.animal_name(branch) == name


@pytest.mark.parametrize("branch", [-1, 12])
def test_animal_name_rejects_a_branch_that_does_not_exist(branch):
    with pytest.raises(InvalidValue, match=f"branch {branch} does not exist"):
        zodiac.animal_name(branch)


@pytest.mark.parametrize(
    ("relation", "groups"),
    [(zodiac.is_liuhe, LIUHE), (zodiac.is_sanhe, SANHE), (zodiac.is_liuchong, LIUCHONG)],
    ids=["liuhe", "sanhe", "liuchong"],
)
def test_relations_match_the_playbook_on_every_pair(relation, groups):
    assert [relation(a, b) for a, b in ALL_PAIRS] == [in_one_group(groups, a, b) for a, b in ALL_PAIRS]


@pytest.mark.parametrize(
    ("day_branch", "relations", "expected"),
    [
        pytest.param(0, ("liuhe",), "丑", id="rat-day-liuhe"),
        pytest.param(0, ("liuhe", "sanhe"), "丑辰申", id="rat-day-liuhe-and-sanhe"),
        pytest.param(0, ("sanhe",), "辰申", id="rat-day-sanhe"),
        pytest.param(6, ("liuhe", "sanhe"), "未寅戌", id="horse-day"),
        pytest.param(6, (), "", id="no-relations"),
    ],
)
def test_lucky_branches(day_branch, relations, expected):
    lucky = zodiac.lucky_branches(day_with_branch(day_branch), relations)
    assert lucky == frozenset(zodiac.BRANCHES.index(name) for name in expected)


def test_lucky_branches_default_to_liuhe():
    day = date(2023, 1, 22)  # 辰日: 六合 with 酉 (rooster)
    assert zodiac.lucky_branches(day) == frozenset({9})


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_a_clashing_animal_is_never_lucky(day):
    lucky = zodiac.lucky_branches(day, ("liuhe", "sanhe"))
    clash = (lunar.day_branch(day) + 6) % 12
    assert clash not in lucky
    assert len(lucky) == 3


@pytest.mark.parametrize("relations", [("liuhe", "sanhai"), "liuhe"], ids=["misspelt", "bare-string"])
def test_lucky_branches_reject_an_unknown_relation_by_name(relations):
    with pytest.raises(InvalidValue, match="sanhai|'liuhe'"):
        zodiac.lucky_branches(date(2025, 1, 1), relations)
