"""A broadcast's recipients file: a CSV file or a workbook with a column of phones, of customer ids, or of referral codes.

Read when the campaign file loads (pure: no database). Every row names one customer; a row that names
none (an impossible phone, an id that is not a number) is one CampaignError naming the file and row.
Which rows match no customer is a database question: ``campaigns validate`` warns about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from errors import CampaignError, ImportFileError, InvalidValue
from domain.phone import mask, parse_mobile
from records.codes import normalise_code
from records.sheets import Column, Row, SheetReader, open_sheet

MAX_ROWS = 20_000  # one query's IN list stays below SQLite's 32,766 bound variables
COLUMNS = (
    Column("phone", ("mobile", "手机", "手机号", "手机号码", "电话")),
    Column("customer_id", ("id", "客户编号", "客户id")),
    Column("code", ("referral_code", "推荐码")),
)


@dataclass(frozen=True)
class Recipients:
    """Who a recipients file names, by phone (E.164), customer id or referral code, with each row's line."""

    path: str
    phones: tuple[tuple[int, str], ...] = ()
    ids: tuple[tuple[int, int], ...] = ()
    codes: tuple[tuple[int, str], ...] = ()

    def __len__(self) -> int:
        return len(self.phones) + len(self.ids) + len(self.codes)


def read_recipients(path: Path, shown_as: str) -> Recipients:
    """The file's recipients; CampaignError naming ``shown_as`` (and the row) when it cannot be used."""
    phones, ids, codes = [], [], []
    try:
        sheet = open_sheet(path, COLUMNS)  # a CSV file or an Excel workbook
        for row in sheet.rows():
            _check_columns(sheet, shown_as)
            kind, value = _value(row, shown_as)
            {"phone": phones, "customer_id": ids, "code": codes}[kind].append((row.number, value))
            if len(phones) + len(ids) + len(codes) > MAX_ROWS:
                raise CampaignError(f"{shown_as}: more than {MAX_ROWS:,} rows (use [audience] filters for bigger groups)")
    except ImportFileError as exc:
        raise CampaignError(str(exc).replace(str(path), shown_as)) from None
    _check_columns(sheet, shown_as)
    return Recipients(shown_as, tuple(phones), tuple(ids), tuple(codes))


def _check_columns(sheet: SheetReader, shown_as: str) -> None:
    header = getattr(sheet, "header_map", None)
    if header is None or not header.mapping:
        raise CampaignError(f"{shown_as}: no phone, customer_id or code column (手机号, 客户编号, 推荐码)")


def _value(row: Row, shown_as: str) -> tuple[str, str | int]:
    """(column, value) of the one filled cell naming the row's customer."""
    filled = [(name, text) for name, text in row.values.items() if text]
    if len(filled) != 1:
        raise CampaignError(f"{shown_as}: line {row.number}: expected one phone, customer id or code, got {len(filled)}")
    name, text = filled[0]
    try:
        if name == "phone":
            return name, parse_mobile(text)
        if name == "customer_id":
            if not text.isdigit() or len(text) > 12:
                raise InvalidValue(f"customer id {text!r} is not a number")
            return name, int(text)
        return name, normalise_code(text)
    except InvalidValue as exc:
        problem = f"phone {mask(text)} is not a mobile number" if name == "phone" else str(exc)
        raise CampaignError(f"{shown_as}: line {row.number}: {problem}") from None
