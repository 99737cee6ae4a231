"""`jinli calendar festivals --year Y`: each festival and solar term of a year, with the shop's day."""

from __future__ import annotations

from datetime import date

import click
from rich.table import Table

import cli_format as fmt
from app import App
from cli_params import pass_app
from reports.labels import WEEKDAYS, labels
from domain import lunar
from domain.festivals import FIRST_YEAR, LAST_YEAR, SOLAR_TERMS, Anchor, calendar
from domain.holiday_file import work_calendar
from domain.workdays import WorkCalendar

_TERM_IDS = {anchor.id for anchor in SOLAR_TERMS}


@click.group("calendar")
def calendar_group() -> None:
    """The shop's calendar: festivals, solar terms, holidays."""


@calendar_group.command("festivals")
@click.option("--year", required=True, type=click.IntRange(FIRST_YEAR, LAST_YEAR), help="the solar year to list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def festivals_command(app: App, year: int, as_json: bool) -> None:
    """Each festival and solar term of YEAR: date, weekday, lunar date, statutory holiday, shop open or closed."""
    workdays = work_calendar(app.settings)
    for warning in workdays.warnings([date(year, 1, 1)]):
        click.echo(f"warning: {warning}", err=True)
    rows = festival_rows(year, workdays)
    if as_json:
        fmt.print_json({"year": year, "holidays_known": workdays.knows(year), "festivals": rows})
    else:
        print_table(year, rows, app.settings.site.language)


def festival_rows(year: int, workdays: WorkCalendar) -> list[dict]:
    """One row per (day, anchor) of ``year`` in date order, with what the working-day calendar says of the day."""
    return [_row(day, anchor, workdays) for day, anchor in calendar(year)]


def _row(day: date, anchor: Anchor, workdays: WorkCalendar) -> dict:
    return {"id": anchor.id, "name": anchor.name, "kind": "solar_term" if anchor.id in _TERM_IDS else "festival",
            "date": day.isoformat(), "weekday": day.isoweekday(), "lunar": lunar.lunar_label(day),
            "statutory_holiday": workdays.holiday_name(day), "makeup_workday": workdays.is_makeup_workday(day),
            "shop_closed_reason": workdays.closing_reason(day), "working_day": workdays.is_working_day(day)}


def print_table(year: int, rows: list[dict], language: str) -> None:
    text = labels(language)
    table = Table(title=f"{text['festival_calendar']} {year}")
    for key in ("date", "weekday", "festival", "lunar_date", "statutory_holiday", "shop"):
        table.add_column(text[key])
    for row in rows:
        table.add_row(row["date"], WEEKDAYS[language][row["weekday"] - 1], row["name"], row["lunar"],
                      row["statutory_holiday"] or "", _shop_state(row, text))
    fmt.console().print(table)


def _shop_state(row: dict, text: dict[str, str]) -> str:
    """营业, 休息, 休息：<reason> for a closing day, or 调休上班 for a make-up working day."""
    if row["shop_closed_reason"]:
        return f"{text['shop_closed']}：{row['shop_closed_reason']}"
    if not row["working_day"]:
        return text["shop_closed"]
    return text["makeup_workday"] if row["makeup_workday"] else text["shop_open"]
