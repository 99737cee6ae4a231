"""A progress bar counts rows and messages (`1,505/3,000`), never kB: the import's bar over CSV and xlsx files."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
import xlsxwriter
from rich.console import Console

import cli_format
from cli_format import count_column
from records.csvfile import line_count

ROWS = 2999  # and a header row: 3,000 rows in the sheet


def _phone(n: int) -> str:
    return f"1390{n:07d}"


def test_the_bar_column_shows_counts_with_thousands_separators():
    task = SimpleNamespace(completed=1505, total=3000)
    assert count_column().render(task).plain == "1,505/3,000"


@pytest.fixture
def terminal(monkeypatch) -> io.StringIO:
    """Standard error taken for a terminal: the bar is drawn (rich) into the returned buffer."""
    screen = io.StringIO()
    monkeypatch.setattr(cli_format, "_terminal", lambda: Console(file=screen, force_terminal=True, width=120))
    return screen


def _counts(screen: io.StringIO) -> list[tuple[str, str]]:
    return re.findall(r"导入客户.*?([\d,]+)/([\d,]+)", screen.getvalue())


def test_a_csv_import_reports_rows_not_bytes(cli, tmp_path, terminal):
    path = tmp_path / "customers.csv"
    path.write_text("phone,name\n" + "".join(f"{_phone(n)},客户{n}\n" for n in range(ROWS)), encoding="utf-8")
    result = cli("import", "customers", str(path))
    assert result.exit_code == 0, result.output
    counts = _counts(terminal)
    assert counts and counts[-1] == ("3,000", "3,000")
    assert all(total in ("3,000", "?") for _, total in counts)
    assert "kB" not in terminal.getvalue() and "bytes" not in terminal.getvalue()


def test_an_xlsx_import_reports_the_sheets_rows(cli, tmp_path, terminal):
    path = tmp_path / "customers.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["手机", "姓名"])
    for n in range(ROWS):
        sheet.write_row(n + 1, 0, [_phone(n), f"客户{n}"])
    book.close()
    result = cli("import", "customers", str(path))
    assert result.exit_code == 0, result.output
    assert _counts(terminal)[-1] == ("3,000", "3,000")


def test_without_a_terminal_long_runs_log_plain_count_lines(capsys):
    with cli_format.progress("发送短信", lines_from=500) as advance:
        advance(1505, 3000)
        advance(3000, 3000)
    assert capsys.readouterr().err.splitlines() == ["发送短信: 1,505/3,000 (50%)", "发送短信: 3,000/3,000 (100%)"]


def test_line_count_counts_lines_of_utf16_and_a_missing_last_newline(tmp_path):
    utf16 = tmp_path / "u16.csv"
    utf16.write_text("手机\t姓名\r\n13900000001\t上上\r\n13900000002\t上", encoding="utf-16")  # 上 is U+4E0A: a 0x0A byte
    assert line_count(utf16, "utf-16") == 3
    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"a\nb\n")
    assert line_count(plain, "utf-8") == 2
