"""The notifier: the only writer to the work chat.

Cards whose `sent_revision` is behind their item's `revision` form a durable outbox. One notifier
(the leader's) drains it under Telegram's per-group limit, edits before new cards so that a press
shows its result first, and retries Telegram's errors: 429 after `retry_after`, 5xx and network
errors with backoff. A card's row stays locked while it is sent, so no two replicas send one card;
edits coalesce, so ten changes to a card while the chat is throttled cost one edit.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

import asyncpg
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot import items
from bot.cards import Card, render
from bot.db import DatabaseUnavailable
from bot.ratelimit import SlidingWindow
from bot.services import Services

log = logging.getLogger(__name__)

BUTTON_PREFIX = "b:"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_DUE = (
    "SELECT i.*, c.message_id AS card_message_id, c.chat_id AS card_chat_id, c.attempts AS card_attempts"
    " FROM cards c JOIN items i ON i.id = c.item_id"
    " WHERE c.sent_revision < i.revision AND c.retry_at <= now()"
    " ORDER BY (c.message_id IS NULL), c.updated_at, c.item_id"
    " LIMIT 1 FOR UPDATE OF c SKIP LOCKED"
)


def new_token() -> str:
    return secrets.token_urlsafe(9)  # 12 characters; callback data stays far below 64 bytes


async def _keyboard(conn: asyncpg.Connection, item_id: int, decision_seq: int,
                    card: Card) -> InlineKeyboardMarkup | None:
    if not card.buttons:
        return None
    rows = []
    for row in card.buttons:
        buttons = []
        for button in row:
            token = new_token()
            await conn.execute(
                "INSERT INTO buttons (token, item_id, action, params, decision_seq) VALUES ($1, $2, $3, $4, $5)",
                token, item_id, button.action, button.params, decision_seq)
            buttons.append(InlineKeyboardButton(text=button.text, callback_data=BUTTON_PREFIX + token))
        rows.append(buttons)
    return InlineKeyboardMarkup(inline_keyboard=rows)


class Notifier:
    def __init__(self, services: Services, bot: Bot) -> None:
        self.services = services
        self.bot = bot
        self.window = SlidingWindow(services.config.telegram.messages_per_minute, 60.0)

    async def sync_one(self) -> bool:
        """Sends or edits one card that is behind; returns False when none is due."""
        if (wait := self.window.delay()) > 0:
            await asyncio.sleep(wait)
        config = self.services.config
        async with self.services.db.transaction() as conn:
            row = await conn.fetchrow(_DUE)
            if row is None:
                return False
            item = items.item_from_row(row)
            community = config.community(item.community_id)
            card = render(item, community_name=community.name if community else str(item.community_id),
                          tz=config.tz, busy=row["busy"], menu=row["menu"])
            markup = await _keyboard(conn, item.id, row["decision_seq"], card)
            message_id = row["card_message_id"]
            chat_id = row["card_chat_id"] or config.telegram.work_chat_id
            thread_id = community.topic_id if community else None
            await self.window.acquire()
            try:
                if message_id is None:
                    message = await self.bot.send_message(chat_id, card.html, reply_markup=markup,
                                                          message_thread_id=thread_id,
                                                          link_preview_options=NO_PREVIEW)
                    message_id = message.message_id
                else:
                    await self.bot.edit_message_text(card.html, chat_id=chat_id, message_id=message_id,
                                                     reply_markup=markup, link_preview_options=NO_PREVIEW)
            except TelegramRetryAfter as exc:
                self.window.pause(exc.retry_after)
                return await self._later(conn, item.id, exc.retry_after, f"429: retry after {exc.retry_after}")
            except TelegramBadRequest as exc:
                text = str(exc).lower()
                if "message is not modified" in text:
                    pass
                elif "message to edit not found" in text:
                    log.warning("card of item %s was deleted from the chat; sending it again", item.id)
                    await conn.execute("UPDATE cards SET message_id = NULL WHERE item_id = $1", item.id)
                    return True
                else:
                    log.error("Telegram refused the card of item %s: %s", item.id, exc)
                    return await self._later(conn, item.id, 300, str(exc), attempts=row["card_attempts"])
            except (TelegramServerError, TelegramNetworkError, TelegramAPIError) as exc:
                delay = min(2 ** (row["card_attempts"] + 1), 300)
                log.warning("Telegram error for item %s, retry in %ss: %s", item.id, delay, exc)
                return await self._later(conn, item.id, delay, str(exc), attempts=row["card_attempts"])
            await conn.execute(
                "UPDATE cards SET chat_id = $2, message_id = $3, thread_id = $4, sent_revision = $5, attempts = 0,"
                " last_error = NULL, updated_at = now() WHERE item_id = $1",
                item.id, chat_id, message_id, thread_id, item.revision)
        return True

    async def _later(self, conn: asyncpg.Connection, item_id: int, delay: float, error: str,
                     attempts: int = 0) -> bool:
        await conn.execute(
            "UPDATE cards SET retry_at = now() + $2 * interval '1 second', attempts = $3 + 1, last_error = $4"
            " WHERE item_id = $1", item_id, float(delay), attempts, error[:500])
        return True

    async def run(self, *, idle: float = 2.0) -> None:
        services = self.services
        while True:
            services.cards_ready.clear()  # before draining, so that a wake-up during the drain is not lost
            try:
                while await self.sync_one():
                    pass
            except DatabaseUnavailable as exc:
                log.error("notifier: database unavailable: %s", exc)
            except Exception:
                log.exception("notifier: unexpected error")
            try:
                await asyncio.wait_for(services.cards_ready.wait(), idle)
            except TimeoutError:
                pass
