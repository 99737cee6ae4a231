"""Output formatting for the CLI: rich tables on a terminal, plain text or JSON otherwise."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Callable, Iterator

import click

from cli_output import columns
from cli_text import text
from domain.phone import mask
from records.parsing import yuan
from reports.render import Table as RenderTable, to_text
from settings import TierSettings

if TYPE_CHECKING:  # rich and records.tiers (the models) cost start-up time: imported where used
    from rich.console import Console

    from records.tiers import Breakdown

__all__ = ["mask"]


def console() -> Console:
    from rich.console import Console

    return Console(file=sys.stdout, soft_wrap=True)


def print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def count_column():
    """A progress column of done of total as counts people read: 1,505/3,000 (rows or messages), never bytes."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class CountColumn(ProgressColumn):
        def render(self, task) -> Text:
            total = "?" if task.total is None else f"{int(task.total):,}"
            return Text(f"{int(task.completed):,}/{total}", style="progress.download")

    return CountColumn()


@contextmanager
def progress(label: str, quiet: bool = False, lines_from: int | None = None) -> Iterator[Callable[[int, int], None]]:
    """A count progress bar on a terminal (stderr): ``done/total`` rows or messages. Elsewhere silence, or with
    ``lines_from`` a plain line per tenth of the work once the total reaches that size (logs of long runs).
    Yields ``advance(done, total)``."""
    if quiet:
        yield lambda done, total: None
        return
    terminal = _terminal()
    if terminal is None:
        yield _plain_lines(label, lines_from) if lines_from is not None else (lambda done, total: None)
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    parts = (TextColumn(label), BarColumn(), count_column(), TimeRemainingColumn())
    with Progress(*parts, console=terminal, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _terminal() -> Console | None:
    """Where a progress bar is drawn: standard error when it is a terminal; None (no bar) otherwise."""
    from rich.console import Console

    return Console(stderr=True) if sys.stderr.isatty() else None


def _plain_lines(label: str, minimum: int) -> Callable[[int, int], None]:
    shown = {"tenth": 0}

    def advance(done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if total >= minimum and tenth > shown["tenth"]:
            shown["tenth"] = tenth
            click.echo(f"{label}: {done:,}/{total:,} ({tenth * 10}%)", err=True)

    return advance


def import_summary(summary, file: str, as_json: bool) -> None:
    if as_json:
        print_json(summary.as_json())
        return
    if summary.dry_run:
        click.echo(text("import_dry_run"))
    click.echo(text("import_counts", file=file, imported=summary.imported, updated=summary.updated,
                    unchanged=summary.unchanged, rejected=summary.rejected)
               + (text("import_warnings_part", warnings=summary.warnings) if summary.warnings else "")
               + (text("import_merged_part", merged=summary.merged) if summary.merged else ""))
    if summary.ignored_columns:
        click.echo(text("import_ignored", columns=text("list_sep").join(summary.ignored_columns)))
    if summary.rejects_path:
        click.echo(text("import_rejects_written", path=summary.rejects_path))
    for line in summary.preview:
        click.echo(f"  {line}")
    shown = len(summary.preview)
    if summary.dry_run and summary.rejected + summary.warnings > shown:
        click.echo(text("import_more", count=summary.rejected + summary.warnings - shown))


def tier_counts(counts: dict[str, int], as_of: date, as_json: bool) -> None:
    if as_json:
        print_json({"as_of": as_of.isoformat(), "tiers": counts, "total": sum(counts.values())})
        return
    rows = [{"tier": tier, "customers": count} for tier, count in counts.items()]
    rows.append({"tier": text("total"), "customers": sum(counts.values())})
    table = RenderTable(text("tiers_title", day=as_of.isoformat()), columns("tier", "customers"), rows, {"customers": "int"})
    click.echo(to_text([table]), nl=False)


def _value_text(name: str, value: int) -> str:
    if name == "deposit":
        return f"¥{yuan(value)}"
    if name == "term":
        return text("days", count=value) if value else text("none")
    return str(value)


def _shown(settings: TierSettings) -> tuple[str, ...]:
    """The indicators in use: the points balance only when [tiers] points has thresholds."""
    from records.tiers import INDICATORS

    return tuple(n for n in INDICATORS if n != "points" or settings.points)


def explain(person, breakdown: Breakdown, settings: TierSettings, as_json: bool) -> None:
    if as_json:
        print_json({
            "customer": {"id": person["id"], "name": person["name"], "phone": mask(person["phone"])},
            "as_of": breakdown.as_of.isoformat(),
            "indicators": {n: {"value": breakdown.values[n], "points": breakdown.points[n]} for n in _shown(settings)},
            "score": breakdown.score, "computed_tier": breakdown.computed_tier,
            "pinned_tier": breakdown.pinned_tier, "tier": breakdown.tier,
        })
        return
    rows = [{"indicator": text(f"indicator_{name}"), "value": _value_text(name, breakdown.values[name]),
             "score": breakdown.points[name]} for name in _shown(settings)]
    rows.append({"indicator": text("total"), "value": "", "score": breakdown.score})
    title = text("explain_title", name=person["name"], phone=mask(person["phone"]), day=breakdown.as_of.isoformat())
    table = RenderTable(title, columns("indicator", "value", "score"), rows, {"score": "int"})
    click.echo(to_text([table]), nl=False)
    click.echo(text("explain_rule", score=breakdown.score, a=settings.a_min_score, b=settings.b_min_score,
                    c=yuan(settings.c_min_deposit * 100), tier=breakdown.computed_tier))
    if breakdown.pinned_tier:
        click.echo(text("explain_pinned", pinned=breakdown.pinned_tier, reason=person["pinned_reason"], tier=breakdown.tier))
    else:
        click.echo(text("explain_tier", tier=breakdown.tier))
