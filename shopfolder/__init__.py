"""A shop folder of its own (`jinli init DIR`): the shipped examples copied out of the package.

The examples are package data (``shopfolder/examples``: links to the repository's ``config.toml``,
``campaigns/*.toml``, ``templates/`` and ``calendar/``, copied into the wheel as files), found through
importlib.resources, so `jinli init` works from a source checkout and from an installed wheel alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from errors import InvalidValue

# What a shop folder holds, from the examples: (folder in the examples, file suffixes copied).
FOLDERS = (("campaigns", (".toml",)), ("templates", (".j2", ".toml")), ("calendar", (".toml",)))
CONFIG = "config.toml"
DATA_DIR = "var"  # the database, the file gateway's output, logs


@dataclass
class Created:
    """What `jinli init` wrote: files per folder, and the files it found there already and kept."""

    root: Path
    files: dict[str, list[str]] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)


def examples() -> Traversable:
    """The shipped example shop (config, campaigns, templates, holiday file) inside the package."""
    return resources.files("shopfolder") / "examples"


def create_shop(root: Path) -> Created:
    """Copy the examples into ``root`` (made if missing); InvalidValue if it already has a config.toml."""
    config = root / CONFIG
    if config.exists():
        raise InvalidValue(f"{config} already exists: jinli init never overwrites a shop's config")
    if root.exists() and not root.is_dir():
        raise InvalidValue(f"{root} is a file, not a folder")
    created = Created(root)
    for folder, suffixes in FOLDERS:
        created.files[folder] = _copy_folder(examples() / folder, root / folder, suffixes, created)
    (root / DATA_DIR).mkdir(parents=True, exist_ok=True)
    config.write_bytes((examples() / CONFIG).read_bytes())  # last: a half-made folder has no config
    return created


def _copy_folder(source: Traversable, target: Path, suffixes: tuple[str, ...], created: Created) -> list[str]:
    """Copy the example files ending in ``suffixes``; a file already in ``target`` is kept as it is."""
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        if not item.is_file() or not item.name.endswith(suffixes):
            continue
        destination = target / item.name
        if destination.exists():
            created.kept.append(f"{target.name}/{item.name}")
            continue
        destination.write_bytes(item.read_bytes())
        copied.append(item.name)
    return copied
