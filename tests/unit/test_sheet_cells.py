"""Cells and headers as staff's spreadsheets give them: terms, dates, phones, lunar birthdays, headers, encodings."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from errors import InvalidValue
from records.birthday_text import parse_birthday
from records.encodings import detect_encoding
from records.headers import Column, header_key, map_header, parse_mapping
from records.importing import CUSTOMER_COLUMNS, birth_columns
from records.parsing import parse_date, phone_cell
from records.terms import parse_term
from domain.birthdays import Birth, birthday_key, birthdays_in_year


@pytest.mark.parametrize("text, term", [
    ("3个月", "3m"), ("12个月", "12m"), ("2个月", "2m"), ("两个月", "2m"), ("三个月", "3m"), ("十二个月", "12m"),
    ("6个月", "6m"), ("98天", "98d"), ("九十八天", "98d"), ("3年", "3y"), ("一年", "1y"), ("半年", "6m"),
    ("１年", "1y"), ("2 个月", "2m"), ("98d", "98d"), ("1y", "1y"),
])
def test_terms_in_chinese_with_any_number(text, term):
    assert str(parse_term(text)) == term


@pytest.mark.parametrize("text, expected", [
    ("1956/1/1 0:00", date(1956, 1, 1)), ("2024-03-05T00:00:00", date(2024, 3, 5)), ("2024/3/5 14:30:05", date(2024, 3, 5)),
    ("31112", date(1985, 3, 6)), ("45356", date(2024, 3, 5)), ("45356.0", date(2024, 3, 5)),
    ("1992.12.12", date(1992, 12, 12)), ("19900120", date(1990, 1, 20)),
])
def test_dates_with_a_time_of_day_or_as_excel_serials(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, phone", [("13512345678.0", "13512345678"), ("13512345678", "13512345678"),
                                         ("+86 137-1234-5678", "+86 137-1234-5678")])
def test_whole_numbers_stored_as_floats_are_phones(text, phone):
    assert phone_cell(text) == phone


@pytest.mark.parametrize("text", ["1.35123E+10", "1.35123e10", "13512345678E0"])
def test_scientific_notation_phones_are_refused_with_the_fix(text):
    with pytest.raises(InvalidValue, match="format the column as text"):
        phone_cell(text)


@pytest.mark.parametrize("text, calendar, birth", [
    ("农历1962年八月十五", "", Birth("lunar", 1962, 8, 15)),
    ("1970年闰4月8日", "农历", Birth("lunar", 1970, 4, 8, True)),
    ("1970年闰4月8日", "阴历", Birth("lunar", 1970, 4, 8, True)),
    ("农历八月十五", "", Birth("lunar", None, 8, 15)),
    ("阴历正月初八", "", Birth("lunar", None, 1, 8)),
    ("腊月廿三", "农历", Birth("lunar", None, 12, 23)),
    ("一九六二年八月十五", "农历", Birth("lunar", 1962, 8, 15)),
    ("1985/3/5", "", Birth("solar", 1985, 3, 5)),
    ("1962年8月15日", "", Birth("solar", 1962, 8, 15)),
    ("19900120", "", Birth("solar", 1990, 1, 20)),
    ("1992.12.12", "", Birth("solar", 1992, 12, 12)),
    ("1956/1/1 0:00", "", Birth("solar", 1956, 1, 1)),
    ("31112", "", Birth("solar", 1985, 3, 6)),
    ("１９８５/３/５", "", Birth("solar", 1985, 3, 5)),
    ("1988-02-29", "公历", Birth("solar", 1988, 2, 29)),
], ids=lambda v: v if isinstance(v, str) else None)
def test_birthdays_as_staff_write_them(text, calendar, birth):
    assert parse_birthday(text, calendar) == birth


@pytest.mark.parametrize("text, calendar, reason", [
    ("8月15日", "", "has no year"),
    ("公历1985年3月5日", "农历", "calendar column says lunar"),
    ("闰4月8日", "公历", "not lunar"),
    ("十五", "", "not a date"),
])
def test_birthdays_that_cannot_be_read_say_why(text, calendar, reason):
    with pytest.raises(InvalidValue, match=reason):
        parse_birthday(text, calendar)


def test_29_february_is_a_birth_date_in_leap_years_only():
    assert birth_columns("1988/2/29", "", "")["born_on"] == date(1988, 2, 29)
    with pytest.raises(InvalidValue, match="does not exist"):
        birth_columns("1989/2/29", "", "")


def test_a_yearless_lunar_birthday_keeps_its_key_and_has_no_zodiac_or_sign():
    stored = birth_columns("农历八月十五", "", "")
    assert stored["birth_year"] is None and stored["born_on"] is None
    assert stored["birthday_key"] == birthday_key(Birth("lunar", None, 8, 15)) == 100815
    assert (stored["animal_sf"], stored["animal_lc"], stored["star_sign"]) == (None, None, None)
    assert birthdays_in_year(Birth("lunar", None, 8, 15), 2025) == [date(2025, 10, 6)]  # 中秋 2025


@pytest.mark.parametrize("header, column", [
    ("手机号（必填）", "phone"), ("*手机号", "phone"), ("手机号码", "phone"), ("联系电话", "phone"), (" 手机 号 ", "phone"),
    ("所属门店", "store"), ("客户姓名", "name"), ("姓名(必填)", "name"), ("Joined On", "joined_on"), ("出生日期*", "birthday"),
])
def test_decorated_headers_map_by_the_stated_rule(header, column):
    found = map_header([header], CUSTOMER_COLUMNS, {})
    assert [c.name for c in found.mapping.values()] == [column]


def test_extra_columns_are_ignored_and_a_mapping_wins_over_aliases():
    found = map_header(["序号", "客户来源", "电话", "姓名", "备注"], CUSTOMER_COLUMNS,
                       parse_mapping(["客户来源=referrer"], CUSTOMER_COLUMNS))
    assert {i: c.name for i, c in found.mapping.items()} == {1: "referrer", 2: "phone", 3: "name"}
    assert found.ignored == ["序号", "备注"]
    assert header_key("手机号（必填）") == header_key("*手机号") == "手机号"


def test_a_mapping_to_an_unknown_column_is_refused():
    with pytest.raises(InvalidValue, match="unknown column 'phon'"):
        parse_mapping(["联系电话=phon"], (Column("phone"),))


@pytest.mark.parametrize("encoding, data, expected", [
    ("utf-8-sig", "手机号,姓名\n".encode("utf-8-sig"), "utf-8-sig"),
    ("utf-8", "手机号,姓名\n".encode("utf-8"), "utf-8"),
    ("utf-16", "手机号,姓名\n".encode("utf-16"), "utf-16"),
    ("utf-16-be", codecs.BOM_UTF16_BE + "手机号,姓名\n".encode("utf-16-be"), "utf-16"),
    ("gb18030", "手机号,姓名\n".encode("gb18030"), "gb18030"),
    ("gbk", "phone,name\n" + "13800000001,王芳\n", "gb18030"),
    ("ascii-then-utf8", b"phone,name\n" * 100000 + "13800000001,王芳\n".encode("utf-8"), "utf-8"),
    ("utf8-then-gbk", "phone,name\n13800000001,王芳\n".encode("utf-8") + "13800000002,李娜\n".encode("gbk"), "utf-8"),
])
def test_csv_encodings_are_detected_in_a_strict_order(tmp_path, encoding, data, expected):
    path = tmp_path / "f.csv"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("gbk"))
    assert detect_encoding(path) == expected


def test_import_columns_in_config_map_headers_and_refuse_a_non_text_column(tmp_path):
    from errors import ConfigError
    from settings import settings_from_dict

    settings = settings_from_dict({"import": {"columns": {"联系电话": "phone"}}}, base_dir=tmp_path)
    assert settings.imports.columns == {"联系电话": "phone"}
    with pytest.raises(ConfigError, match=r"\[import\] columns '联系电话': expected a column name"):
        settings_from_dict({"import": {"columns": {"联系电话": 5}}}, base_dir=tmp_path)
