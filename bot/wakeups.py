"""Cross-replica wake-ups: PostgreSQL NOTIFY on a new event, action or card reaches every replica's loops."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from bot.executor import ACTIONS
from bot.moderation.inbox import EVENTS
from bot.publishing.publisher import PUBLICATIONS
from bot.services import Services
from bot.workchat.outbox import OUTBOX

log = logging.getLogger(__name__)


async def listen(services: Services, *, reconnect_after: float = 5.0) -> None:
    """Keeps a LISTEN connection open and turns notifications into in-process events."""
    channels = {
        EVENTS.channel: services.events_ready,
        ACTIONS.channel: services.actions_ready,
        OUTBOX.channel: services.cards_ready,
        PUBLICATIONS.channel: services.publications_ready,
    }

    def on_notify(_conn: object, _pid: int, channel: str, _payload: str) -> None:
        event = channels.get(channel)
        if event is not None:
            event.set()

    while True:
        conn = None
        try:
            conn = await asyncpg.connect(services.db.url)
            for channel in channels:
                await conn.add_listener(channel, on_notify)
            for event in channels.values():  # catch up on whatever arrived while we were away
                event.set()
            while not conn.is_closed():
                await asyncio.sleep(reconnect_after)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("listen connection lost: %s", exc)
        finally:
            if conn is not None and not conn.is_closed():
                await conn.close()
        await asyncio.sleep(reconnect_after)
