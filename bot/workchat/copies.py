"""An older copy of a card: left behind when the chat took a card whose sending could not be recorded, and the
card was sent again. Its buttons still work and a reply to it still reaches the card; once someone uses it, it
is edited to say it is a copy and where the current card is, so nobody keeps working from it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import asyncpg

from bot.workchat.chat import WorkChatError
from bot.workchat.model import Lines, italic

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


async def current_of(conn: asyncpg.Connection, button: asyncpg.Record, *, chat_id: int,
                     message_id: int) -> int | None:
    """The message of the current card when a press came from an older copy of it, else None. A message that is any
    card of record (a digest, say) is no copy; nor is a message in another chat (an author's private panel)."""
    card = await conn.fetchrow("SELECT chat_id, message_id FROM cards WHERE subject_kind = $1 AND subject_id = $2",
                               button["subject_kind"], button["subject_id"])
    if card is None or card["message_id"] is None or card["message_id"] == message_id or card["chat_id"] != chat_id:
        return None
    if await conn.fetchval("SELECT 1 FROM cards WHERE chat_id = $1 AND message_id = $2", chat_id, message_id):
        return None
    return int(card["message_id"])


async def superseded(services: Services, chat_id: int, old_message_id: int, current_message_id: int) -> None:
    text = Lines().line(italic(f"🔁 Это старая копия карточки. Актуальная карточка — сообщение №{current_message_id}"
                               " ниже; пожалуйста, работайте с ней.")).text()
    try:
        await services.workchat.edit(old_message_id, text, (), chat_id=chat_id)
    except WorkChatError as exc:
        log.warning("cannot mark message %s as an old copy of card message %s: %s", old_message_id,
                    current_message_id, exc)
