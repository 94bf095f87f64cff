"""The `[ok]` section: the OK application, polling, webhook protection, and each group's secrets.

Secrets come from the environment: `OK_APP_KEY` and `OK_APP_SECRET` (the application's public and
secret keys), and per group `OK_ACCESS_TOKEN_<gid>` (a group administrator's REST token, for comments),
`OK_GROUP_TOKEN_<gid>` (the group's Bot API key, for messages) and `OK_WEBHOOK_SECRET_<gid>` (the secret
path segment of the messages webhook, since OK signs nothing).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Account, Reader
from bot.security.secrets import SecretSpec

NETWORK = "ok"
# The environment's OK variables, for `gospablik secrets check`.
SECRETS = (
    SecretSpec("OK_APP_SECRET", "OK application secret key", chosen=False),
    SecretSpec("OK_ACCESS_TOKEN_", "OK administrator's token", chosen=False, per_account=True),
    SecretSpec("OK_GROUP_TOKEN_", "OK group Bot API key", chosen=False, shape=re.compile(r"tkn[A-Za-z0-9_:.-]{8,}"),
               per_account=True),
    SecretSpec("OK_WEBHOOK_SECRET_", "OK webhook path secret", chosen=True, per_account=True),
)
API_URL = "https://api.ok.ru/"
# OK's documented source addresses of Bot API webhooks (ok.md §1.5).
DOCUMENTED_RANGES = ("217.20.145.192/28", "217.20.151.160/28", "217.20.153.48/28")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class OkSettings:
    application_key: str
    application_secret: str
    api_url: str = API_URL
    poll_interval: float = 60.0
    backfill: bool = False  # read comments written before the first poll too (otherwise start from now)
    always_read: int = 3  # the newest topics are read on every poll, whatever their counters say
    requests_per_second: int = 5
    ip_allowlist: tuple[Network, ...] = ()
    trusted_proxies: tuple[Network, ...] = ()


@dataclass(frozen=True)
class OkGroup:
    """One group's secrets (`Account.settings` for OK)."""

    access_token: str  # a group administrator's REST token (comments: read, delete, block, answer)
    group_token: str | None  # the group's Bot API key (messages); None when messages are not served
    webhook_secret: str | None


def _networks(read: Reader, section: Mapping[str, Any], key: str, where: str) -> tuple[Network, ...]:
    raw = read.get(section, key, (list, str), where, [])
    if raw == "documented":
        raw = list(DOCUMENTED_RANGES)
    if isinstance(raw, str):
        read.problems.append(f"{where}.{key}: expected a list of addresses (or \"documented\" for OK's ranges)")
        return ()
    found = []
    for value in raw:
        try:
            found.append(ipaddress.ip_network(str(value), strict=False))
        except ValueError:
            read.problems.append(f"{where}.{key}: {value!r} is not an IP address or network")
    return tuple(found)


class OkSection:
    network = NETWORK

    def parse_section(self, section: Mapping[str, Any], read: Reader, where: str) -> tuple[OkSettings, list[Account]]:
        api_url = read.get(section, "api_url", str, where, API_URL)
        settings = OkSettings(
            application_key=read.secret("OK_APP_KEY", "the OK application's public key"),
            application_secret=read.secret("OK_APP_SECRET", "the OK application's secret key"),
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            poll_interval=float(read.get(section, "poll_interval", (int, float), where, 60)),
            backfill=read.get(section, "backfill", bool, where, False),
            always_read=read.get(section, "always_read", int, where, 3),
            requests_per_second=read.get(section, "requests_per_second", int, where, 5),
            ip_allowlist=_networks(read, section, "ip_allowlist", where),
            trusted_proxies=_networks(read, section, "trusted_proxies", where),
        )
        if settings.poll_interval < 1:
            read.problems.append(f"{where}.poll_interval: at least 1 second")
        accounts: list[Account] = []
        seen: set[int] = set()
        for i, raw in enumerate(read.get(section, "groups", list, where, default=[])):
            at = f"{where}.groups[{i}]"
            if not isinstance(raw, dict):
                read.problems.append(f"{at}: expected a table")
                continue
            group_id = read.get(raw, "group_id", int, at, 0, required=True)
            if group_id <= 0 and f"{at}.group_id: missing (required)" not in read.problems:
                read.problems.append(f"{at}.group_id: a group's id is a positive number")
            if group_id in seen:
                read.problems.append(f"{at}.group_id: {group_id} is listed twice")
            seen.add(group_id)
            messages = read.get(raw, "messages", bool, at, True)
            group_token = secret = None
            if messages:
                group_token = read.secret(f"OK_GROUP_TOKEN_{group_id}", "the group's Bot API key for messages "
                                          "(or set messages = false)")
                secret = read.secret(f"OK_WEBHOOK_SECRET_{group_id}", "a random path segment that only OK knows")
                if secret and not _SECRET_RE.match(secret):
                    read.problems.append(
                        f"OK_WEBHOOK_SECRET_{group_id}: 16 to 100 characters of A-Z, a-z, 0-9, _ and -")
            group = OkGroup(access_token=read.secret(f"OK_ACCESS_TOKEN_{group_id}",
                                                     "a group administrator's access token, for comments"),
                            group_token=group_token, webhook_secret=secret)
            # OK blocks an author for good (the group's black list): no ban terms.
            accounts.append(read.account(raw, at, network=NETWORK, account_id=group_id, default_name=f"group{group_id}",
                                         settings=group, max_ban_days=0))
        return settings, accounts
