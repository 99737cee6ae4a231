"""The `jinli` command: parses arguments, calls one use case, prints. Errors become one line, exit 1.

Sub-commands are imported on first use (``COMMANDS``): `jinli --help` must not pay for SQLAlchemy,
the models, Twilio, Flask or matplotlib, which only the commands that use them import.
"""

from __future__ import annotations

import importlib
import os
import sys
from datetime import datetime

import click

from errors import JinliError

# name -> ("module:attribute", one-line help shown by `jinli --help` without importing the module).
# tests/cli/test_cli_startup.py checks each line against the command's own docstring.
COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("records.data_commands:audit_command",
        "The audit trail: who changed what, when and why, newest first."),
    "calendar": ("schedules.calendar_commands:calendar_group",
        "The shop's calendar: festivals, solar terms, holidays."),
    "campaigns": ("campaigns.commands:campaigns_group",
        "Campaign files: validate, list, preview; pause and resume."),
    "checkin": ("records.commands:checkin_command",
        "Record attendance by invitation code or phone; print name, visits, gift step and referrer."),
    "customers": ("records.customer_commands:customers_group",
        "Customer records: list, show, edit, erase."),
    "daemon": ("schedules.commands:daemon_command",
        "Plan every campaign at its send time, send what is due, reconcile delivery reports."),
    "db": ("records.data_commands:db_group",
        "Database schema (migrations)."),
    "events": ("records.commands:events_group",
        "Events (salons, banquets): list a day's, close one (no-shows), cancel one."),
    "init": ("shopfolder.commands:init_command",
        "Create a shop folder: config.toml, campaigns, templates, the holiday calendar and var/."),
    "import": ("records.data_commands:import_group",
        "Import the shop's spreadsheets (Excel .xlsx/.xls or CSV in any common encoding)."),
    "optout": ("messaging.commands:optout_group",
        "Opt-outs recorded by staff (a phone call, a provider's report): honoured like a 退订 reply."),
    "outbox": ("messaging.commands:outbox",
        "The outbox: what is planned, sent, failed or stuck; cancel planned messages."),
    "points": ("records.loyalty_commands:points_group",
        "Loyalty points (积分): recompute, show, adjust, redeem."),
    "referrals": ("records.commands:referrals_group",
        "Referrals (转介绍): add one by hand, list them."),
    "report": ("reports.commands:report_group",
        "Reports: the event funnel, referrals, visits before conversion, the 72-hour follow-up list, points, rewards, tiers."),
    "rewards": ("records.loyalty_commands:rewards_group",
        "Referral rewards (转介绍礼): mark one given."),
    "run": ("campaigns.commands:run_command",
        "Plan the due occurrences and dispatch what is due; print a summary."),
    "schedule": ("campaigns.schedule_commands:schedule_command",
        "What will be sent, day by day and campaign by campaign: texts, segments, cost, exclusions."),
    "send-test": ("campaigns.send_test:send_test_command",
        "Send one rendered sample of a campaign's template to a staff phone, outside the outbox."),
    "serve": ("messaging.commands:serve",
        "Serve Twilio's webhooks (delivery reports, replies) until interrupted."),
    "staff": ("records.staff_commands:staff_group",
        "Staff accounts for the web pages: add, change a password, disable, list."),
    "tiers": ("records.data_commands:tiers_group",
        "A/B/C tiers: recompute, explain, pin."),
}
# Commands that run without a shop's config.toml (they make one).
NO_CONFIG = {"init"}


class JinliGroup(click.Group):
    """The top-level group: imports sub-commands on first use, and reports jinli's errors as one line
    and a non-zero exit, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            module, attribute = COMMANDS[name][0].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from COMMANDS' help lines: listing them must not import them."""
        rows = [(name, COMMANDS[name][1] if name in COMMANDS else self.commands[name].get_short_help_str())
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except JinliError as exc:
            _fail_with(exc)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:  # `jinli … | head`: the reader left, nothing to report
            sys.stderr.close()
            sys.exit(0)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            if _is_database_error(exc):
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                _fail(f"database error: {reason}", 1)
            if os.environ.get("JINLI_DEBUG"):  # a bug: still one line, the traceback on request
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (set JINLI_DEBUG=1 for the traceback)", 70)


def _is_database_error(exc: Exception) -> bool:
    """An SQLAlchemy error, told without importing SQLAlchemy (it is loaded if the command used it)."""
    module = sys.modules.get("sqlalchemy.exc")
    return module is not None and isinstance(exc, module.SQLAlchemyError)


def _fail_with(exc: JinliError):
    """A jinli error as one line: in the site's language when the catalogue knows it (``exc.key``), else as raised."""
    if exc.key:
        from cli_text import language, said, text

        if language() != "en":
            from redaction import redact

            click.echo(text("error_prefix") + redact(said(exc)), err=True)
            sys.exit(exc.exit_code)
    _fail(str(exc), exc.exit_code)


def _fail(message: str, code: int):
    """One line on stderr, redacted like the logs (secrets ***, phones masked), then exit ``code``."""
    from redaction import redact

    click.echo(f"jinli: error: {redact(message)}", err=True)
    sys.exit(code)


@click.group(cls=JinliGroup)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="JINLI_CONFIG",
              help="config.toml to use (default: JINLI_CONFIG, else JINLI_HOME/config.toml, else ./config.toml)")
@click.version_option(package_name="jinli")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """锦鲤 jinli: campaigns, SMS outreach and referral tracking for a gold & wealth shop."""
    from app import App
    from redaction import install_log_redaction
    from settings import load_settings

    install_log_redaction()
    if ctx.invoked_subcommand in NO_CONFIG:
        return
    settings = load_settings(config_path)
    ctx.obj = App(settings, clock=_clock(settings.site.language))


def _clock(language: str):
    """The system clock; JINLI_NOW (an ISO instant with offset) pins it, for demos and back-dated entry."""
    from app import ManualClock, SystemClock
    from cli_text import UsageError, text

    pinned = os.environ.get("JINLI_NOW")
    if not pinned:
        return SystemClock()
    try:
        at = datetime.fromisoformat(pinned)
    except ValueError:
        raise UsageError(text("now_not_iso", language, value=pinned), language_=language) from None
    if at.tzinfo is None:
        raise UsageError(text("now_no_offset", language, value=pinned), language_=language)
    return ManualClock(at)


if __name__ == "__main__":
    main()
