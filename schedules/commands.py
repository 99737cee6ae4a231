"""`jinli daemon`: run the scheduler until SIGTERM/SIGINT, or once (`--once`)."""

from __future__ import annotations

import os
import signal
import socket
from datetime import timedelta

import click

from app import App
from cli_params import pass_app
from messaging.gateways import make_gateway
from schedules.daemon import Daemon, DaemonOptions
from schedules.logs import configure_logging



@click.command("daemon")
@click.option("--once", is_flag=True, help="run every job that is due now, then exit")
@click.option("--log-json", is_flag=True, help="one JSON object per log line")
@click.option("--catchup-hours", default=24, show_default=True, type=click.IntRange(min=0),
              help="missed occurrences younger than this are planned once after a restart; older ones are skipped")
@click.option("--dispatch-seconds", default=30, show_default=True, type=click.IntRange(min=1))
@click.option("--worker", default=None, help="this daemon's name in the outbox (default: host:pid)")
@click.option("--dry-run", is_flag=True, help="plan, but send through a gateway that sends nothing")
@pass_app
def daemon_command(app: App, once: bool, log_json: bool, catchup_hours: int, dispatch_seconds: int,
                   worker: str | None, dry_run: bool) -> None:
    """Plan every campaign at its send time, send what is due, reconcile delivery reports."""
    configure_logging(log_json)
    options = DaemonOptions(worker or f"{socket.gethostname()}:{os.getpid()}", timedelta(hours=catchup_hours),
                            timedelta(seconds=dispatch_seconds))
    daemon = Daemon(app, make_gateway(app.settings, dry_run=dry_run), options)
    app.engine  # fail fast on a database problem, before any signal handler is installed
    if once:
        daemon.run_once(app.now())
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: daemon.stop())
    daemon.run_forever(app.now)
