"""How a data command prints: ``--format table|csv|json|xlsx`` (``--json`` its short spelling) and ``--output FILE``.

Tables go through reports.render (terminal tables fit the width; CSV; JSON) and reports.xlsx, written by
reports.output.emit like every report: a CSV file starts with a BOM, xlsx needs a file.
"""

from __future__ import annotations

import functools

import click

from cli_text import UsageError, language, text
from reports.output import emit, render_tables
from reports.render import Table, to_json, to_text

TABLE_FORMATS = ("table", "csv", "json", "xlsx")


def format_options(formats: tuple[str, ...] = TABLE_FORMATS):
    """``--format`` (one of ``formats``), ``--json`` (= --format json) and, when csv or xlsx is offered,
    ``--output/--out/-o FILE``; the command receives ``fmt`` and ``output`` (None without the option)."""
    def decorate(command):
        @functools.wraps(command)
        def merged(*args, as_json: bool = False, fmt: str = "table", output: str | None = None, **kwargs):
            if as_json and fmt not in ("table", "json"):
                raise UsageError(text("json_and_format", fmt=fmt))
            return command(*args, fmt="json" if as_json else fmt, output=output, **kwargs)

        if {"csv", "xlsx"} & set(formats):
            merged = click.option("--output", "--out", "-o", "output", type=click.Path(dir_okay=False),
                                  help="write to this file (xlsx needs one; a CSV file starts with a BOM)")(merged)
        merged = click.option("--json", "as_json", is_flag=True, help="the same as --format json")(merged)
        return click.option("--format", "fmt", type=click.Choice(formats), default="table", show_default=True,
                            help="table on the terminal, csv, json or xlsx")(merged)
    return decorate


def show(fmt: str, output: str | None, *, data, tables: list[Table], title: str, meta: list[str] = (),
         notes: list[str] = (), empty: str | None = None) -> None:
    """Print ``data`` as JSON, or ``tables`` as a terminal table (then ``notes``; ``empty`` instead of a table
    without rows), CSV or xlsx (``meta`` lines on top)."""
    if fmt == "json":
        emit(to_json(data) + "\n", output, fmt)
    elif fmt == "table" and empty is not None and not any(t.rows for t in tables):
        emit("\n".join([empty, *notes]) + "\n", output, fmt)
    elif fmt == "table":
        emit(to_text(tables, list(notes)), output, fmt)
    else:
        emit(render_tables(tables, fmt, title, language(), list(meta)), output, fmt)


def columns(*keys: str) -> list[tuple[str, str]]:
    """(key, header) pairs with the headers in the running command's language (catalogue keys ``col_<key>``)."""
    return [(key, text(f"col_{key}")) for key in keys]
