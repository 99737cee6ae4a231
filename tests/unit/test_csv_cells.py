"""Cells jinli writes to CSV files: text that a spreadsheet would run as a formula gets a leading '."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from errors import ConfigError
from records.csvsafe import safe_cell, unprefix_cell
from reports.render import Table, to_csv
from settings import settings_from_dict


@pytest.mark.parametrize("value, written", [
    ("=HYPERLINK(\"http://x\",\"点我\")", "'=HYPERLINK(\"http://x\",\"点我\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("-小王", "'-小王"),
    ("\t=1", "'\t=1"),
    ("-5", "-5"),
    ("+3.50", "+3.50"),
    ("-1,234.50", "-1,234.50"),
    ("-12.5%", "-12.5%"),
    ("+8613800000000", "+8613800000000"),
    ("+86 138 0000 0000", "+86 138 0000 0000"),
    ("+86-138-0000-0000", "+86-138-0000-0000"),
    ("王芳", "王芳"),
    ("a=b", "a=b"),
    ("", ""),
    (-5, -5),
    (3.25, 3.25),
    (None, None),
], ids=repr)
def test_formula_text_is_prefixed_and_numbers_and_phones_are_not(value, written):
    assert safe_cell(value) == written


@pytest.mark.parametrize("text", ["=1+2", "-小王", "@x", "+cmd", "\t=1", "王芳", "-5", "+8613800000000", "'王", "'-5", "'=1", "''=1"])
def test_reading_back_a_written_cell_gives_the_original(text):
    assert unprefix_cell(safe_cell(text)) == text


@pytest.mark.parametrize("text", ["'王芳", "'-5", "'+8613800000000", "'", "'a=b"])
def test_an_apostrophe_jinli_would_not_have_written_is_kept(text):
    assert unprefix_cell(text) == text


def test_report_csv_prefixes_text_cells_but_not_numbers():
    table = Table("t", [("name", "姓名"), ("phone", "手机"), ("n", "人数"), ("fen", "金额")],
                  [{"name": "=HYPERLINK(\"http://x\")", "phone": "+8613800000000", "n": -5, "fen": -1250},
                   {"name": "@王", "phone": "138****0000", "n": 3, "fen": 10000}],
                  {"n": "int", "fen": "fen"})
    rows = list(csv.reader(io.StringIO(to_csv(table))))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "+8613800000000", "-5", "-12.50"]
    assert rows[2] == ["'@王", "138****0000", "3", "100.00"]


@pytest.mark.parametrize("raw, message", [
    ({"import": {"max_amont": 1}}, "[import]: unknown key 'max_amont'"),
    ({"import": {"max_amount": 0}}, "[import] max_amount"),
    ({"import": {"max_name_length": 0}}, "[import] max_name_length"),
    ({"import": {"start_ahead_days": -1}}, "[import] start_ahead_days"),
    ({"import": {"max_amount": "many"}}, "expected int"),
], ids=["unknown-key", "zero-amount", "zero-name", "negative-days", "wrong-type"])
def test_import_settings_are_checked(raw, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        settings_from_dict(raw, base_dir=Path("."))


def test_import_settings_default_to_the_documented_bounds_and_can_be_changed():
    default = settings_from_dict({}, base_dir=Path(".")).imports
    assert (default.max_amount, default.max_name_length, default.start_ahead_days) == (100_000_000, 50, 365)
    changed = settings_from_dict({"import": {"max_amount": 500_000_000}}, base_dir=Path(".")).imports
    assert changed.max_amount == 500_000_000
