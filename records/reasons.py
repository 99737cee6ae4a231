"""An import's reject reasons and warnings in the site's language: the catalogue's words for a keyed message, else
the English it was raised with (rare problems are not in the catalogue)."""

from __future__ import annotations

from cli_words import WORDS
from errors import JinliError


def say(language: str, key: str, english: str = "", **values) -> str:
    """The catalogue's words for ``key`` in ``language`` (a ``what`` value named by its field), else ``english``."""
    words = WORDS.get(language, WORDS["zh"])
    if key not in words:
        return english
    values = {name: say(language, value.key, str(value), **value.values) if getattr(value, "key", None) else value
              for name, value in values.items()}  # a value said in words itself (errors.Said: a calendar, a date)
    if "what" in values:
        values["what"] = words.get(f"field_{values['what']}", values["what"])
    return words[key].format(**values)


def of_error(language: str, exc: JinliError) -> str:
    """A row's InvalidValue as a reject reason."""
    return say(language, exc.key, str(exc), **exc.values) if exc.key else str(exc)


def warning(language: str, message: str) -> str:
    """A warning line of the rejects file: the row was imported, this looks wrong with it."""
    return say(language, "import_warning", f"warning: {message}", message=message)
