"""The running service's parts, handed to transport handlers through the aiohttp app."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Config
from bot.db import Database
from bot.networks import Network

if TYPE_CHECKING:
    from bot.classifier import Classifier


@dataclass
class Services:
    config: Config
    db: Database
    networks: dict[str, Network]
    classifier: Classifier
    # In-process wake-ups; LISTEN/NOTIFY carries the same signal between replicas.
    events_ready: asyncio.Event = field(default_factory=asyncio.Event)
    cards_ready: asyncio.Event = field(default_factory=asyncio.Event)
    actions_ready: asyncio.Event = field(default_factory=asyncio.Event)

    def network(self, name: str) -> Network:
        return self.networks[name]


SERVICES = web.AppKey("services", Services)
