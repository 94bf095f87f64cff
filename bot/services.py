"""The running service's parts, handed to workers and transport handlers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import Account, Config
from bot.db import Database
from bot.platform import Platform
from bot.workchat.chat import WorkChat
from bot.workchat.health import ChatHealth
from bot.workchat.subjects import SubjectType

if TYPE_CHECKING:
    from bot.classifier import Classifier


@dataclass
class Services:
    config: Config
    db: Database
    platforms: dict[str, Platform]
    workchat: WorkChat
    classifier: Classifier
    subjects: dict[str, SubjectType] = field(default_factory=dict)
    # In-process wake-ups; LISTEN/NOTIFY carries the same signal between replicas.
    events_ready: asyncio.Event = field(default_factory=asyncio.Event)
    cards_ready: asyncio.Event = field(default_factory=asyncio.Event)
    actions_ready: asyncio.Event = field(default_factory=asyncio.Event)
    polls_ready: asyncio.Event = field(default_factory=asyncio.Event)
    publications_ready: asyncio.Event = field(default_factory=asyncio.Event)
    chat_health: ChatHealth = field(default_factory=ChatHealth)

    def platform(self, network: str) -> Platform:
        return self.platforms[network]

    def account(self, network: str, account_id: int) -> Account | None:
        return self.config.account(network, account_id)
