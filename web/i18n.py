"""The staff pages' words: one label catalogue per language (web/labels/zh.toml, en.toml), [site] language picks."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from errors import InvalidValue

FOLDER = Path(__file__).resolve().parent / "labels"
LANGUAGES = ("zh", "en")


@lru_cache(maxsize=None)
def labels(language: str) -> dict[str, str]:
    """The catalogue of ``language``: label key -> text (``{name}`` placeholders filled by str.format)."""
    if language not in LANGUAGES:
        raise InvalidValue(f"language {language!r}: expected zh or en")
    return tomllib.loads((FOLDER / f"{language}.toml").read_text(encoding="utf-8"))
