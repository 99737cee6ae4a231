"""`jinli staff add|passwd|disable|enable|list`: accounts for the door page and the manager's screen."""

from __future__ import annotations

import sys

import click

from app import App
from cli_output import format_options
from cli_params import pass_app
from cli_text import text
from errors import InvalidValue
from records import audit, staff


@click.group("staff")
def staff_group() -> None:
    """Staff accounts for the web pages: add, change a password, disable, list."""


def _password(from_stdin: bool) -> str:
    """The password from the first line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidValue("--password-stdin: standard input held no password")
        return staff.check_password(line)
    return staff.check_password(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _stdin_option(command):
    return click.option("--password-stdin", is_flag=True, help="read the password from standard input's first line")(command)


@staff_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(staff.ROLES), required=True, help="door: the door page; manager: also reports")
@click.option("--store", "stores", multiple=True, help="a store they work for (repeatable; not needed for an admin)")
@_stdin_option
@pass_app
def staff_add(app: App, name: str, role: str, stores: tuple[str, ...], password_stdin: bool) -> None:
    """Add a staff account (the password is asked twice, or read with --password-stdin)."""
    name = staff.check_name(name)
    staff.check_role(role, tuple(s for s in stores if s.strip()))
    password = _password(password_stdin)
    with app.engine.begin() as conn:
        staff.add_staff(conn, name, role, stores, password, app.now())
        audit.record(conn, actor=audit.os_actor(), action="staff.add", subject="staff", subject_id=name, now=app.now(),
                     detail={"role": role, "stores": list(stores)})
    where = text("staff_stores", stores=text("list_sep").join(stores)) if stores else text("every_store")
    click.echo(text("staff_added", name=name, role=text(f"role_{role}"), stores=where))


@staff_group.command("passwd")
@click.argument("name")
@_stdin_option
@pass_app
def staff_passwd(app: App, name: str, password_stdin: bool) -> None:
    """Set a new password (signs the account out of every browser)."""
    password = _password(password_stdin)
    with app.engine.begin() as conn:
        staff.set_password(conn, name, password, app.now())
        audit.record(conn, actor=audit.os_actor(), action="staff.passwd", subject="staff", subject_id=name, now=app.now())
    click.echo(text("staff_passwd", name=name))


@staff_group.command("disable")
@click.argument("name")
@pass_app
def staff_disable(app: App, name: str) -> None:
    """Disable an account: it cannot sign in, and its open sessions end at their next request."""
    _switch(app, name, True)


@staff_group.command("enable")
@click.argument("name")
@pass_app
def staff_enable(app: App, name: str) -> None:
    """Enable a disabled account again."""
    _switch(app, name, False)


def _switch(app: App, name: str, disabled: bool) -> None:
    with app.engine.begin() as conn:
        staff.set_disabled(conn, name, disabled, app.now())
        audit.record(conn, actor=audit.os_actor(), action="staff.disable" if disabled else "staff.enable",
                     subject="staff", subject_id=name, now=app.now())
    click.echo(text("staff_disabled" if disabled else "staff_enabled", name=name))


@staff_group.command("list")
@format_options()
@pass_app
def staff_list(app: App, fmt: str, output: str | None) -> None:
    """Every account: name, role, stores, enabled or not."""
    from records.record_views import staff_list as show_staff

    with app.engine.connect() as conn:
        rows = staff.list_staff(conn)
    show_staff(rows, fmt, output)
