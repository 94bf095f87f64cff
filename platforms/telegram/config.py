"""The `[[telegram.channels]]` the service publishes to (the work chat itself is read by the core's config)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Account, Reader
from bot.security.secrets import SecretSpec

NETWORK = "telegram"
# The environment's Telegram variables (the work chat's bot), for `gospablik secrets check`.
SECRETS = (
    SecretSpec("TELEGRAM_BOT_TOKEN", "Telegram bot token", chosen=False,
               shape=re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")),
    SecretSpec("TELEGRAM_WEBHOOK_SECRET", "Telegram webhook secret", chosen=True),
)


@dataclass(frozen=True)
class TelegramChannel:
    """One channel's settings (`Account.settings` for a Telegram channel)."""

    username: str | None  # for public links (t.me/<username>/<post>); private channels get t.me/c/… links


@dataclass(frozen=True)
class TelegramSettings:
    pass


class TelegramSection:
    network = NETWORK

    def parse_section(self, section: Mapping[str, Any], read: Reader,
                      where: str) -> tuple[TelegramSettings, list[Account]]:
        accounts: list[Account] = []
        for i, raw in enumerate(read.get(section, "channels", list, where, default=[])):
            at = f"{where}.channels[{i}]"
            if not isinstance(raw, dict):
                read.problems.append(f"{at}: expected a table")
                continue
            channel_id = read.get(raw, "channel_id", int, at, 0, required=True)
            if channel_id >= 0 and f"{at}.channel_id: missing (required)" not in read.problems:
                read.problems.append(f"{at}.channel_id: a channel's id is negative (it starts with -100)")
            username = read.get(raw, "username", str, at, None)
            accounts.append(read.account(raw, at, network=NETWORK, account_id=channel_id,
                                         default_name=f"канал {channel_id}",
                                         settings=TelegramChannel(username.lstrip("@") if username else None),
                                         max_ban_days=366))
        return TelegramSettings(), accounts
