"""`jinli init DIR`: a shop folder of its own."""

from __future__ import annotations

from pathlib import Path

import click

from shopfolder import CONFIG, DATA_DIR, create_shop


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init_command(directory: Path) -> None:
    """Create a shop folder: config.toml, campaigns, templates, the holiday calendar and var/."""
    created = create_shop(directory)
    for folder, names in created.files.items():
        click.echo(f"  {folder}/: {', '.join(names) if names else '(kept as it was)'}")
    click.echo(f"  {DATA_DIR}/: the database and the file gateway's output")
    click.echo(f"  {CONFIG}: the shop's settings (README: Configuration)")
    for name in created.kept:
        click.echo(f"  kept {name} (already there)")
    click.echo(f"created the shop folder {directory}; next: cd {directory} && jinli import customers customers.csv")
