"""domain.festival_text: anchors written the way staff write them, and clear refusals."""

from __future__ import annotations

from datetime import date

import pytest

from errors import InvalidValue
from domain.festival_text import parse_anchor
from domain.festivals import LunarDay, SolarDay, SolarTerm, occurrences


@pytest.mark.parametrize(
    ("text", "anchor_id", "name", "in_2025"),
    [
        pytest.param("zhongqiu", "zhongqiu", "中秋节", [date(2025, 10, 6)], id="id"),
        pytest.param("  ZhongQiu ", "zhongqiu", "中秋节", [date(2025, 10, 6)], id="id-any-case-spaces"),
        pytest.param("中秋节", "zhongqiu", "中秋节", [date(2025, 10, 6)], id="chinese-name"),
        pytest.param("中秋", "zhongqiu", "中秋节", [date(2025, 10, 6)], id="short-name"),
        pytest.param("520", "five_twenty", "520", [date(2025, 5, 20)], id="520"),
        pytest.param("小年(北)", "xiaonian_north", "小年(北)", [date(2025, 1, 22)], id="xiaonian-north"),
        pytest.param("小年（南）", "xiaonian_south", "小年(南)", [date(2025, 1, 23)], id="full-width-parentheses"),
        pytest.param("除夕", "chuxi", "除夕", [date(2025, 1, 28)], id="chuxi"),
        pytest.param("清明", "清明", "清明", [date(2025, 4, 4)], id="solar-term"),
        pytest.param("冬至", "冬至", "冬至", [date(2025, 12, 21)], id="solar-term-dongzhi"),
        pytest.param("农历八月十五", "lunar-08-15", "农历八月十五", [date(2025, 10, 6)], id="lunar"),
        pytest.param("农历腊月初八", "lunar-12-08", "农历腊月初八", [date(2025, 1, 7)], id="lunar-la-yue-chu"),
        pytest.param("农历正月初一", "lunar-01-01", "农历正月初一", [date(2025, 1, 29)], id="lunar-zheng-yue"),
        pytest.param("农历十二月廿三", "lunar-12-23", "农历腊月廿三", [date(2025, 1, 22)], id="lunar-nian"),
        pytest.param("农历冬月初一", "lunar-11-01", "农历冬月初一", [date(2025, 12, 20)], id="lunar-dong-yue"),
        pytest.param("农历 九月初九日", "lunar-09-09", "农历九月初九", [date(2025, 10, 29)], id="lunar-with-ri"),
        pytest.param("阴历8月15日", "lunar-08-15", "农历八月十五", [date(2025, 10, 6)], id="yinli-digits"),
        pytest.param("农历08-15", "lunar-08-15", "农历八月十五", [date(2025, 10, 6)], id="lunar-dashed"),
        pytest.param("农历腊月三十", "lunar-12-30", "农历腊月三十", [], id="lunar-30-in-a-short-month"),
        pytest.param("05-20", "05-20", "5月20日", [date(2025, 5, 20)], id="dashed"),
        pytest.param("5-20", "05-20", "5月20日", [date(2025, 5, 20)], id="dashed-short"),
        pytest.param("5月20日", "05-20", "5月20日", [date(2025, 5, 20)], id="yue-ri"),
        pytest.param("１２月２４号", "12-24", "12月24日", [date(2025, 12, 24)], id="full-width-digits-hao"),
        pytest.param("公历五月二十日", "05-20", "5月20日", [date(2025, 5, 20)], id="gongli-chinese-numerals"),
        pytest.param("02-29", "02-29", "2月29日", [], id="feb-29-common-year"),
    ],
)
def test_staff_expressions(text, anchor_id, name, in_2025):
    anchor = parse_anchor(text)
    assert (anchor.id, anchor.name, occurrences(anchor, 2025)) == (anchor_id, name, in_2025)


def test_the_same_day_written_differently_is_the_same_anchor():
    assert parse_anchor("农历八月十五") == parse_anchor("农历8-15") == parse_anchor("阴历八月十五日")
    assert parse_anchor("5月20日") == parse_anchor("05-20")
    assert parse_anchor("农历八月十五").rule == LunarDay(8, 15)
    assert parse_anchor("05-20").rule == SolarDay(5, 20) and parse_anchor("谷雨").rule == SolarTerm("谷雨")


def test_a_lunar_30th_falls_only_in_years_whose_month_has_30_days():
    assert occurrences(parse_anchor("农历腊月三十"), 2024) == [date(2024, 2, 9)]  # 除夕 2024
    assert [occurrences(parse_anchor("农历腊月三十"), year) for year in (2025, 2026, 2027)] == [[], [], []]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("八月十五", "date '八月十五' is ambiguous: write 农历八月十五 for the lunar date", id="no-calendar"),
        pytest.param("腊月初八", "write 农历腊月初八", id="lunar-month-without-nongli"),
        pytest.param("小年", "festival '小年' is ambiguous: write 小年(北) (腊月廿三) or 小年(南) (腊月廿四)", id="xiaonian"),
        pytest.param("农历闰四月初八", "'农历闰四月初八': festivals are kept in the regular month", id="leap-month"),
        pytest.param("农历十三月初一", "lunar date '农历十三月初一' does not exist", id="month-13"),
        pytest.param("农历八月三十一", "lunar date '农历八月三十一' does not exist", id="day-31"),
        pytest.param("农历八月初十五", "初 goes with days 1..10", id="chu-fifteen"),
        pytest.param("农历八月十十", "'十十' is not a month or day number", id="bad-numeral"),
        pytest.param("2月30日", "date '2月30日' does not exist", id="feb-30"),
        pytest.param("13-01", "date '13-01' does not exist", id="month-13-solar"),
        pytest.param("mid-autumn", "unknown festival or date 'mid-autumn': expected a festival id", id="unknown"),
        pytest.param("", "unknown festival or date ''", id="empty"),
    ],
)
def test_refusals_name_the_text(text, message):
    with pytest.raises(InvalidValue) as raised:
        parse_anchor(text)
    assert message in str(raised.value)
