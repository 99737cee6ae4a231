"""The approved-template registry: which provider template each Jinja template is, parsed once into frozen values.

Domestic providers (aliyun, tencent) send an approved template code plus variables, never free text. The
registry (``[sms] approved_templates``, TOML) holds, per provider and Jinja template, the template code,
the approved text with the provider's placeholders (``${name}`` for Aliyun, ``{1}`` for Tencent) and each
variable's type and maximum length. Every problem in the file is one ConfigError line naming file and key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from errors import ConfigError

PROVIDERS = ("aliyun", "tencent")
PLACEHOLDER = {"aliyun": re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}"), "tencent": re.compile(r"\{([1-9][0-9]?)\}")}
# The providers' published variable limits, in characters (a Chinese character, letter, digit or punctuation
# mark counts one), by jinli's variable types:
# - Aliyun: notification and promotional variables 1–35 characters since 2018-01-10, phone numbers at most
#   15, verification codes 4–6 (https://developer.aliyun.com/ask/220871, "TemplateRule&TemplateContent
#   参数填写示例" https://help.aliyun.com/document_detail/2806243.html).
# - Tencent: verification codes at most 6 digits; other variables 12 characters under the typed variable
#   rules (the FAQ https://cloud.tencent.com/document/product/382/13301 still gives 6 for accounts on the
#   old rules: such a shop sets `max = 6` on its variables).
# - token: jinli's own rule for the token of an RSVP or opt-out link (at most 12 letters and digits, the
#   link's base being fixed approved text).
LIMITS: dict[str, dict[str, int]] = {
    "aliyun": {"name": 35, "text": 35, "number": 35, "money": 35, "date": 35, "phone": 15, "code": 6, "token": 12},
    "tencent": {"name": 12, "text": 12, "number": 12, "money": 12, "date": 12, "phone": 12, "code": 6, "token": 12},
}
TYPES = tuple(LIMITS["aliyun"])
# What a value of each type may hold (besides its length); name, text and date: anything but a link or 【】.
SHAPES = {
    "number": re.compile(r"[A-Za-z0-9_-]+"),  # 其他号码: order numbers, check-in and referral codes
    "money": re.compile(r"[0-9][0-9,]*(\.[0-9]+)?万?"),
    "phone": re.compile(r"\+?[0-9][0-9-]*"),
    "code": re.compile(r"[A-Za-z0-9]{4,6}"),
    "token": re.compile(r"[A-Za-z0-9]+"),
}
SHAPE_WORDS = {"number": "letters, digits, - and _", "money": "an amount in digits", "phone": "a phone number",
               "code": "4 to 6 letters or digits", "token": "letters and digits"}
URL = re.compile(r"(?i)(https?://|www\.|\b[a-z0-9-]+\.(com|cn|net|org|top|xyz|cc|io|me|vip|shop|link|ly|info)\b)")
ENTRY_KEYS = {"code", "text", "sign_name", "variables"}


@dataclass(frozen=True)
class Variable:
    key: str
    type: str
    max: int


@dataclass(frozen=True)
class Approved:
    """One approved provider template: what jinli sends for one Jinja template through one provider."""

    provider: str
    template: str
    code: str
    text: str
    sign_name: str
    variables: tuple[Variable, ...]
    placeholders: tuple[str, ...]  # variable keys in the order they appear in ``text``
    where: str  # "templates/approved.toml [aliyun.lucky_day]"

    def placeholder(self, key: str) -> str:
        return "${" + key + "}" if self.provider == "aliyun" else "{" + key + "}"

    def variable(self, key: str) -> Variable:
        return next(v for v in self.variables if v.key == key)

    def params(self, values: list[str]) -> tuple[dict[str, str], list[str]]:
        """The variables for the provider from the Jinja expressions' values (in placeholder order), and
        one problem per value that breaks its type, its limit, or carries a link or 【】."""
        params, problems = {}, []
        for key, value in zip(self.placeholders, values):
            if key in params and params[key] != value:
                problems.append(f"{self.placeholder(key)} is filled twice with different values")
            params[key] = value
        for key, value in params.items():
            problem = value_problem(self.variable(key), value)
            if problem:
                problems.append(f"{self.placeholder(key)} = {value!r}: {problem}")
        return params, problems

    def fill(self, params: Mapping[str, str]) -> str:
        """The approved text as the provider fills it in."""
        return PLACEHOLDER[self.provider].sub(lambda m: params[m.group(1)], self.text)


def value_problem(variable: Variable, value: str) -> str | None:
    """Why ``value`` cannot fill ``variable`` (None: it can)."""
    if not value:
        return "empty (providers refuse an empty variable)"
    if len(value) > variable.max:
        return f"{len(value)} characters, over the {variable.type} variable's limit of {variable.max}"
    if URL.search(value):
        return "a link inside a variable (put the link's base in the approved text, only a token in a variable)"
    if "【" in value or "】" in value:
        return "【】 inside a variable (the provider adds the signature itself)"
    shape = SHAPES.get(variable.type)
    if shape and not shape.fullmatch(value):
        return f"not a {variable.type} value ({SHAPE_WORDS[variable.type]})"
    return None


@dataclass(frozen=True)
class Registry:
    """Every approved template, by (provider, Jinja template name)."""

    source: str
    entries: Mapping[tuple[str, str], Approved] = field(default_factory=dict)
    found: bool = True  # False when the file does not exist (no domestic provider configured yet)

    def find(self, provider: str, template: str) -> Approved | None:
        return self.entries.get((provider, template))


def load_registry(path: Path) -> Registry:
    """The registry in ``path``; a missing file is an empty registry, anything wrong one ConfigError line."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Registry(str(path), {}, found=False)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    entries = {}
    for provider, table in raw.items():
        if provider not in PROVIDERS:
            raise ConfigError(f"{path}: [{provider}]: unknown provider: expected {' or '.join(PROVIDERS)}")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {provider}: expected a table of templates")
        for template, entry in table.items():
            entries[(provider, template)] = _entry(path, provider, template, entry)
    return Registry(str(path), entries)


def _entry(path: Path, provider: str, template: str, raw: Any) -> Approved:
    where = f"{path} [{provider}.{template}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table with code, text and variables")
    unknown = sorted(set(raw) - ENTRY_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (expected {', '.join(sorted(ENTRY_KEYS))})")
    code = _text(raw, "code", where, 64)
    text = _text(raw, "text", where, 500)
    if "【" in text or "】" in text:
        raise ConfigError(f"{where} text: contains 【】: the provider adds the signature (SignName) itself; "
                          "write the approved text without it")
    sign_name = raw.get("sign_name", "")
    if not isinstance(sign_name, str) or "【" in sign_name or "】" in sign_name:
        raise ConfigError(f"{where} sign_name: expected the signature as text, without 【】, got {sign_name!r}")
    placeholders = tuple(PLACEHOLDER[provider].findall(text))
    variables = _variables(raw.get("variables", {}), provider, where)
    declared = {v.key for v in variables}
    missing = [k for k in placeholders if k not in declared]
    if missing:
        raise ConfigError(f"{where} variables: the text's placeholder {_ph(provider, missing[0])} has no type "
                          f"(add {missing[0]} = \"text\" or another of {', '.join(TYPES)})")
    unused = sorted(declared - set(placeholders))
    if unused:
        raise ConfigError(f"{where} variables.{unused[0]}: not a placeholder of the text ({_ph(provider, unused[0])} not found)")
    return Approved(provider, template, code, text, sign_name.strip(), variables, placeholders, where)


def _ph(provider: str, key: str) -> str:
    return "${" + key + "}" if provider == "aliyun" else "{" + key + "}"


def _text(raw: dict, key: str, where: str, longest: int) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} {key}: required, a non-empty string")
    if len(value) > longest:
        raise ConfigError(f"{where} {key}: {len(value)} characters, at most {longest}")
    return value


def _variables(raw: Any, provider: str, where: str) -> tuple[Variable, ...]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} variables: expected a table, e.g. {{ name = \"name\" }}")
    return tuple(_variable(key, spec, provider, f"{where} variables.{key}") for key, spec in raw.items())


def _variable(key: str, spec: Any, provider: str, where: str) -> Variable:
    if not PLACEHOLDER[provider].fullmatch(_ph(provider, key)):
        wanted = "a name of letters, digits and _" if provider == "aliyun" else "a position 1, 2, 3 …"
        raise ConfigError(f"{where}: not a {provider} placeholder ({wanted})")
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict) or set(spec) - {"type", "max"}:
        raise ConfigError(f"{where}: expected a type name or {{ type = \"…\", max = N }}, got {spec!r}")
    kind = spec.get("type")
    if kind not in LIMITS[provider]:
        raise ConfigError(f"{where} type: expected one of {', '.join(TYPES)}, got {kind!r}")
    limit = LIMITS[provider][kind]
    most = spec.get("max", limit)
    if not isinstance(most, int) or isinstance(most, bool) or not 1 <= most <= limit:
        raise ConfigError(f"{where} max: expected 1 to {limit} ({provider}'s limit for a {kind} variable), got {most!r}")
    return Variable(key, kind, most)
