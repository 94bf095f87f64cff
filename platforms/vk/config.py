"""The `[vk]` section: API endpoint and version, and each community with its secrets from the environment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.config import Account, Reader
from bot.security.secrets import SecretSpec

NETWORK = "vk"
_TOKEN = re.compile(r"vk1\.a\.[A-Za-z0-9_-]{10,}|[0-9a-f]{85}")
# The environment's VK variables, for `gospablik secrets check`.
SECRETS = (
    SecretSpec("VK_SECRET_", "VK Callback secret", chosen=True, per_account=True),
    SecretSpec("VK_GROUP_TOKEN_", "VK community token", chosen=False, shape=_TOKEN, per_account=True),
    SecretSpec("VK_USER_TOKEN_", "VK administrator's user token", chosen=False, shape=_TOKEN, per_account=True),
)
API_URL = "https://api.vk.ru/method/"
API_VERSION = "5.199"
MAX_BAN_DAYS = 365  # groups.ban takes an end date at most a year ahead


@dataclass(frozen=True)
class VkSettings:
    api_url: str = API_URL
    api_version: str = API_VERSION


@dataclass(frozen=True)
class VkCommunity:
    """One community's credentials (`Account.settings` for VK)."""

    secret: str  # the Callback API "Секретный ключ"
    confirmation: str | None  # None: asked from VK's API when VK asks (servers set up by `gospablik vk setup`)
    group_token: str
    user_token: str
    # When the user token stops working, where the operator knows it (VK ID tokens live an hour, Implicit Flow
    # tokens with `offline` do not expire): `VK_USER_TOKEN_EXPIRES_<id>`, a date.
    user_token_expires: date | None = None


def _day(read: Reader, name: str) -> date | None:
    value = read.env.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        read.problems.append(f"{name}: expected a date like 2027-01-31, got {value!r}")
        return None


class VkSection:
    network = NETWORK

    def parse_section(self, section: Mapping[str, Any], read: Reader, where: str) -> tuple[VkSettings, list[Account]]:
        api_url = read.get(section, "api_url", str, where, API_URL)
        if not api_url.endswith("/"):
            api_url += "/"
        settings = VkSettings(api_url=api_url, api_version=read.get(section, "api_version", str, where, API_VERSION))
        accounts: list[Account] = []
        seen: set[int] = set()
        raw_list = read.get(section, "communities", list, where, default=[])
        for i, raw in enumerate(raw_list):
            at = f"{where}.communities[{i}]"
            if not isinstance(raw, dict):
                read.problems.append(f"{at}: expected a table")
                continue
            group_id = read.get(raw, "group_id", int, at, 0, required=True)
            if group_id < 0:
                read.problems.append(f"{at}.group_id: a community's id is positive here (write {-group_id})")
                group_id = -group_id
            if group_id in seen:
                read.problems.append(f"{at}.group_id: {group_id} is listed twice")
            seen.add(group_id)
            env = read.env
            community = VkCommunity(
                secret=read.secret(f"VK_SECRET_{group_id}", "the Callback API secret key"),
                confirmation=env.get(f"VK_CONFIRMATION_{group_id}") or read.get(raw, "confirmation", str, at, "")
                or None,
                group_token=read.secret(f"VK_GROUP_TOKEN_{group_id}", "the community's access token"),
                user_token=read.secret(f"VK_USER_TOKEN_{group_id}",
                                       "an administrator's user token, needed for deletions and bans"),
                user_token_expires=_day(read, f"VK_USER_TOKEN_EXPIRES_{group_id}"),
            )
            accounts.append(read.account(raw, at, network=NETWORK, account_id=group_id, default_name=f"club{group_id}",
                                         settings=community, max_ban_days=MAX_BAN_DAYS))
        return settings, accounts
