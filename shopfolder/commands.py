"""`jinli init DIR`: a shop folder of its own."""

from __future__ import annotations

from pathlib import Path

import click

from cli_text import text
from shopfolder import CONFIG, DATA_DIR, create_shop


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init_command(directory: Path) -> None:
    """Create a shop folder: config.toml, campaigns, templates, the holiday calendar and var/."""
    created = create_shop(directory)
    for folder, names in created.files.items():
        click.echo(text("init_folder", folder=folder, names=text("list_sep").join(names) if names else text("init_as_was")))
    click.echo(text("init_data", folder=DATA_DIR))
    click.echo(text("init_config", file=CONFIG))
    for name in created.kept:
        click.echo(text("init_kept", name=name))
    click.echo(text("init_created", folder=directory))
