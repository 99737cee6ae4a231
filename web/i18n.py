"""The staff pages' words: one label catalogue per language (web/labels/zh.toml, en.toml), [site] language picks."""

from __future__ import annotations

import tomllib
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from errors import InvalidValue

FOLDER = Path(__file__).resolve().parent / "labels"
LANGUAGES = ("zh", "en")


@lru_cache(maxsize=None)
def labels(language: str) -> dict[str, str]:
    """The catalogue of ``language``: label key -> text (``{name}`` placeholders filled by str.format)."""
    if language not in LANGUAGES:
        raise InvalidValue(f"language {language!r}: expected zh or en")
    return tomllib.loads((FOLDER / f"{language}.toml").read_text(encoding="utf-8"))


# The zones whose clock staff call by a Chinese name; any other zone reads 当地时间 and its UTC offset.
ZONE_NAMES_ZH = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Harbin": "北京时间", "PRC": "北京时间",
                 "Asia/Hong_Kong": "香港时间", "Asia/Taipei": "台北时间", "Asia/Macau": "澳门时间",
                 "Asia/Singapore": "新加坡时间"}


def utc_offset(zone: str, at: datetime) -> str:
    """``zone``'s offset at the instant ``at`` as UTC+HH:MM (UTC-HH:MM west of Greenwich)."""
    minutes = int(at.astimezone(ZoneInfo(zone)).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_words(zone: str, language: str, at: datetime) -> str:
    """The shop's time zone as staff read it: 北京时间（UTC+08:00） in Chinese, Asia/Shanghai (UTC+08:00) in English."""
    offset = utc_offset(zone, at)
    if language == "zh":
        return f"{ZONE_NAMES_ZH.get(zone, '当地时间')}（{offset}）"
    return f"{zone} ({offset})"
