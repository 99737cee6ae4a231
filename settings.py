"""Site settings: config.toml parsed once into frozen values (secrets come from the environment)."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from ipaddress import ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from errors import ConfigError
from records.event_config import EventSettings, check_ladder
from records.parsing import MAX_AMOUNT
from records.loyalty_config import LoyaltySettings, check_loyalty

CONFIG_NAME = "config.toml"


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///var/jinli.sqlite3"


@dataclass(frozen=True)
class SiteSettings:
    timezone: str = "Asia/Shanghai"
    phone_region: str = "CN"
    language: str = "zh"
    campaigns_dir: str = "campaigns"
    templates_dir: str = "templates"
    brand: str = "金福金行"
    holidays_file: str = ""  # official holidays and closing days (TOML); empty: the library's years only
    # Where customers and providers reach `jinli serve` from outside: RSVP / opt-out links, Twilio's
    # webhooks. [twilio] public_base_url is an alias of it (one value: giving both differently is an error).
    public_base_url: str = ""


@dataclass(frozen=True)
class SmsSettings:
    signature: str = "【金福金行】"
    unsubscribe_hint: str = "回T退订"
    gateway: str = "file"
    file_path: str = "var/sent.jsonl"
    quiet_hours: tuple[str, str] = ("21:00", "08:00")
    notices_ignore_quiet_hours: bool = False
    weekly_cap: int = 3
    max_segments: int = 3
    max_render_chars: int = 2000
    cost_per_segment: float = 0.05
    rate_per_second: float = 10.0
    concurrency: int = 8
    claim_size: int = 200
    max_attempts: int = 5
    retry_base_seconds: int = 30
    reconcile_after_minutes: int = 10
    confirm_above: int = 500  # a manual send of more texts asks for confirmation (or --yes)
    # Gateway by the destination's country: {"CN": "aliyun", "default": "twilio"}; a country not
    # named (and no "default") goes through ``gateway``.
    routes: dict[str, str] = field(default_factory=dict)
    # The approved-template registry and the content rules (data files, relative to config.toml).
    approved_templates: str = "templates/approved.toml"
    content_rules: str = "templates/content_rules.toml"


@dataclass(frozen=True)
class TwilioSettings:
    from_number: str = ""
    # A number pool: each number sends within its own [sms] rate_per_second (segments a second);
    # texts go to the number free soonest. With messaging_service_sid, the service's own numbers.
    from_numbers: list[str] = field(default_factory=list)
    messaging_service_sid: str = ""
    public_base_url: str = ""
    api_base_url: str = ""  # empty: https://api.twilio.com; else an egress proxy or a local mock
    timeout_seconds: float = 10.0

    @property
    def sender_pool(self) -> tuple[str, ...]:
        """The numbers texts leave from, each paced on its own: from_number and from_numbers (may be none)."""
        return tuple(dict.fromkeys(n for n in (self.from_number, *self.from_numbers) if n))


@dataclass(frozen=True)
class CallbackSettings:
    """The domestic providers' callbacks (served only when JINLI_CALLBACK_SECRET is set)."""

    allow_from: list[str] = field(default_factory=list)  # CIDRs the providers call from; empty: any address


@dataclass(frozen=True)
class AliyunSettings:
    """Aliyun SMS (dysmsapi); credentials from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET."""

    sign_name: str = ""  # the approved signature, without 【】
    region: str = "cn-hangzhou"
    endpoint: str = ""  # empty: dysmsapi.aliyuncs.com; else host[:port] or http(s)://host[:port]
    timeout_seconds: float = 10.0
    # Provider rules: promotional (marketing) texts only inside these local hours; at most daily_cap
    # texts per number per day (0: no cap), the next ones deferred to the next allowed day.
    marketing_hours: tuple[str, str] = ("08:00", "20:00")
    daily_cap: int = 50


@dataclass(frozen=True)
class TencentSettings:
    """Tencent Cloud SMS (2021-01-11); credentials from TENCENTCLOUD_SECRET_ID / _KEY."""

    sign_name: str = ""  # the approved signature, without 【】
    sdk_app_id: str = ""  # the SmsSdkAppId of the console's application, e.g. "1400006666"
    region: str = "ap-guangzhou"
    endpoint: str = ""  # empty: sms.tencentcloudapi.com; else host[:port] or http(s)://host[:port]
    timeout_seconds: float = 10.0
    # Provider rules: promotional (marketing) texts only inside these local hours; at most daily_cap
    # texts per number per day (0: no cap), the next ones deferred to the next allowed day.
    marketing_hours: tuple[str, str] = ("08:00", "20:00")
    daily_cap: int = 50


@dataclass(frozen=True)
class CalendarSettings:
    zodiac_boundary: str = "spring_festival"
    feb29_in_common_years: str = "feb28"


@dataclass(frozen=True)
class TierSettings:
    a_min_score: int = 15
    b_min_score: int = 9
    c_min_deposit: int = 10000
    new_customer_days: int = 183
    old_customer_days: int = 365
    deposit: tuple[tuple[int, int], ...] = ((100000, 3), (50000, 2), (10000, 1))
    term: tuple[tuple[str, int], ...] = (("1y", 3), ("6m", 2), ("2m", 1))
    renewals: tuple[tuple[int, int], ...] = ((3, 3), (1, 2))
    topups: tuple[tuple[int, int], ...] = ((3, 3), (1, 2))
    topups_window_days: int = 365
    referrals: tuple[tuple[int, int], ...] = ((5, 3), (1, 2))
    events: tuple[tuple[int, int], ...] = ((4, 3), (3, 2), (2, 1))
    events_window_days: int = 183
    withdrawals: tuple[tuple[int, int], ...] = ((1, -1),)
    withdrawals_window_days: int = 183
    # Loyalty points balance (DOMAIN §3) as an indicator, [threshold, points] pairs; empty: off.
    points: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class ImportSettings:
    """Bounds on imported values that a shop may set otherwise (the fixed ones live in records.bounds)."""

    max_amount: int = MAX_AMOUNT  # CNY, per holding or movement
    max_name_length: int = 50  # characters
    start_ahead_days: int = 365  # how far after the import day a holding may start
    columns: dict[str, str] = field(default_factory=dict)  # the shop's own headers: {"联系电话" = "phone"}


@dataclass(frozen=True)
class WebSettings:
    """The staff pages (`jinli serve`): proxy and sign-in throttling; sessions last [events] staff_session_hours."""

    behind_proxy: bool = False  # behind a TLS proxy: trust its X-Forwarded-* headers (one hop), Secure cookies
    signin_max_failures: int = 5  # wrong sign-ins per account or address before throttling
    signin_lock_minutes: int = 15  # the throttle's window


@dataclass(frozen=True)
class DaemonSettings:
    """The daemon's loyalty and trigger jobs (`jinli daemon`)."""

    recompute_at: str = "03:00"  # shop-local time of the daily recompute of points, rewards and tiers
    import_check_minutes: int = 5  # how often the daemon looks for a finished import to recompute after
    trigger_scan_minutes: int = 2  # how often trigger campaigns scan for new triggering records

    @property
    def recompute_time(self) -> time:
        return time.fromisoformat(self.recompute_at)


@dataclass(frozen=True)
class Settings:
    """Everything config.toml says, with paths resolved against the file's folder."""

    base_dir: Path
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    site: SiteSettings = field(default_factory=SiteSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    twilio: TwilioSettings = field(default_factory=TwilioSettings)
    aliyun: AliyunSettings = field(default_factory=AliyunSettings)
    tencent: TencentSettings = field(default_factory=TencentSettings)
    callbacks: CallbackSettings = field(default_factory=CallbackSettings)
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    tiers: TierSettings = field(default_factory=TierSettings)
    events: EventSettings = field(default_factory=EventSettings)
    imports: ImportSettings = field(default_factory=ImportSettings)  # the [import] table
    loyalty: LoyaltySettings = field(default_factory=LoyaltySettings)
    web: WebSettings = field(default_factory=WebSettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    source: str = "<defaults>"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    @property
    def public_base_url(self) -> str:
        """The site's public URL without a trailing slash: [site] public_base_url, else its alias [twilio] public_base_url."""
        return (self.site.public_base_url or self.twilio.public_base_url).strip().rstrip("/")

    @property
    def database_url(self) -> str:
        """The database URL: JINLI_DATABASE_URL wins; a relative SQLite path is relative to base_dir."""
        url = os.environ.get("JINLI_DATABASE_URL") or self.database.url
        return resolve_sqlite_url(url, self.base_dir)

    def path(self, relative: str) -> Path:
        """A path from config.toml, resolved against the config file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else self.base_dir / p

    @property
    def campaigns_path(self) -> Path:
        return self.path(self.site.campaigns_dir)

    @property
    def templates_path(self) -> Path:
        return self.path(self.site.templates_dir)

    @property
    def quiet_hours(self) -> tuple[time, time]:
        start, end = self.sms.quiet_hours
        return time.fromisoformat(start), time.fromisoformat(end)


def resolve_sqlite_url(url: str, base_dir: Path) -> str:
    """Make ``sqlite:///relative/path`` relative to ``base_dir``; other URLs pass unchanged."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite://" or ":memory:" in url:
        return url
    path = url[len(prefix):]
    if path.startswith("/"):
        return url
    return prefix + str((base_dir / path).resolve())


_SECTIONS = {
    "database": DatabaseSettings,
    "site": SiteSettings,
    "sms": SmsSettings,
    "twilio": TwilioSettings,
    "aliyun": AliyunSettings,
    "tencent": TencentSettings,
    "callbacks": CallbackSettings,
    "calendar": CalendarSettings,
    "tiers": TierSettings,
    "events": EventSettings,
    "import": ImportSettings,
    "loyalty": LoyaltySettings,
    "web": WebSettings,
    "daemon": DaemonSettings,
}
_FIELDS = {"import": "imports"}  # a section whose name is a Python keyword


def config_path(explicit: str | os.PathLike | None = None) -> Path:
    """The config file in force: --config, else JINLI_CONFIG, else JINLI_HOME/config.toml, else ./config.toml.

    Never a file inside the installed program: a shop's settings, campaigns and database live in its
    own folder (`jinli init DIR`). With none of the four, ConfigError says how to make one.
    """
    chosen = explicit or os.environ.get("JINLI_CONFIG")
    if chosen:
        return Path(chosen)
    home = os.environ.get("JINLI_HOME")
    if home:
        return Path(home) / CONFIG_NAME
    here = Path.cwd() / CONFIG_NAME
    if here.is_file():
        return here
    raise ConfigError(f"no {CONFIG_NAME} in {Path.cwd()}: run \"jinli init DIR\" to create a shop folder, then run jinli "
                      "inside it (or set JINLI_HOME, or pass --config)")


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Read and validate a config.toml; every problem names the file and the key."""
    file = config_path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        hint = " (create a shop folder there with jinli init)" if file.name == CONFIG_NAME else ""
        raise ConfigError(f"{file}: config file not found{hint}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: invalid TOML: {exc}") from None
    return settings_from_dict(raw, base_dir=file.resolve().parent, source=str(file))


def settings_from_dict(raw: dict[str, Any], *, base_dir: Path, source: str = "<dict>") -> Settings:
    """Build Settings from parsed TOML, rejecting unknown sections, unknown keys and wrong types."""
    sections = {}
    for name, value in raw.items():
        if name not in _SECTIONS:
            raise ConfigError(f"{source}: unknown section [{name}]")
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: [{name}] must be a table")
        sections[_FIELDS.get(name, name)] = _build_section(_SECTIONS[name], value, f"{source}: [{name}]")
    settings = Settings(base_dir=base_dir, source=source, **sections)
    _check_semantics(settings)
    return settings


def _build_section(cls: type, values: dict[str, Any], where: str) -> Any:
    defaults = cls()
    kwargs = {}
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}")
        kwargs[key] = _coerce(_sample(getattr(defaults, key)), value, f"{where} {key}")
    return cls(**kwargs)


def _sample(default: Any) -> Any:
    """What a value must look like: an empty list by default is a list of [threshold, points] pairs."""
    return ((0, 0),) if default == () else default


def _coerce(default: Any, value: Any, where: str) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(default, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        if default and dataclasses.is_dataclass(default[0]):  # an array of tables, e.g. [[loyalty.rewards]]
            return tuple(_table(type(default[0]), item, where) for item in value)
        if default and isinstance(default[0], tuple):  # a list of [threshold, points] pairs
            return tuple(_coerce(default[0], item, where) for item in value)
        if len(value) != len(default):
            raise ConfigError(f"{where}: expected {len(default)} values, got {value!r}")
        return tuple(_coerce(d, item, where) for d, item in zip(default, value))
    if default is not None and type(value) is not type(default):
        raise ConfigError(f"{where}: expected {type(default).__name__}, got {value!r}")
    return value


def _table(cls: type, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table, got {value!r}")
    return _build_section(cls, value, where)


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
GATEWAYS = ("console", "file", "twilio", "aliyun", "tencent")
_GATEWAY_LIST = ", ".join(GATEWAYS[:-1]) + " or " + GATEWAYS[-1]


def _check_routes(routes: dict, where: str) -> None:
    """Each key a two-letter country code (CN, US, ...) or 'default'; each value a gateway name."""
    for country, gateway in routes.items():
        if country != "default" and not (len(country) == 2 and country.isascii() and country.isupper()):
            raise ConfigError(f"{where}: [sms] routes: {country!r} is not a country code like CN or US, nor 'default'")
        if gateway not in GATEWAYS:
            raise ConfigError(f"{where}: [sms] routes {country}: expected {_GATEWAY_LIST}, got {gateway!r}")


def _check_provider_rules(section, name: str, where: str) -> None:
    """marketing_hours: two HH:MM times, the window's start before its end; daily_cap: 0 or more."""
    try:
        start, end = (time.fromisoformat(t) for t in section.marketing_hours)
    except ValueError:
        raise ConfigError(f"{where}: [{name}] marketing_hours: expected two HH:MM times, got {section.marketing_hours!r}") from None
    if not start < end:
        raise ConfigError(f"{where}: [{name}] marketing_hours: the start must be before the end, got {section.marketing_hours!r}")
    if section.daily_cap < 0:
        raise ConfigError(f"{where}: [{name}] daily_cap: expected 0 (no cap) or more texts, got {section.daily_cap!r}")


def _check_public_url(settings: Settings, where: str) -> None:
    """[site] public_base_url and its alias [twilio] public_base_url: one value, an http(s) URL."""
    site, alias = settings.site.public_base_url.strip().rstrip("/"), settings.twilio.public_base_url.strip().rstrip("/")
    if site and alias and site != alias:
        raise ConfigError(f"{where}: [site] public_base_url {site!r} and its alias [twilio] public_base_url {alias!r} "
                          "differ: keep one (the [site] key)")
    url = settings.public_base_url
    if url and urlsplit(url).scheme not in {"http", "https"}:
        raise ConfigError(f"{where}: [site] public_base_url: expected an http(s):// URL, got {url!r}")


def _check_allow_list(cidrs: list, where: str) -> None:
    for cidr in cidrs:
        try:
            ip_network(cidr, strict=False)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: [callbacks] allow_from: {cidr!r} is not an address or CIDR like 203.0.113.0/24") from None


def _check_sender_pool(numbers: list, where: str) -> None:
    for number in numbers:
        if not isinstance(number, str) or not _E164.fullmatch(number):
            raise ConfigError(f"{where}: [twilio] from_numbers: {number!r} is not an E.164 number like +14155550100")


def _check_semantics(settings: Settings) -> None:
    where = settings.source
    _check_sender_pool(settings.twilio.from_numbers, where)
    _check_public_url(settings, where)
    _check_allow_list(settings.callbacks.allow_from, where)
    try:
        settings.tz
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: [site] timezone: unknown time zone {settings.site.timezone!r}") from None
    try:
        settings.quiet_hours
    except ValueError:
        raise ConfigError(f"{where}: [sms] quiet_hours: expected two HH:MM times, got {settings.sms.quiet_hours!r}") from None
    _check_daemon(settings.daemon, where)
    if settings.sms.gateway not in GATEWAYS:
        raise ConfigError(f"{where}: [sms] gateway: expected {_GATEWAY_LIST}, got {settings.sms.gateway!r}")
    _check_routes(settings.sms.routes, where)
    for name in ("aliyun", "tencent"):
        _check_provider_rules(getattr(settings, name), name, where)
    if not 70 <= settings.sms.max_render_chars <= 100_000:
        raise ConfigError(f"{where}: [sms] max_render_chars: expected 70 to 100000 characters, got {settings.sms.max_render_chars!r}")
    if settings.sms.max_segments < 1:
        raise ConfigError(f"{where}: [sms] max_segments: expected at least 1, got {settings.sms.max_segments!r}")
    if settings.sms.claim_size < 1:
        raise ConfigError(f"{where}: [sms] claim_size: expected a positive number of messages, got {settings.sms.claim_size!r}")
    if settings.sms.reconcile_after_minutes < 1:
        raise ConfigError(f"{where}: [sms] reconcile_after_minutes: expected a positive number of minutes, "
                          f"got {settings.sms.reconcile_after_minutes!r}")
    if settings.sms.confirm_above < 0:
        raise ConfigError(f"{where}: [sms] confirm_above: expected 0 or more texts, got {settings.sms.confirm_above!r}")
    if settings.calendar.zodiac_boundary not in {"spring_festival", "lichun"}:
        raise ConfigError(f"{where}: [calendar] zodiac_boundary: expected spring_festival or lichun, got {settings.calendar.zodiac_boundary!r}")
    if settings.calendar.feb29_in_common_years not in {"feb28", "mar1"}:
        raise ConfigError(f"{where}: [calendar] feb29_in_common_years: expected feb28 or mar1, got {settings.calendar.feb29_in_common_years!r}")
    check_ladder(settings.events.gift_ladder)
    _check_import(settings.imports, where)
    check_loyalty(settings.loyalty, where)
    if settings.web.signin_max_failures < 1 or settings.web.signin_lock_minutes < 1:
        raise ConfigError(f"{where}: [web] signin_max_failures and signin_lock_minutes: expected positive whole numbers")
    if settings.events.staff_session_hours < 1:
        raise ConfigError(f"{where}: [events] staff_session_hours: expected a positive number of hours")
    if settings.site.language not in {"zh", "en"}:
        raise ConfigError(f"{where}: [site] language: expected zh or en, got {settings.site.language!r}")


def _check_import(imports: ImportSettings, where: str) -> None:
    for header, column in imports.columns.items():
        if not isinstance(column, str) or not column:
            raise ConfigError(f"{where}: [import] columns {header!r}: expected a column name such as \"phone\", got {column!r}")
    for key, lowest in (("max_amount", 1), ("max_name_length", 1), ("start_ahead_days", 0)):
        if getattr(imports, key) < lowest:
            raise ConfigError(f"{where}: [import] {key}: expected at least {lowest}, got {getattr(imports, key)!r}")


def _check_daemon(daemon: DaemonSettings, where: str) -> None:
    """recompute_at a HH:MM time; the two intervals 1 to 1440 minutes."""
    try:
        daemon.recompute_time
    except ValueError:
        raise ConfigError(f"{where}: [daemon] recompute_at: expected a HH:MM time, got {daemon.recompute_at!r}") from None
    for key in ("import_check_minutes", "trigger_scan_minutes"):
        if not 1 <= getattr(daemon, key) <= 1440:
            raise ConfigError(f"{where}: [daemon] {key}: expected 1 to 1440 minutes, got {getattr(daemon, key)!r}")
