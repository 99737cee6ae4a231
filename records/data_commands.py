"""The data commands: database schema, spreadsheet import, tiers and customer records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

import cli_format as output
from app import App
from cli_output import format_options
from cli_params import day_option, pass_app
from cli_text import text
from errors import ImportFileError, InvalidValue
from records import audit, db, importing, record_views, referrals, tiers
from records.headers import parse_mapping
from records.lookup import find_customer


# ---------------------------------------------------------------- db
@click.group("db")
def db_group() -> None:
    """Database schema (migrations)."""


@db_group.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Bring the database schema up to date (never drops data)."""
    before, after = db.upgrade(app.raw_engine)
    click.echo(text("schema_upgraded", before=before or text("schema_empty"), after=after) if before != after
               else text("schema_current", after=after))
    for hint in db.upgrade_hints(app.raw_engine, before, after):
        click.echo(text(hint))


@db_group.command("current")
@pass_app
def db_current(app: App) -> None:
    """Show the database's schema revision and the one this jinli expects."""
    current = db._checked(lambda: db.current_revision(app.raw_engine), app.raw_engine)
    click.echo(text("schema_status", current=current or text("schema_empty"), head=db.head_revision()))


# ---------------------------------------------------------------- import
@click.group("import")
def import_group() -> None:
    """Import the shop's spreadsheets (Excel .xlsx/.xls or CSV in any common encoding)."""


def _import_command(kind: str):
    @import_group.command(kind)
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--json", "as_json", is_flag=True, help='print {"imported": n, "updated": n, "rejected": n}')
    @click.option("--rejects", type=click.Path(dir_okay=False),
                  help="rejects file, .xlsx or .csv (default: FILE.rejects.xlsx for a workbook, FILE.rejects.csv for CSV)")
    @click.option("--encoding", help="a CSV file's encoding, e.g. gb18030 (default: detected)")
    @click.option("--sheet", help="the workbook's sheet to read (default: the first)")
    @click.option("--map", "maps", multiple=True, metavar="HEADER=COLUMN",
                  help="read the column headed HEADER as COLUMN, e.g. --map 联系电话=phone (repeatable)")
    @click.option("--dry-run", is_flag=True, help="report what would happen; write nothing")
    @pass_app
    def command(app: App, file: str, as_json: bool, rejects: str | None, encoding: str | None, sheet: str | None,
                maps: tuple[str, ...], dry_run: bool) -> None:
        if not Path(file).exists():  # said here, in the site's language (the readers say it in English)
            raise ImportFileError(f"{file}: file not found", key="file_not_found", path=file)
        options = importing.ImportOptions(
            region=app.settings.site.phone_region, encoding=encoding, sheet=sheet, dry_run=dry_run,
            mapping=_mapping(kind, app.settings.imports.columns, maps),
            rejects_path=Path(rejects) if rejects else None, today=app.today(), now=app.now(),
            limits=app.settings.imports, language=app.settings.site.language,
        )
        with output.progress(text(f"importing_{kind}"), quiet=as_json) as advance:
            summary = importing.import_file(app.engine, kind, Path(file), options, advance)
        if not dry_run:
            with app.engine.begin() as conn:
                if kind == "customers":  # referrals named in the file go to the referrer's latest event
                    referrals.attribute_unattributed(conn, app.settings.events.attribution_days, app.settings.tz)
                _record_import(conn, app, kind, file, summary)  # the daemon's after-import recompute looks for it
        output.import_summary(summary, file, as_json)
        if not as_json and not dry_run:
            click.echo(text("import_recompute_note", m=app.settings.daemon.import_check_minutes))

    command.help = f"Import {kind} from an Excel or CSV file (columns in the README)."
    return command


def _record_import(conn, app: App, kind: str, file: str, summary) -> None:
    """The import in the audit trail, with the rejects file it wrote (an erasure cleans it later)."""
    rejects = str(Path(summary.rejects_path).resolve()) if summary.rejects_path else None
    audit.record(conn, actor=audit.os_actor(), action=f"import.{kind}", subject="file", subject_id=Path(file).name[:64],
                 now=app.now(), detail={"file": str(Path(file).resolve()), "rejects": rejects,
                                        "imported": summary.imported, "updated": summary.updated, "rejected": summary.rejected})


def _mapping(kind: str, configured: dict[str, str], maps: tuple[str, ...]) -> dict[str, str]:
    """Header keys -> columns: ``[import] columns`` (entries for another kind's columns skipped), then --map."""
    columns = importing.COLUMNS[kind]
    known = {column.name for spec in importing.COLUMNS.values() for column in spec}
    for header, name in configured.items():
        if name not in known:
            raise InvalidValue(f"[import] columns {header!r} = {name!r}: unknown column; expected one of "
                               f"{', '.join(sorted(known))}")
    found = parse_mapping([f"{h}={n}" for h, n in configured.items()], columns, strict=False)
    return {**found, **parse_mapping(maps, columns)}


for _kind in ("customers", "holdings", "movements"):
    _import_command(_kind)


# ---------------------------------------------------------------- tiers
@click.group("tiers")
def tiers_group() -> None:
    """A/B/C tiers: recompute, explain, pin."""


@tiers_group.command("recompute")
@day_option("--date", dest="as_of", aliases=("--as-of",), help="score as of this date (default: today)")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def tiers_recompute(app: App, as_of: date | None, as_json: bool) -> None:
    """Score every customer and print the count per tier."""
    as_of = as_of or app.today()
    with app.engine.begin() as conn:
        counts = tiers.recompute(conn, app.settings.tiers, as_of, app.settings.tz, app.now())
    output.tier_counts(counts, as_of, as_json)


@tiers_group.command("explain")
@click.argument("customer")
@day_option("--date", dest="as_of", aliases=("--as-of",), help="explain as of this date (default: today)")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def tiers_explain(app: App, customer: str, as_of: date | None, as_json: bool) -> None:
    """Show each indicator's value and points, and the resulting tier."""
    as_of = as_of or app.today()
    with app.engine.connect() as conn:
        person = find_customer(conn, customer, app.settings.site.phone_region)
        breakdown = tiers.explain(conn, app.settings.tiers, person["id"], as_of, app.settings.tz)
    output.explain(person, breakdown, app.settings.tiers, as_json)


@tiers_group.command("pin")
@click.argument("customer")
@click.argument("tier", type=click.Choice(tiers.TIERS, case_sensitive=False))
@click.option("--reason", required=True, help="why staff pin this tier (kept in the history)")
@pass_app
def tiers_pin(app: App, customer: str, tier: str, reason: str) -> None:
    """Pin a customer's tier by hand; a pinned tier wins over the score."""
    _set_pin(app, customer, tier.upper(), reason)


@tiers_group.command("unpin")
@click.argument("customer")
@click.option("--reason", default="", help="optional note for the history")
@pass_app
def tiers_unpin(app: App, customer: str, reason: str) -> None:
    """Remove a pin: the score decides again."""
    _set_pin(app, customer, None, reason)


def _set_pin(app: App, customer: str, tier: str | None, reason: str) -> None:
    if tier and not reason.strip():
        raise InvalidValue("--reason must not be empty", key="reason_empty")
    with app.engine.begin() as conn:
        person = find_customer(conn, customer, app.settings.site.phone_region)
        result = tiers.set_pin(conn, app.settings.tiers, person["id"], tier, reason, app.today(), app.settings.tz, app.now())
        audit.record(conn, actor=audit.os_actor(), action="tiers.pin" if tier else "tiers.unpin", subject="customer",
                     subject_id=person["id"], customer_id=person["id"], reason=reason, now=app.now(),
                     detail={"tier": tier} if tier else None)
    click.echo(text("tier_pinned" if tier else "tier_unpinned", name=person["name"], phone=output.mask(person["phone"]),
                    tier=tier or result.tier))


# ---------------------------------------------------------------- audit
@click.command("audit")
@click.option("--customer", "who", help="only entries about this customer (phone, id, referral code or unique name)")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100000))
@format_options()
@pass_app
def audit_command(app: App, who: str | None, limit: int, fmt: str, output: str | None) -> None:
    """The audit trail: who changed what, when and why, newest first."""
    with app.engine.connect() as conn:
        customer_id = find_customer(conn, who, app.settings.site.phone_region, by_name=True)["id"] if who else None
        rows = audit.entries(conn, customer_id=customer_id, limit=limit)
    record_views.audit_entries(rows, app.settings.tz, fmt, output)
