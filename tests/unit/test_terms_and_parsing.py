"""Terms, dates, money and flags as the shop's spreadsheets write them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st

from errors import InvalidValue
from records.parsing import parse_bool, parse_date, parse_kind, parse_money_fen, yuan
from records.terms import add_months, parse_term


@pytest.mark.parametrize("text, start, maturity", [
    ("2m", date(2024, 12, 31), date(2025, 2, 28)),
    ("2m", date(2023, 12, 31), date(2024, 2, 29)),
    ("1m", date(2025, 1, 31), date(2025, 2, 28)),
    ("98d", date(2025, 1, 1), date(2025, 4, 9)),
    ("6m", date(2025, 8, 31), date(2026, 2, 28)),
    ("1y", date(2024, 2, 29), date(2025, 2, 28)),
    ("半年", date(2025, 1, 15), date(2025, 7, 15)),
    ("一年", date(2025, 1, 15), date(2026, 1, 15)),
], ids=lambda v: str(v))
def test_maturity_is_start_plus_term_with_month_ends_clamped(text, start, maturity):
    assert parse_term(text).add_to(start) == maturity


def test_terms_order_by_length():
    assert parse_term("59d") < parse_term("2m") < parse_term("98d") < parse_term("6m") < parse_term("1y")
    assert parse_term("1y").nominal_days == parse_term("12m").nominal_days


@pytest.mark.parametrize("bad", ["", "0m", "3w", "m2", "1.5y", "two months"])
def test_bad_terms_name_the_value(bad):
    with pytest.raises(InvalidValue, match="invalid term"):
        parse_term(bad)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 1, 1)), st.integers(min_value=-60, max_value=60))
def test_add_months_lands_in_the_right_month_and_never_overshoots(start, months):
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day <= start.day


@pytest.mark.parametrize("text, expected", [
    ("2024-03-05", date(2024, 3, 5)), ("2024/3/5", date(2024, 3, 5)), ("2024.03.05", date(2024, 3, 5)),
    ("20240305", date(2024, 3, 5)), ("2024年3月5日", date(2024, 3, 5)), (" 2024-3-5 ", date(2024, 3, 5)),
])
def test_dates_in_the_forms_excel_exports(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("bad", ["2023-02-29", "2024-13-01", "05/03/2024", "yesterday", ""])
def test_bad_dates_name_the_value(bad):
    with pytest.raises(InvalidValue):
        parse_date(bad)


@pytest.mark.parametrize("text, fen", [
    ("100000", 10_000_000), ("100,000.00", 10_000_000), ("¥5万", 5_000_000), ("5万元", 5_000_000),
    ("12345.5", 1_234_550), ("0.01", 1),
])
def test_money_in_fen(text, fen):
    assert parse_money_fen(text) == fen


@pytest.mark.parametrize("bad", ["0", "-5", "abc", "1.234", ""])
def test_bad_money(bad):
    with pytest.raises(InvalidValue):
        parse_money_fen(bad)


def test_flags_and_kinds():
    assert [parse_bool(v, "x") for v in ("是", "yes", "1", "", "否", "0", "NO")] == [True, True, True, False, False, False, False]
    assert [parse_kind(v) for v in ("入金", "加金", "续金", "出金", "Top_Up")] == ["deposit", "top_up", "renewal", "withdrawal", "top_up"]
    with pytest.raises(InvalidValue, match="maybe"):
        parse_bool("maybe", "monthly_return")
    assert yuan(10_000_000) == "100,000" and yuan(1_234_550) == "12,345.50"
