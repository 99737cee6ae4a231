"""Report output: a terminal table, CSV, JSON, or a self-contained HTML page (charts inline, no CDN);
Excel workbooks in reports.xlsx."""

from __future__ import annotations

import html
import io
import json
import shutil
from dataclasses import dataclass, field


from records.csvsafe import SafeWriter
from records.parsing import yuan
from reports.labels import percent

FORMATS = ("table", "csv", "json", "html", "xlsx")
BOM = "\ufeff"  # at the start of every CSV file jinli writes: Excel then reads it as UTF-8, Chinese intact


@dataclass
class Table:
    """Rows of raw values; ``kinds`` says how to show a column: int, pct, fen, ratio or text (default).

    On a narrow terminal the other columns wrap (or end in an ellipsis) before the first and the ``whole`` ones
    (a masked phone staff read out) are shortened."""

    title: str
    columns: list[tuple[str, str]]  # (field, label)
    rows: list[dict]
    kinds: dict[str, str] = field(default_factory=dict)
    whole: tuple[str, ...] = ()

    def cell(self, row: dict, name: str) -> str:
        return show(row.get(name), self.kinds.get(name, "text"))


def show(value, kind: str) -> str:
    """A value as people read it: 1,234 · 45.6% · ¥12,345 (fen) · 1.25."""
    if value is None:
        return "–"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "pct":
        return percent(value)
    if kind == "fen":
        return f"¥{yuan(value)}"
    if kind == "ratio":
        return f"{value:.2f}"
    return str(value)


def terminal_width() -> int:
    """The width tables are drawn to: COLUMNS, else the terminal's, else 200 (a file or a pipe keeps long lines)."""
    return max(20, shutil.get_terminal_size((200, 24)).columns)


def to_text(tables: list[Table], notes: list[str] = (), width: int | None = None) -> str:
    """Tables drawn for a terminal (rich) within ``width`` columns (default: ``terminal_width()``), then notes.

    Widths count East-Asian characters as two columns; a long cell wraps, a too-long word folds, none is cut
    mid-character."""
    from rich.console import Console  # rich is imported only to draw (start-up time of plain commands)
    from rich.table import Table as RichTable
    from rich.text import Text

    out = io.StringIO()
    console = Console(file=out, width=width or terminal_width(), soft_wrap=False, highlight=False)
    for table in tables:
        rich = RichTable(title=table.title)
        for index, (name, label) in enumerate(table.columns):
            # The first column names the row and the whole ones (a masked phone) are read out: they shrink last.
            keep = name in table.whole or index == 0
            rich.add_column(label, justify="left" if table.kinds.get(name, "text") == "text" else "right", no_wrap=keep)
        for row in table.rows:
            rich.add_row(*[Text(table.cell(row, name)) for name, _ in table.columns])  # Text: no rich markup in data
        console.print(rich)
    for note in notes:
        console.print(Text(note))
    return out.getvalue()


def to_csv(table: Table) -> str:
    """One table as CSV with a header of labels; raw numbers (fen as yuan with 2 decimals, rates as fractions).

    Text a spreadsheet would run as a formula is prefixed with ' (records.csvsafe)."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow([label for _, label in table.columns])
    for row in table.rows:
        writer.writerow([_raw(row.get(name), table.kinds.get(name, "text")) for name, _ in table.columns])
    return out.getvalue()


def _raw(value, kind: str):
    if value is None:
        return ""
    return f"{value / 100:.2f}" if kind == "fen" else value


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in table.columns)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="{"num" if table.kinds.get(name, "text") != "text" else "txt"}">{html.escape(table.cell(row, name))}</td>'
            for name, _ in table.columns) + "</tr>"
        for row in table.rows)
    return f"<h2>{html.escape(table.title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body{font-family:"Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:1.5rem;color:#222;max-width:1200px}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem}
.meta{color:#666;font-size:.9rem} .chart svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0} th,td{border:1px solid #ddd;padding:.3rem .55rem}
th{background:#f6f1e3} td.num{text-align:right;font-variant-numeric:tabular-nums} tr:nth-child(even) td{background:#fcfbf7}
"""


def html_document(title: str, meta: list[str], charts: list[str], tables: list[Table], lang: str) -> str:
    """A standalone HTML page: title, meta lines, inline SVG charts, tables; nothing loaded from elsewhere."""
    parts = [f'<div class="chart">{svg}</div>' for svg in charts] + [html_table(t) for t in tables]
    meta_html = "".join(f'<p class="meta">{html.escape(line)}</p>' for line in meta)
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{meta_html}{''.join(parts)}</body></html>\n")
