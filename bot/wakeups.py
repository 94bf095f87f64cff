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


def _channels(services: Services) -> dict[str, asyncio.Event]:
    """Each NOTIFY channel and the in-process event it stands for."""
    pairs = ((EVENTS, services.events_ready), (ACTIONS, services.actions_ready), (OUTBOX, services.cards_ready),
             (PUBLICATIONS, services.publications_ready))
    return {channel: event for queue, event in pairs if (channel := queue.channel)}


async def listen(services: Services, *, reconnect_after: float = 5.0) -> None:
    """Keeps a LISTEN connection open and turns notifications into in-process events."""
    channels = _channels(services)

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


async def relay(services: Services, *, pause: float = 0.02) -> None:
    """In a process without the loops (`run --role web`), passes its in-process wake-ups on as NOTIFY.

    The webhook, a press or a reply wakes this process's events as usual; here nobody waits on them but this
    relay, which sends one NOTIFY per channel for everything that woke since its last one, so the worker processes
    claim at once instead of on their next idle tick. The first wake-up is passed on at once (a card waits for no
    timer); then the relay rests for `pause`, and whatever woke meanwhile goes in one NOTIFY after it. A flood of
    webhooks costs one NOTIFY per `pause`, never one per event (the notification queue's lock would serialise the
    commits). A NOTIFY lost to a database outage costs nothing: the workers claim on their idle tick anyway.
    """
    channels = _channels(services)
    waits = {channel: asyncio.ensure_future(event.wait()) for channel, event in channels.items()}
    try:
        while True:
            await asyncio.wait(waits.values(), return_when=asyncio.FIRST_COMPLETED)
            woke = [channel for channel, waiting in waits.items() if waiting.done()]
            for channel in woke:
                channels[channel].clear()
                waits[channel] = asyncio.ensure_future(channels[channel].wait())
            try:
                async with services.db.connection() as conn:
                    await conn.execute("SELECT pg_notify(channel, '') FROM unnest($1::text[]) AS channel", woke)
            except Exception as exc:  # the workers' idle claim is the fallback
                log.debug("could not pass on a wake-up (%s)", exc)
            await asyncio.sleep(pause)  # the rest of a burst wakes meanwhile: one NOTIFY for all of it
    finally:
        for waiting in waits.values():
            waiting.cancel()
