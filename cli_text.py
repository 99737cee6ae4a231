"""The command line's words: one catalogue per language (zh, the default, and en), [site] language picks.

Report labels live in reports.labels; this catalogue holds what the CLI itself says (headers, summaries,
staff-facing errors). A view takes every word from one language, so no line mixes 合计 and total.
"""

from __future__ import annotations

import click

from cli_words import WORDS

LANGUAGES = ("zh", "en")


def language() -> str:
    """The language of the running command: [site] language, else zh (outside a command, or before the config)."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    found = getattr(getattr(getattr(obj, "settings", None), "site", None), "language", None)
    return found if found in LANGUAGES else "zh"


def text(key: str, language_: str | None = None, /, **values) -> str:
    """The catalogue's words for ``key`` in the running command's language, ``{name}`` placeholders filled."""
    words = WORDS[language_ or language()][key]
    return words.format(**values) if values else words


def said(message, language_: str | None = None) -> str:
    """A message in the site's language when it carries a catalogue key (errors.Said, a JinliError), else as it is."""
    key = getattr(message, "key", None)
    if not key or key not in WORDS[language_ or language()]:
        return str(message)
    values = {name: said(value, language_) if getattr(value, "key", None) else value
              for name, value in message.values.items()}
    if "what" in values:  # a column or field named in words (入会日期 rather than joined_on)
        values["what"] = words(language_).get(f"field_{values['what']}", values["what"])
    return text(key, language_, **values)


def words(language_: str | None = None) -> dict[str, str]:
    """The whole catalogue of a language (the running command's by default)."""
    return WORDS[language_ or language()]


def reason(key: str, language_: str | None = None) -> str:
    """Why a customer got no text (a planning or dispatch reason key) in words; an unknown key as it is."""
    from reports.labels import REASONS

    return REASONS[language_ or language()].get(key, key)


def word(kind: str, value: str) -> str:
    """A stored value (a state, a source, a kind) in words: catalogue key ``<kind>_<value>``; unknown ones as they are."""
    return words().get(f"{kind}_{value}", value)


class UsageError(click.UsageError):
    """A usage error said in one line in the site's language (click's own keep its usage block); exit 2."""

    def __init__(self, message: str, ctx: click.Context | None = None, language_: str | None = None):
        super().__init__(message, ctx)
        self.prefix = text("error_prefix", language_)  # now: click shows the error after the command's context has closed

    def show(self, file=None) -> None:
        click.echo(self.prefix + self.message, err=True)
