"""domain.starsigns: the fixed civil table of DOMAIN.md §2a."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errors import InvalidValue
from domain import starsigns

# The table as DOMAIN.md §2a writes it; the test reads it independently of the module's table.
PLAYBOOK_TABLE = (
    "摩羯 12/22–1/19, 水瓶 1/20–2/18, 双鱼 2/19–3/20, 白羊 3/21–4/19, 金牛 4/20–5/20, "
    "双子 5/21–6/21, 巨蟹 6/22–7/22, 狮子 7/23–8/22, 处女 8/23–9/22, 天秤 9/23–10/23, "
    "天蝎 10/24–11/22, 射手 11/23–12/21"
)


def playbook_sign(d: date) -> str:
    for entry in PLAYBOOK_TABLE.split(", "):
        name, span = entry.split()
        first, last = (tuple(map(int, end.split("/"))) for end in span.split("–"))
        day = (d.month, d.day)
        inside = first <= day <= last if first <= last else day >= first or day <= last
        if inside:
            return name
    raise AssertionError(f"{d} is in no sign")


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ((1, 1), "摩羯"), ((1, 19), "摩羯"), ((1, 20), "水瓶"), ((2, 18), "水瓶"), ((2, 19), "双鱼"),
        ((2, 29), "双鱼"), ((3, 20), "双鱼"), ((3, 21), "白羊"), ((4, 19), "白羊"), ((4, 20), "金牛"),
        ((5, 20), "金牛"), ((5, 21), "双子"), ((6, 21), "双子"), ((6, 22), "巨蟹"), ((7, 22), "巨蟹"),
        ((7, 23), "狮子"), ((8, 22), "狮子"), ((8, 23), "处女"), ((9, 22), "处女"), ((9, 23), "天秤"),
        ((10, 23), "天秤"), ((10, 24), "天蝎"), ((11, 22), "天蝎"), ((11, 23), "射手"),
        ((12, 21), "射手"), ((12, 22), "摩羯"), ((12, 31), "摩羯"),
    ],
    ids=lambda value: "-".join(map(str, value)) if isinstance(value, tuple) else value,
)
def test_star_sign_at_every_boundary(day, name):
    assert starsigns.sign_name(starsigns.star_sign(date(2024, *day))) == name


def test_every_day_of_a_leap_year_follows_the_playbook_table():
    days = [date(2024, 1, 1) + timedelta(days=n) for n in range(366)]
    assert [starsigns.SIGNS[starsigns.star_sign(d)] for d in days] == [playbook_sign(d) for d in days]


@given(st.dates())
def test_the_sign_depends_on_month_and_day_only(d):
    same_day_in_2024 = date(2024, d.month, d.day)
    assert starsigns.star_sign(d) == starsigns.star_sign(same_day_in_2024)


def test_signs_are_in_the_documented_order():
    assert starsigns.SIGNS[0] == "白羊" and starsigns.SIGNS[9] == "摩羯" and len(starsigns.SIGNS) == 12


@pytest.mark.parametrize("index", [-1, 12])
def test_sign_name_rejects_a_sign_that_does_not_exist(index):
    with pytest.raises(InvalidValue, match=f"star sign {index} does not exist"):
        starsigns.sign_name(index)
