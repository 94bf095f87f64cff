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
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
from aiogram import Bot
from aiogram.exceptions import AiogramError, TelegramBadRequest, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot import items
from bot.cards import Card, render
from bot.digest import DIGEST_SIZE, DIGEST_THRESHOLD, render_digest
from bot.loops import drain_forever
from bot.ratelimit import SlidingWindow
from bot.services import Services

log = logging.getLogger(__name__)

BUTTON_PREFIX = "b:"
SENDING_LEASE = timedelta(seconds=90)  # longer than aiogram's request timeout
GIVE_UP_AFTER = 5  # refusals (400) retried every 5 minutes before falling back to once a day
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
    " AND (c.sending_until IS NULL OR c.sending_until < now())"
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


@dataclass(frozen=True)
class Delivery:
    """One Telegram write, prepared and committed (with its button tokens) before it is made."""

    revisions: dict[int, int]  # item id -> the revision drawn
    chat_id: int
    message_id: int | None  # None: send a new message
    topic: int | None
    html: str
    markup: InlineKeyboardMarkup | None
    attempts: int
    digest: bool


class Notifier:
    def __init__(self, services: Services, bot: Bot) -> None:
        self.services = services
        self.bot = bot
        self.window = SlidingWindow(services.config.telegram.messages_per_minute, 60.0)

    def _community(self, community_id: int) -> tuple[str, int | None]:
        community = self.services.config.community(community_id)
        return (community.name, community.topic_id) if community else (str(community_id), None)

    async def sync_one(self) -> bool:
        """Sends or edits one card (or one digest) that is behind; returns False when none is due.

        Three steps: prepare (claim the cards for a while, draw, store button tokens) and commit;
        write to Telegram; record the outcome. Because the tokens are committed before the write,
        a card whose outcome could not be recorded (a database blip, a crash) still has working
        buttons, even if the lease runs out and it is sent a second time.
        """
        if (wait := self.window.delay()) > 0:
            await asyncio.sleep(wait)
        async with self.services.db.transaction() as conn:
            delivery = await self._prepare(conn)
        if delivery is None:
            return False
        await self.window.acquire()
        outcome = await self._write(delivery)
        async with self.services.db.transaction() as conn:
            await self._record(conn, delivery, outcome)
        return True

    async def _prepare(self, conn: asyncpg.Connection) -> Delivery | None:
        row = await conn.fetchrow(_DUE)
        if row is None:
            return None
        if row["in_digest"] and row["card_message_id"] is not None:
            rows = await conn.fetch(
                f"SELECT i.*, {_CARD_COLUMNS} FROM cards c JOIN items i ON i.id = c.item_id"
                " WHERE c.chat_id = $1 AND c.message_id = $2 AND c.in_digest ORDER BY c.item_id FOR UPDATE OF c",
                row["card_chat_id"], row["card_message_id"])
            delivery = await self._draw_digest(conn, rows, message_id=row["card_message_id"])
        elif row["card_message_id"] is None and not row["expanded"] and await conn.fetchval(
                "SELECT count(*) FROM cards c JOIN items i ON i.id = c.item_id WHERE c.message_id IS NULL"
                " AND NOT c.expanded AND c.retry_at <= now() AND i.community_id = $1"
                " AND (c.sending_until IS NULL OR c.sending_until < now())",
                row["community_id"]) >= DIGEST_THRESHOLD:
            rows = await conn.fetch(
                f"SELECT i.*, {_CARD_COLUMNS} FROM cards c JOIN items i ON i.id = c.item_id"
                " WHERE c.message_id IS NULL AND NOT c.expanded AND c.retry_at <= now() AND i.community_id = $1"
                " AND (c.sending_until IS NULL OR c.sending_until < now())"
                " ORDER BY c.item_id LIMIT $2 FOR UPDATE OF c SKIP LOCKED",
                row["community_id"], DIGEST_SIZE)
            if row["id"] not in {r["id"] for r in rows}:
                rows = [row, *rows[: DIGEST_SIZE - 1]]
            rows = sorted(rows, key=lambda r: r["id"])  # numbered as every redraw numbers them
            if len(rows) > 1:
                delivery = await self._draw_digest(conn, rows, message_id=None)
            else:
                delivery = await self._draw_card(conn, row)
        else:
            delivery = await self._draw_card(conn, row)
        await conn.execute("UPDATE cards SET sending_until = now() + $2::interval WHERE item_id = ANY($1)",
                           list(delivery.revisions), SENDING_LEASE)
        return delivery

    async def _draw_card(self, conn: asyncpg.Connection, row: asyncpg.Record) -> Delivery:
        item = items.item_from_row(row)
        name, topic = self._community(item.community_id)
        card = render(item, community_name=name, tz=self.services.config.tz, busy=row["busy"], menu=row["menu"],
                      author_banned=row["author_banned"])
        markup = await _keyboard(conn, card, {item.id: row["decision_seq"]}, item.id)
        return Delivery({item.id: item.revision}, row["card_chat_id"] or self.services.config.telegram.work_chat_id,
                        row["card_message_id"], topic, card.html, markup, row["card_attempts"], digest=False)

    async def _draw_digest(self, conn: asyncpg.Connection, rows: Sequence[asyncpg.Record], *,
                           message_id: int | None) -> Delivery:
        entries = [(items.item_from_row(r), r["busy"]) for r in rows]
        name, topic = self._community(entries[0][0].community_id)
        card = render_digest(entries, community_name=name, tz=self.services.config.tz)
        markup = await _keyboard(conn, card, {r["id"]: r["decision_seq"] for r in rows}, rows[0]["id"])
        return Delivery({r["id"]: r["revision"] for r in rows},
                        rows[0]["card_chat_id"] or self.services.config.telegram.work_chat_id, message_id, topic,
                        card.html, markup, max(r["card_attempts"] for r in rows), digest=True)

    async def _write(self, d: Delivery) -> int | Exception:
        """The Telegram call; returns the message id, or the error to record."""
        try:
            if d.message_id is None:
                message = await self.bot.send_message(d.chat_id, d.html, reply_markup=d.markup,
                                                      message_thread_id=d.topic, link_preview_options=NO_PREVIEW)
                return message.message_id
            await self.bot.edit_message_text(d.html, chat_id=d.chat_id, message_id=d.message_id,
                                             reply_markup=d.markup, link_preview_options=NO_PREVIEW)
            return d.message_id
        except TelegramBadRequest as exc:
            if "message is not modified" in str(exc).lower() and d.message_id is not None:
                return d.message_id
            return exc
        except AiogramError as exc:  # API errors, network errors, and answers that are not Telegram's JSON
            return exc

    async def _record(self, conn: asyncpg.Connection, d: Delivery, outcome: int | Exception) -> None:
        ids = list(d.revisions)
        if isinstance(outcome, int):
            for item_id, revision in d.revisions.items():
                await conn.execute(
                    "UPDATE cards SET chat_id = $2, message_id = $3, thread_id = $4, sent_revision = $5,"
                    " attempts = 0, last_error = NULL, in_digest = $6, sending_until = NULL, updated_at = now()"
                    " WHERE item_id = $1 AND sending_until IS NOT NULL",  # not if a press moved it meanwhile
                    item_id, d.chat_id, outcome, d.topic, revision, d.digest)
            if d.digest and d.message_id is None:
                log.info("digest of %s items sent as message %s", len(ids), outcome)
            return
        await conn.execute("UPDATE cards SET sending_until = NULL WHERE item_id = ANY($1)", ids)
        exc = outcome
        if isinstance(exc, TelegramRetryAfter):
            self.window.pause(exc.retry_after)
            await self._later(conn, ids, exc.retry_after, f"429: retry after {exc.retry_after}", d.attempts)
        elif isinstance(exc, TelegramBadRequest) and "message to edit not found" in str(exc).lower():
            log.warning("card of items %s was deleted from the chat; sending it again", ids)
            await conn.execute("UPDATE cards SET message_id = NULL, in_digest = false WHERE item_id = ANY($1)", ids)
            if len(ids) > 1:  # the digest's other items must be drawn again too
                await conn.execute("UPDATE items SET revision = revision + 1 WHERE id = ANY($1)", ids)
        elif isinstance(exc, TelegramBadRequest):
            # A refusal rarely goes away by itself: try a few times, then only once a day, loudly.
            delay = 300 if d.attempts < GIVE_UP_AFTER else 86400
            log.error("Telegram refused the card of items %s (attempt %s, next in %ss): %s",
                      ids, d.attempts + 1, delay, exc)
            await self._later(conn, ids, delay, str(exc), d.attempts)
        else:
            delay = min(2 ** (d.attempts + 1), 300)
            log.warning("Telegram error for items %s, retry in %ss: %s", ids, delay, exc)
            await self._later(conn, ids, delay, str(exc), d.attempts)

    async def _later(self, conn: asyncpg.Connection, item_ids: list[int], delay: float, error: str,
                     attempts: int) -> None:
        await conn.execute(
            "UPDATE cards SET retry_at = now() + $2 * interval '1 second', attempts = $3 + 1, last_error = $4"
            " WHERE item_id = ANY($1)", item_ids, float(delay), attempts, error[:500])

    async def run(self, *, idle: float = 2.0) -> None:
        await drain_forever("notifier", self.sync_one, self.services.cards_ready, idle=idle)
