"""The notifier: the only writer to the work chat.

Cards whose `sent_revision` is behind their item's `revision` form a durable outbox. One notifier
(the leader's) drains it under Telegram's per-group limit, edits before new cards so that a press
shows its result first, and retries Telegram's errors: 429 after `retry_after`, 5xx and network
errors with backoff. A card's row stays locked while it is sent, so no two replicas send one card;
edits coalesce, so ten changes to a card while the chat is throttled cost one edit. Under a flood,
new items are grouped into digest cards (`bot.digest`) instead of falling behind.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence

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
from bot.digest import DIGEST_SIZE, DIGEST_THRESHOLD, render_digest
from bot.loops import drain_forever
from bot.ratelimit import SlidingWindow
from bot.services import Services

log = logging.getLogger(__name__)

BUTTON_PREFIX = "b:"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_CARD_COLUMNS = (
    "c.message_id AS card_message_id, c.chat_id AS card_chat_id, c.attempts AS card_attempts,"
    " c.in_digest, c.expanded,"
    " EXISTS (SELECT 1 FROM bans b WHERE b.network = i.network AND b.community_id = i.community_id"
    "         AND b.user_id = i.author_id AND (b.until IS NULL OR b.until > now())) AS author_banned"
)
_DUE = (
    f"SELECT i.*, {_CARD_COLUMNS} FROM cards c JOIN items i ON i.id = c.item_id"
    " WHERE c.sent_revision < i.revision AND c.retry_at <= now()"
    " ORDER BY (c.message_id IS NULL), c.updated_at, c.item_id"
    " LIMIT 1 FOR UPDATE OF c SKIP LOCKED"
)


def new_token() -> str:
    return secrets.token_urlsafe(9)  # 12 characters; callback data stays far below 64 bytes


async def _keyboard(conn: asyncpg.Connection, card: Card, seqs: dict[int, int],
                    default_item: int) -> InlineKeyboardMarkup | None:
    """Stores a token for every button; the token, not the callback data, says what the button does."""
    if not card.buttons:
        return None
    rows = []
    for row in card.buttons:
        buttons = []
        for button in row:
            item_id = button.item_id or default_item
            token = new_token()
            await conn.execute(
                "INSERT INTO buttons (token, item_id, action, params, decision_seq) VALUES ($1, $2, $3, $4, $5)",
                token, item_id, button.action, button.params, seqs[item_id])
            buttons.append(InlineKeyboardButton(text=button.text, callback_data=BUTTON_PREFIX + token))
        rows.append(buttons)
    return InlineKeyboardMarkup(inline_keyboard=rows)


class Notifier:
    def __init__(self, services: Services, bot: Bot) -> None:
        self.services = services
        self.bot = bot
        self.window = SlidingWindow(services.config.telegram.messages_per_minute, 60.0)

    def _community(self, community_id: int) -> tuple[str, int | None]:
        community = self.services.config.community(community_id)
        return (community.name, community.topic_id) if community else (str(community_id), None)

    async def sync_one(self) -> bool:
        """Sends or edits one card (or one digest) that is behind; returns False when none is due."""
        if (wait := self.window.delay()) > 0:
            await asyncio.sleep(wait)
        async with self.services.db.transaction() as conn:
            row = await conn.fetchrow(_DUE)
            if row is None:
                return False
            if row["in_digest"] and row["card_message_id"] is not None:
                return await self._sync_digest(conn, row)
            if row["card_message_id"] is None and not row["expanded"]:
                backlog = await conn.fetchval(
                    "SELECT count(*) FROM cards WHERE message_id IS NULL AND retry_at <= now()")
                if backlog >= DIGEST_THRESHOLD:
                    return await self._send_digest(conn, row)
            return await self._sync_card(conn, row)

    async def _sync_card(self, conn: asyncpg.Connection, row: asyncpg.Record) -> bool:
        item = items.item_from_row(row)
        name, topic = self._community(item.community_id)
        card = render(item, community_name=name, tz=self.services.config.tz, busy=row["busy"], menu=row["menu"],
                      author_banned=row["author_banned"])
        markup = await _keyboard(conn, card, {item.id: row["decision_seq"]}, item.id)
        chat_id = row["card_chat_id"] or self.services.config.telegram.work_chat_id
        message_id = await self._deliver(conn, [item.id], chat_id, row["card_message_id"], topic, card.html, markup,
                                         row["card_attempts"])
        if message_id is not None:
            await conn.execute(
                "UPDATE cards SET chat_id = $2, message_id = $3, thread_id = $4, sent_revision = $5, attempts = 0,"
                " last_error = NULL, in_digest = false, updated_at = now() WHERE item_id = $1",
                item.id, chat_id, message_id, topic, item.revision)
        return True

    async def _send_digest(self, conn: asyncpg.Connection, first: asyncpg.Record) -> bool:
        rows = await conn.fetch(
            f"SELECT i.*, {_CARD_COLUMNS} FROM cards c JOIN items i ON i.id = c.item_id"
            " WHERE c.message_id IS NULL AND NOT c.expanded AND c.retry_at <= now() AND i.community_id = $1"
            " ORDER BY c.item_id LIMIT $2 FOR UPDATE OF c SKIP LOCKED",
            first["community_id"], DIGEST_SIZE)
        if first["id"] not in {r["id"] for r in rows}:
            rows = [first, *rows[: DIGEST_SIZE - 1]]
        return await self._digest(conn, rows, message_id=None)

    async def _sync_digest(self, conn: asyncpg.Connection, row: asyncpg.Record) -> bool:
        rows = await conn.fetch(
            f"SELECT i.*, {_CARD_COLUMNS} FROM cards c JOIN items i ON i.id = c.item_id"
            " WHERE c.chat_id = $1 AND c.message_id = $2 AND c.in_digest ORDER BY c.item_id FOR UPDATE OF c",
            row["card_chat_id"], row["card_message_id"])
        return await self._digest(conn, rows, message_id=row["card_message_id"])

    async def _digest(self, conn: asyncpg.Connection, rows: Sequence[asyncpg.Record], *,
                      message_id: int | None) -> bool:
        entries = [(items.item_from_row(r), r["busy"]) for r in rows]
        name, topic = self._community(entries[0][0].community_id)
        card = render_digest(entries, community_name=name, tz=self.services.config.tz)
        markup = await _keyboard(conn, card, {r["id"]: r["decision_seq"] for r in rows}, rows[0]["id"])
        chat_id = rows[0]["card_chat_id"] or self.services.config.telegram.work_chat_id
        ids = [r["id"] for r in rows]
        sent = await self._deliver(conn, ids, chat_id, message_id, topic, card.html, markup,
                                   max(r["card_attempts"] for r in rows))
        if sent is not None:
            for r in rows:
                await conn.execute(
                    "UPDATE cards SET chat_id = $2, message_id = $3, thread_id = $4, sent_revision = $5,"
                    " attempts = 0, last_error = NULL, in_digest = true, updated_at = now() WHERE item_id = $1",
                    r["id"], chat_id, sent, topic, r["revision"])
            log.info("digest of %s items sent as message %s", len(rows), sent)
        return True

    async def _deliver(self, conn: asyncpg.Connection, item_ids: list[int], chat_id: int, message_id: int | None,
                       topic: int | None, text: str, markup: InlineKeyboardMarkup | None,
                       attempts: int) -> int | None:
        """Sends or edits; returns the message id, or None when the cards were put off for later."""
        await self.window.acquire()
        try:
            if message_id is None:
                message = await self.bot.send_message(chat_id, text, reply_markup=markup, message_thread_id=topic,
                                                      link_preview_options=NO_PREVIEW)
                return message.message_id
            await self.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=markup,
                                             link_preview_options=NO_PREVIEW)
            return message_id
        except TelegramRetryAfter as exc:
            self.window.pause(exc.retry_after)
            await self._later(conn, item_ids, exc.retry_after, f"429: retry after {exc.retry_after}", attempts)
        except TelegramBadRequest as exc:
            text_ = str(exc).lower()
            if "message is not modified" in text_:
                return message_id
            if "message to edit not found" in text_:
                log.warning("card of items %s was deleted from the chat; sending it again", item_ids)
                await conn.execute("UPDATE cards SET message_id = NULL, in_digest = false WHERE item_id = ANY($1)",
                                   item_ids)
                if len(item_ids) > 1:  # the digest's other items must be drawn again too
                    await conn.execute("UPDATE items SET revision = revision + 1 WHERE id = ANY($1)", item_ids)
                return None
            log.error("Telegram refused the card of items %s: %s", item_ids, exc)
            await self._later(conn, item_ids, 300, str(exc), attempts)
        except (TelegramServerError, TelegramNetworkError, TelegramAPIError) as exc:
            delay = min(2 ** (attempts + 1), 300)
            log.warning("Telegram error for items %s, retry in %ss: %s", item_ids, delay, exc)
            await self._later(conn, item_ids, delay, str(exc), attempts)
        return None

    async def _later(self, conn: asyncpg.Connection, item_ids: list[int], delay: float, error: str,
                     attempts: int) -> None:
        await conn.execute(
            "UPDATE cards SET retry_at = now() + $2 * interval '1 second', attempts = $3 + 1, last_error = $4"
            " WHERE item_id = ANY($1)", item_ids, float(delay), attempts, error[:500])

    async def run(self, *, idle: float = 2.0) -> None:
        await drain_forever("notifier", self.sync_one, self.services.cards_ready, idle=idle)
