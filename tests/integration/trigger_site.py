"""A test shop with the shipped templates and salons, and a helper writing trigger campaign files."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def prepare(site: Path, *shipped: str) -> Path:
    """The site's campaigns folder with ``shipped`` campaign files copied, and the shipped templates."""
    folder = site.parent / "campaigns"
    folder.mkdir(exist_ok=True)
    for name in shipped:
        shutil.copy(REPO / "campaigns" / name, folder)
    if not (site.parent / "templates").exists():
        shutil.copytree(REPO / "templates", site.parent / "templates")
    return folder


def write_trigger(site: Path, campaign_id: str, on: str, text: str, *, extra: str = "", audience: str = "",
                  enabled: bool = True, **trigger) -> Path:
    """A trigger campaign ``campaign_id`` on ``on`` whose template (named after it) is ``text``."""
    folder = prepare(site)
    (site.parent / "templates" / f"{campaign_id}.j2").write_text(text, encoding="utf-8")
    keys = "\n".join(f"{k} = {_toml(v)}" for k, v in trigger.items())
    body = textwrap.dedent(f"""\
        id = "{campaign_id}"
        name = "{campaign_id}"
        kind = "trigger"
        enabled = {str(enabled).lower()}
        {extra}
        [templates]
        message = "{campaign_id}"
        [trigger]
        on = "{on}"
        """) + keys + "\n" + (f"[audience]\n{audience}\n" if audience else "")
    path = folder / f"{campaign_id}.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _toml(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    return f'"{value}"'
