"""Where a report or list goes: a file (CSV with a BOM, xlsx, png, html…) or standard output.

Shared by every command that prints tables, so each writes files the same way: a CSV file starts
with a BOM (Excel then reads its Chinese), CSV on standard output has none, binary formats need a file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli_text import UsageError, text
from reports.render import BOM, Table, html_document, to_csv, to_text


def emit(content: str | bytes, output: str | None, fmt: str) -> None:
    """Write the report to ``output`` (a CSV file starts with a BOM, so Excel reads its Chinese) or stdout
    (no BOM); png and xlsx need a file."""
    if output:
        data = content if isinstance(content, bytes) else (BOM if fmt == "csv" else "").encode("utf-8") + content.encode("utf-8")
        Path(output).write_bytes(data)
        click.echo(text("written_to", path=output), err=True)
    elif isinstance(content, bytes):
        raise UsageError(text("needs_file", fmt=fmt))
    else:
        sys.stdout.write(content)


def render_tables(tables: list[Table], fmt: str, title: str, language: str, meta: list[str]) -> str | bytes:
    """Tables as xlsx (every table, ``meta`` on top), csv (the first table), html or a terminal table."""
    if fmt == "xlsx":
        from reports.xlsx import to_xlsx  # xlsxwriter only when a workbook is asked for
        return to_xlsx(tables, meta)
    if fmt == "csv":
        return to_csv(tables[0])
    if fmt == "html":
        return html_document(title, [], [], tables, language)
    return to_text(tables)
