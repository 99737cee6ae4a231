"""`jinli customers`: list, show, edit and erase customer records (the customer desk)."""

from __future__ import annotations

from pathlib import Path

import click

from app import App
from cli_output import format_options
from cli_params import pass_app
from cli_text import text as words
from domain.phone import mask
from records import record_views as views
from errors import InvalidValue
from records.core_tables import tier_history_of
from records.tier_names import TIERS
from records.lookup import find_customer


@click.group("customers")
def customers_group() -> None:
    """Customer records: list, show, edit, erase."""


def _actor(by: str | None) -> str:
    """Who makes a change: the OS user, or the staff member named with --by (at the OS user's terminal)."""
    from records import audit

    by = (by or "").strip()
    return f"{by} via {audit.os_actor()}" if by else audit.os_actor()


@customers_group.command("list")
@click.option("--tier", type=click.Choice(TIERS, case_sensitive=False), help="only this tier")
@click.option("--store", help="only this store")
@click.option("--search", "text", help="part of a name, a phone fragment (3 digits or more) or a referral code")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@format_options()
@pass_app
def customers_list(app: App, tier: str | None, store: str | None, text: str | None, limit: int, fmt: str,
                   output: str | None) -> None:
    """List customers (phones masked), by id; filters combine."""
    from records.customer_desk import search

    with app.engine.connect() as conn:
        rows = search(conn, tier=tier, store=store, text=text, limit=limit)
    more = len(rows) > limit
    rows = [{**row, "phone": mask(row["phone"])} for row in rows[:limit]]
    views.customer_list(rows, fmt, output)
    if more:
        click.echo(words("more_customers", limit=limit), err=True)


@customers_group.command("show")
@click.argument("customer")
@format_options(("table", "json"))
@pass_app
def customers_show(app: App, customer: str, fmt: str, output: str | None) -> None:
    """Show one customer (phone, id, referral code or a unique name): the full phone number, birthday, tier and tier history."""
    with app.engine.connect() as conn:
        person = find_customer(conn, customer, app.settings.site.phone_region, by_name=True)
        history = tier_history_of(conn, person["id"])
    views.customer(person, history, fmt, output)


@customers_group.command("edit")
@click.argument("customer")
@click.option("--name", help="the customer's name")
@click.option("--store", help="the serving store")
@click.option("--birthday", help="date of birth in the customer's calendar: 1985-03-05, 1985/3/5, 1985年3月5日")
@click.option("--calendar", help="solar/公历 or lunar/农历 (alone: the stored birth date read in that calendar)")
@click.option("--leap", help="yes/no: the lunar birth month is a leap month (闰月)")
@click.option("--joined-on", "joined_on", help="the join date")
@click.option("--referrer", help="the referrer: phone, referral code, id:N or a unique name")
@click.option("--by", help="the staff member making the change (default: the OS user)")
@pass_app
def customers_edit(app: App, customer: str, by: str | None, **asked) -> None:
    """Change a customer's name, store, birthday, join date or referrer (validated like an import; recorded)."""
    from records.customer_desk import Edit, edit_customer

    with app.engine.begin() as conn:
        person = find_customer(conn, customer, app.settings.site.phone_region, by_name=True)
        changes = edit_customer(conn, person, Edit(**asked), today=app.today(), now=app.now(), actor=_actor(by),
                                region=app.settings.site.phone_region, limits=app.settings.imports,
                                attribution_days=app.settings.events.attribution_days, tz=app.settings.tz)
    shown = {k: v for k, v in changes.items() if k in {"name", "store", "joined_on", "born_on", "birth_calendar",
                                                       "birth_leap", "referrer_id"}}
    summary = words("change_sep").join(words("change_line", field=words(f"field_{k}"), before=before, after=after)
                                       for k, (before, after) in shown.items())
    click.echo(words("customer_changed", id=person["id"], summary=summary or words("nothing_changed")))


@customers_group.command("erase")
@click.argument("customer")
@click.option("--reason", required=True, help="why (e.g. the customer's PIPL request of DATE); kept in the audit trail")
@click.option("--by", help="the staff member erasing (default: the OS user)")
@pass_app
def customers_erase(app: App, customer: str, reason: str, by: str | None) -> None:
    """Erase a customer's personal data everywhere (PIPL); counts and ids stay, so reports add up."""
    from records import erasure_files
    from records.erased_phones import erasure_key
    from records.erasure import erase_customer
    from records.traces import Traces

    if not reason.strip():
        raise InvalidValue("--reason must not be empty", key="reason_empty")
    key = erasure_key("jinli customers erase")
    with app.engine.begin() as conn:
        person = find_customer(conn, customer, app.settings.site.phone_region, by_name=True)
        done = erase_customer(conn, person, key=key, now=app.now(), actor=_actor(by), reason=reason)
        phone = Traces.of([], person["phone"], [])
        lines = erasure_files.clean_gateway_file(app.settings.path(app.settings.sms.file_path), phone)
        cleaned = _clean_rejects(erasure_files, erasure_files.rejects_files(conn), person["name"], phone)
    tables = sum(1 for n in done.rows.values() if n)
    click.echo(words("customer_erased", id=done.customer_id, rows=sum(done.rows.values()), tables=tables, lines=lines,
                     cleaned=cleaned) + (words("erased_opted_out") if person["opted_out"] else ""))


def _clean_rejects(files, paths: list[Path], name: str, phone) -> int:
    removed = 0
    for path in paths:
        count = files.clean_rejects_file(path, files.row_matcher(name, phone))
        if count is None:
            click.echo(words("rejects_not_cleaned", path=path), err=True)
        removed += count or 0
    return removed
