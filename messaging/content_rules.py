"""The content lint: wording domestic providers reject in marketing texts, by category, each an error, a warning or off.

The word lists live in a data file staff can extend (``[sms] content_rules``, TOML): one table per category
with its ``level`` and ``words``. A missing file means the default policy and seed words below.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from errors import ConfigError

LEVELS = ("error", "warning", "off")
# The default policy and seed words (issue 12); 幸运 alone is allowed.
DEFAULTS = {
    "superstition": ("error", ("算命", "风水", "运势", "转运", "开运", "招财")),
    "lottery": ("error", ("抽奖", "中奖", "彩票", "锦鲤")),
    "financial_promises": ("error", ("保本", "稳赚", "高收益", "零风险", "无风险")),
    "points_redemption": ("warning", ("积分兑换", "积分换", "积分抵现", "积分领取")),
}


@dataclass(frozen=True)
class Category:
    name: str
    level: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """Words of one category found in a text."""

    category: str
    level: str
    words: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.category} ({self.level}): {', '.join(self.words)}"

    def as_json(self) -> dict:
        return {"category": self.category, "level": self.level, "words": list(self.words)}


@dataclass(frozen=True)
class ContentRules:
    source: str
    categories: tuple[Category, ...]

    def lint(self, text: str) -> list[Finding]:
        """Each category (not off) with words found in ``text``, in the file's order."""
        found = []
        for category in self.categories:
            if category.level == "off":
                continue
            words = tuple(w for w in category.words if w in text)
            if words:
                found.append(Finding(category.name, category.level, words))
        return found


def default_rules(source: str = "<defaults>") -> ContentRules:
    return ContentRules(source, tuple(Category(name, level, words) for name, (level, words) in DEFAULTS.items()))


def load_content_rules(path: Path) -> ContentRules:
    """The rules in ``path`` (the defaults when there is no file); anything wrong is one ConfigError line."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default_rules(f"{path} (not found: defaults)")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return ContentRules(str(path), tuple(_category(path, name, table) for name, table in raw.items()))


def _category(path: Path, name: str, table) -> Category:
    where = f"{path} [{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table with level and words")
    unknown = sorted(set(table) - {"level", "words", "label"})
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (expected level, words, label)")
    level = table.get("level", "error")
    if level not in LEVELS:
        raise ConfigError(f"{where} level: expected error, warning or off, got {level!r}")
    words = table.get("words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise ConfigError(f"{where} words: expected a list of non-empty strings")
    return Category(name, level, tuple(dict.fromkeys(w.strip() for w in words)))
