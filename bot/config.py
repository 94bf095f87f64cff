"""Configuration: `gospablik.toml` for the shape of the deployment, the environment for secrets.

The core reads what is common (service, work chat, staff, and each account's name, topic and policy);
each platform reads its own section (named by the network) through a `SectionParser` that app assembly
passes in. Every problem is collected and reported at once, in plain words, so that an operator
fixes the file in one pass instead of discovering errors one restart at a time.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import dotenv
from bot.domain import GRANTS, LABELS, Permission, PolicyAction, Role
from bot.registry.settings import RegistrySettings, parse_registry
from bot.retention import RetentionSettings, parse_retention
from bot.security.settings import SecuritySettings, parse_security
from bot.summary.settings import ReportSettings, parse_reports
from bot.training.settings import TrainingSettings, parse_training

DEFAULT_CONFIG_PATH = Path("gospablik.toml")
TELEGRAM_API = "https://api.telegram.org"
_WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_BOT_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
HUMAN_ONLY = frozenset({"insult", "illegal"})  # labels the regulation leaves to a person
CORE_SECTIONS = ("service", "telegram", "staff", "publishing", "registry", "security", "reports", "training",
                 "retention")
PLACEHOLDER = re.compile(r"replace[-_]?(me|with)|change[-_]?me|<[^>]*>|^x{3,}$|^\.\.\.$", re.IGNORECASE)


class ConfigError(Exception):
    """Raised with the full list of problems found in the configuration."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class LabelPolicy:
    """What to do with an item the classifier flagged with one label."""

    action: PolicyAction = PolicyAction.NOTIFY
    ban_days: int | None = None  # for AUTO_DELETE_AND_BAN; None = forever


@dataclass(frozen=True)
class Account:
    """One page served by this instance (a community, a group), named by (network, id) everywhere."""

    network: str
    id: int
    name: str
    settings: Any = None  # the platform's own: credentials, secrets
    topic_id: int | None = None  # forum topic of the work chat for this account's cards
    own_domains: tuple[str, ...] = ()
    policy: Mapping[str, LabelPolicy] = field(default_factory=dict)
    reply_approval: bool = False  # replies to citizens go out only after a coordinator approves their text

    @property
    def key(self) -> tuple[str, int]:
        return (self.network, self.id)

    def policy_for(self, label: str) -> LabelPolicy:
        return self.policy.get(label, LabelPolicy())


@dataclass(frozen=True)
class StaffMember:
    """A person who may use the work chat; `role` is the main one, `also` any others they hold."""

    user_id: int
    name: str
    role: Role
    also: frozenset[Role] = frozenset()
    unit: str | None = None  # the department, for authors ("Отдел ЖКХ")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset({self.role}) | self.also

    def can(self, permission: Permission) -> bool:
        return any(permission in GRANTS[role] for role in self.roles)

    @property
    def roles_ru(self) -> str:
        return ", ".join(r.title_ru for r in sorted(self.roles, key=list(Role).index))


@dataclass(frozen=True)
class TelegramConfig:
    bot_token: str
    work_chat_id: int
    api_base: str = TELEGRAM_API
    mode: str = "polling"  # "polling" or "webhook"
    webhook_secret: str | None = None
    messages_per_minute: int = 20
    # A message "from the group" (an anonymous administrator) names nobody: refused with the reason by default;
    # `true` lets such answers to cards through, audited as the chat's anonymous administrator.
    anonymous_admins: bool = False


@dataclass(frozen=True)
class Config:
    accounts: tuple[Account, ...]
    staff: tuple[StaffMember, ...]
    telegram: TelegramConfig
    networks: Mapping[str, Any] = field(default_factory=dict)  # each platform's section-wide settings
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    database_url: str | None = None
    data_dir: Path = Path("var")
    dry_run: bool = False
    log_format: str = "text"
    max_body_bytes: int = 1024 * 1024
    retry_actions_for: timedelta = timedelta(hours=2)  # a network down this long still gets the decision carried out
    timezone: str = "Europe/Moscow"
    publishing_grace: timedelta = timedelta(minutes=30)  # a post missed while down goes out if this late at most
    calendar_secret: str | None = None  # the content plan's iCalendar feed: /calendar/<secret>.ics
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    reports: ReportSettings = field(default_factory=ReportSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def account(self, network: str, account_id: int) -> Account | None:
        for account in self.accounts:
            if account.network == network and account.id == account_id:
                return account
        return None

    def accounts_of(self, network: str) -> tuple[Account, ...]:
        return tuple(a for a in self.accounts if a.network == network)

    def staff_member(self, user_id: int) -> StaffMember | None:
        for member in self.staff:
            if member.user_id == user_id:
                return member
        return None


class Reader:
    """Reads typed values out of nested TOML tables, noting every problem with its dotted path."""

    def __init__(self, problems: list[str], env: Mapping[str, str]) -> None:
        self.problems = problems
        self.env = env

    def get(self, table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str,
            default: Any = None, required: bool = False) -> Any:
        if key not in table:
            if required:
                self.problems.append(f"{where}.{key}: missing (required)")
            return default
        value = table[key]
        if isinstance(value, bool) and kind is int:
            self.problems.append(f"{where}.{key}: expected a whole number, got {value!r}")
            return default
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.problems.append(f"{where}.{key}: expected {names}, got {value!r}")
            return default
        return value

    def secret(self, name: str, why: str) -> str:
        value = self.env.get(name, "").strip()
        if not value:
            self.problems.append(f"environment variable {name} is not set ({why})")
        elif PLACEHOLDER.search(value):
            self.problems.append(f"environment variable {name} still holds the example's placeholder ({why})")
        return value

    def account(self, raw: Mapping[str, Any], where: str, *, network: str, account_id: int, default_name: str,
                settings: Any, max_ban_days: int) -> Account:
        """The fields every account has, whatever its network (`max_ban_days` 0: the network bans for good only)."""
        domains = self.get(raw, "own_domains", list, where, [])
        if not all(isinstance(d, str) for d in domains):
            self.problems.append(f"{where}.own_domains: expected a list of domain names")
            domains = []
        return Account(
            network=network, id=account_id, name=self.get(raw, "name", str, where, default_name),
            settings=settings, topic_id=self.get(raw, "topic_id", int, where, None),
            own_domains=tuple(d.lower() for d in domains),
            policy=_policy(raw.get("policy"), f"{where}.policy", self.problems, max_ban_days),
            reply_approval=self.get(raw, "reply_approval", bool, where, False),
        )


class SectionParser(Protocol):
    """A platform's reader of its own TOML section, named after its network."""

    network: str

    def parse_section(self, section: Mapping[str, Any], read: Reader, where: str) -> tuple[Any, list[Account]]:
        """The section-wide settings and the accounts it lists; problems go to `read.problems`."""
        ...


def _policy(raw: Any, where: str, problems: list[str], max_ban_days: int) -> dict[str, LabelPolicy]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a table like {{spam = \"auto_delete\"}}")
        return {}
    result: dict[str, LabelPolicy] = {}
    ban_days = raw.get("ban_days")
    if ban_days is not None:
        if max_ban_days == 0:
            problems.append(f"{where}.ban_days: this network blocks for good only; omit ban_days")
            ban_days = None
        elif not isinstance(ban_days, int) or isinstance(ban_days, bool) or not 1 <= ban_days <= max_ban_days:
            problems.append(f"{where}.ban_days: expected 1 to {max_ban_days} days (the network's longest term;"
                            f" omit it for a ban forever), got {ban_days!r}")
            ban_days = None
    for label, value in raw.items():
        if label == "ban_days":
            continue
        if label not in LABELS:
            problems.append(f"{where}.{label}: unknown label (known: {', '.join(LABELS)})")
            continue
        try:
            action = PolicyAction(value)
        except ValueError:
            allowed = ", ".join(a.value for a in PolicyAction)
            problems.append(f"{where}.{label}: unknown action {value!r} (allowed: {allowed})")
            continue
        if action is not PolicyAction.NOTIFY and label in HUMAN_ONLY:
            problems.append(
                f"{where}.{label}: must be \"notify\" — the regulation leaves insults and unlawful "
                "content to a person, never to an automatic action"
            )
            continue
        result[label] = LabelPolicy(action=action, ban_days=ban_days)
    return result


def parse_config(data: Mapping[str, Any], env: Mapping[str, str], sections: Mapping[str, SectionParser]) -> Config:
    """Builds a validated Config from parsed TOML and the environment, or raises ConfigError."""
    problems: list[str] = []
    read = Reader(problems, env)

    service = read.get(data, "service", dict, "", default={})
    host = read.get(service, "host", str, "service", "127.0.0.1")
    port = read.get(service, "port", int, "service", 8080)
    if not 0 < port < 65536:
        problems.append(f"service.port: {port} is not a TCP port")
    public_url = read.get(service, "public_url", str, "service")
    data_dir = Path(read.get(service, "data_dir", str, "service", "var"))
    dry_run = read.get(service, "dry_run", bool, "service", False)
    log_format = read.get(service, "log_format", str, "service", "text")
    timezone = read.get(service, "timezone", str, "service", "Europe/Moscow")
    retry_minutes = read.get(service, "retry_actions_minutes", int, "service", 120)
    if retry_minutes < 1:
        problems.append("service.retry_actions_minutes: must be at least 1")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"service.timezone: unknown time zone {timezone!r} (e.g. \"Europe/Moscow\")")
    if log_format not in ("text", "json"):
        problems.append(f"service.log_format: expected \"text\" or \"json\", got {log_format!r}")

    telegram = _telegram(read, data, public_url)
    staff = _staff(read, data)
    publishing = read.get(data, "publishing", dict, "", default={})
    grace = read.get(publishing, "grace_minutes", int, "publishing", 30)
    if grace < 0:
        problems.append("publishing.grace_minutes: must not be negative")
    calendar_secret = env.get("GOSPABLIK_CALENDAR_SECRET") or None
    if (calendar_secret and not _WEBHOOK_SECRET_RE.match(calendar_secret or "")) or (
            calendar_secret and len(calendar_secret) < 16):
        problems.append("GOSPABLIK_CALENDAR_SECRET: 16-256 characters of A-Z, a-z, 0-9, _ and - only")

    registry = parse_registry(read, data)
    security = parse_security(read, data)
    reports = parse_reports(read, data)
    retention = parse_retention(read, data)
    training = parse_training(read, data)

    networks: dict[str, Any] = {}
    accounts: list[Account] = []
    for name in data:
        if name not in sections and name not in CORE_SECTIONS:
            problems.append(f"[{name}]: unknown section (known networks: {', '.join(sections)})")
    for name, parser in sections.items():
        section = read.get(data, name, dict, "", default=None)
        if section is None:
            continue
        settings, found = parser.parse_section(section, read, name)
        networks[name] = settings
        accounts += found
    if not accounts:
        problems.append("no page configured: list at least one community or group in a network's section ("
                        + ", ".join(f"[{name}]" for name in sections) + ")")

    if problems:
        raise ConfigError(problems)
    return Config(
        accounts=tuple(accounts), staff=tuple(staff), telegram=telegram, networks=networks,
        host=host, port=port, public_url=public_url.rstrip("/") if public_url else None,
        database_url=env.get("DATABASE_URL") or None, data_dir=data_dir, dry_run=dry_run,
        log_format=log_format, timezone=timezone, publishing_grace=timedelta(minutes=max(grace, 0)),
        calendar_secret=calendar_secret, registry=registry, security=security, reports=reports, training=training,
        retention=retention,
        retry_actions_for=timedelta(minutes=max(retry_minutes, 1)),
    )


def _telegram(read: Reader, data: Mapping[str, Any], public_url: str | None) -> TelegramConfig:
    problems = read.problems
    tg = read.get(data, "telegram", dict, "", default=None)
    if tg is None:
        problems.append("[telegram]: section missing (the work chat is required)")
        tg = {}
    work_chat_id = read.get(tg, "work_chat_id", int, "telegram", 0, required=True)
    if work_chat_id and work_chat_id > 0:
        problems.append("telegram.work_chat_id: a group's id is negative (supergroups start with -100)")
    mode = read.get(tg, "mode", str, "telegram", "polling")
    if mode not in ("polling", "webhook"):
        problems.append(f"telegram.mode: expected \"polling\" or \"webhook\", got {mode!r}")
    per_minute = read.get(tg, "messages_per_minute", int, "telegram", 20)
    if per_minute < 1:
        problems.append("telegram.messages_per_minute: must be at least 1")
    bot_token = read.secret("TELEGRAM_BOT_TOKEN", "the work-chat bot's token from @BotFather")
    if bot_token and not _BOT_TOKEN_RE.match(bot_token):
        problems.append("TELEGRAM_BOT_TOKEN: does not look like a bot token (digits:letters)")
    webhook_secret = read.env.get("TELEGRAM_WEBHOOK_SECRET") or None
    if mode == "webhook":
        if not public_url:
            problems.append("service.public_url: required when telegram.mode = \"webhook\"")
        if not webhook_secret:
            problems.append("environment variable TELEGRAM_WEBHOOK_SECRET is not set (required in webhook mode)")
    if webhook_secret and not _WEBHOOK_SECRET_RE.match(webhook_secret):
        problems.append("TELEGRAM_WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, _ and - only")
    return TelegramConfig(bot_token=bot_token, work_chat_id=work_chat_id,
                          api_base=read.get(tg, "api_base", str, "telegram", TELEGRAM_API), mode=mode,
                          webhook_secret=webhook_secret, messages_per_minute=per_minute,
                          anonymous_admins=read.get(tg, "anonymous_admins", bool, "telegram", False))


def _staff(read: Reader, data: Mapping[str, Any]) -> list[StaffMember]:
    staff: list[StaffMember] = []
    for i, raw in enumerate(read.get(data, "staff", list, "", default=[])):
        where = f"staff[{i}]"
        if not isinstance(raw, dict):
            read.problems.append(f"{where}: expected a table with user_id, name, role")
            continue
        user_id = read.get(raw, "user_id", int, where, 0, required=True)
        name = read.get(raw, "name", str, where, "", required=True)
        named = [read.get(raw, "role", str, where, "moderator")] if "roles" not in raw else []
        named += [r for r in read.get(raw, "roles", list, where, []) if isinstance(r, str)]
        roles = []
        for role_raw in named:
            try:
                roles.append(Role(role_raw))
            except ValueError:
                allowed = ", ".join(r.value for r in Role)
                read.problems.append(f"{where}.role: unknown role {role_raw!r} (allowed: {allowed})")
        if not roles:
            continue
        unit = read.get(raw, "unit", str, where, None)
        if user_id:
            staff.append(StaffMember(user_id=user_id, name=name, role=roles[0], also=frozenset(roles[1:]), unit=unit))
    if not any(m.can(Permission.MODERATE) for m in staff):
        read.problems.append("[[staff]]: nobody has a moderating role — no one could press the buttons")
    return staff


def load_config(path: Path | None, env: Mapping[str, str] | None,
                sections: Mapping[str, SectionParser]) -> Config:
    """Reads the TOML file (default `gospablik.toml`, or $GOSPABLIK_CONFIG) and the environment, with `.env` from the
    working folder (or $GOSPABLIK_ENV_FILE) beneath it."""
    if env is None:
        env = {**dotenv.read(Path(os.environ.get("GOSPABLIK_ENV_FILE", ".env"))), **os.environ}
    path = path or Path(env.get("GOSPABLIK_CONFIG", DEFAULT_CONFIG_PATH))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found (copy deploy/gospablik.example.toml and edit it)"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    return parse_config(data, env, sections)
