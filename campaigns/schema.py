"""A strict reader over parsed TOML: typed getters that name the file and table path of any problem.

Every key read is remembered, so ``finish()`` can reject the keys nobody asked for (typos).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Callable, TypeVar

from errors import CampaignError, InvalidValue, Said

T = TypeVar("T")
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
            "周一": 0, "周二": 1, "周三": 2, "周四": 3, "周五": 4, "周六": 5, "周日": 6}
_MISSING = object()
LABELS = {"a string": "campaign_label_string", "true or false": "campaign_label_bool", "an integer": "campaign_label_int",
          "a number": "campaign_label_number", "a list": "campaign_label_list",
          "an array of tables ([[...]])": "campaign_label_tables"}  # the catalogue's words for what a key expects


def problem(source: str, at: str, message: str) -> CampaignError:
    """A campaign file's problem as one line "file: key: message" (English), keyed so the CLI can say it in Chinese."""
    return CampaignError(f"{source}: {at}: {message}", key="campaign_problem", file=source, at=at, problem=message)


class Reader:
    def __init__(self, data: dict[str, Any], source: str, path: str = ""):
        self.data, self.source, self.path = data, source, path
        self.seen: set[str] = set()

    def where(self, key: str | None = None) -> str:
        return f"{self.source}: {self._full(key)}"

    def _full(self, key: str | None) -> str | Said:
        return f"{self.path}.{key}" if self.path and key else (key or self.path or Said("(top level)", "campaign_top_level"))

    def error(self, key: str | None, message: str, said: str | None = None, **values) -> CampaignError:
        """A problem naming the file and key; ``said`` (a catalogue key) and its values say it in the site's language."""
        return problem(self.source, self._full(key), Said(message, said, **values))

    def _get(self, key: str, default: Any) -> Any:
        self.seen.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise self.error(key, "is required", "campaign_required")
        return default

    def _typed(self, key: str, kinds: tuple[type, ...], label: str, default: Any) -> Any:
        value = self._get(key, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.error(key, f"expected {label}, got {value!r}", "campaign_expected",
                             label=Said(label, LABELS.get(label)), value=value)
        return value

    def str(self, key: str, default: Any = _MISSING) -> str:
        return self._typed(key, (str,), "a string", default)

    def bool(self, key: str, default: Any = _MISSING) -> bool:
        return self._typed(key, (bool,), "true or false", default)

    def int(self, key: str, default: Any = _MISSING, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self._typed(key, (int,), "an integer", default)
        return self.bounded(key, value, minimum, maximum)

    def number(self, key: str, default: Any = _MISSING, minimum: float | None = None,
               maximum: float | None = None) -> float:
        value = self._typed(key, (int, float), "a number", default)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.error(key, f"expected a finite number, got {value!r}")
        value = self.bounded(key, value, minimum, maximum)
        return float(value) if value is not None else None

    def bounded(self, key: str, value: Any, minimum: float | None, maximum: float | None) -> Any:
        """``value`` unless it is below ``minimum`` or above ``maximum`` (None passes)."""
        if minimum is not None and value is not None and value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value!r}", "campaign_at_least", minimum=minimum, value=value)
        if maximum is not None and value is not None and value > maximum:
            raise self.error(key, f"must be at most {maximum}, got {value!r}", "campaign_at_most", maximum=maximum, value=value)
        return value

    def ints(self, key: str, default: Any = _MISSING, minimum: int = 0, maximum: int | None = None) -> list[int]:
        """A list of whole numbers, each within [minimum, maximum]."""
        values = self.list(key, default)
        for value in values:
            whole = isinstance(value, int) and not isinstance(value, bool)
            if not whole or value < minimum or (maximum is not None and value > maximum):
                upto = f" to {maximum}" if maximum is not None else " or more"
                raise self.error(key, f"expected whole numbers from {minimum}{upto}, got {value!r}")
        return values

    def strings(self, key: str, default: Any = _MISSING) -> list[str]:
        """A list of strings."""
        values = self.list(key, default)
        for value in values:
            if not isinstance(value, str):
                raise self.error(key, f"expected a list of strings, got {value!r}")
        return values

    def date(self, key: str, default: Any = None) -> dt.date | None:
        value = self._get(key, default)
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(key, f"expected a date like 2025-01-01, got {value!r}", "campaign_expected_date", value=value)

    def time(self, key: str, default: Any = _MISSING) -> dt.time:
        """A shop-local time of day to the minute: no UTC offset, no seconds."""
        value = self._get(key, default)
        if isinstance(value, str):
            try:
                value = dt.time.fromisoformat(value)
            except ValueError:
                pass
        if not isinstance(value, dt.time):
            raise self.error(key, f"expected a time like \"10:00\", got {value!r}", "campaign_expected_time", value=value)
        if value.tzinfo is not None or value.second or value.microsecond:
            raise self.error(key, f"expected a shop-local time like \"10:00\" (no seconds, no UTC offset), got {value.isoformat()!r}")
        return value

    def list(self, key: str, default: Any = _MISSING) -> list:
        return self._typed(key, (list,), "a list", default)

    def choice(self, key: str, options: tuple[str, ...], default: Any = _MISSING) -> str:
        value = self.str(key, default)
        if value not in options:
            raise self.error(key, f"unknown value {value!r}: expected one of {', '.join(options)}", "campaign_unknown_value",
                             value=value, options=", ".join(options))
        return value

    def choices(self, key: str, options: tuple[str, ...], default: Any = _MISSING) -> tuple[str, ...]:
        values = self.list(key, default)
        for value in values:
            if value not in options:
                raise self.error(key, f"unknown value {value!r}: expected any of {', '.join(options)}",
                                 "campaign_unknown_value", value=value, options=", ".join(options))
        return tuple(values)

    def weekday(self, key: str, default: Any = _MISSING) -> int:
        value = self._get(key, default)
        return self.as_weekday(key, value)

    def as_weekday(self, key: str, value: Any) -> int:
        if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
            return WEEKDAYS[value.strip().lower()]
        raise self.error(key, f"unknown weekday {value!r}: expected mon, tue, wed, thu, fri, sat or sun",
                         "campaign_unknown_weekday", value=value)

    def parsed(self, key: str, parse: Callable[[Any], T], default: Any = _MISSING) -> T:
        """A value converted by ``parse``; its InvalidValue becomes a CampaignError naming the key."""
        value = self._get(key, default)
        if value is default and default is not _MISSING:
            return value
        try:
            return parse(value)
        except InvalidValue as exc:
            raise self.error(key, str(exc), exc.key, **exc.values) from None

    def table(self, key: str, required: bool = True) -> "Reader | None":
        value = self._get(key, _MISSING if required else None)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {value!r}")
        return Reader(value, self.source, f"{self.path}.{key}" if self.path else key)

    def tables(self, key: str) -> list["Reader"]:
        values = self._typed(key, (list,), "an array of tables ([[...]])", _MISSING)
        readers = []
        for index, value in enumerate(values, start=1):
            label = f"{self.path + '.' if self.path else ''}{key}[{index}]"
            if not isinstance(value, dict):
                raise problem(self.source, label, Said(f"expected a table, got {value!r}", "campaign_expected",
                                                       label=Said("a table", "campaign_label_table"), value=value))
            readers.append(Reader(value, self.source, label))
        return readers

    def finish(self) -> None:
        """Reject the keys that were never read: a typo must not silently do nothing."""
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            known = ", ".join(sorted(self.seen))
            raise self.error(unknown[0], f"unknown key (known: {known})", "campaign_unknown_key", known=known)
