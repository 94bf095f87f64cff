"""Where a text answer to a card enters: found by the card's message, handed to the card's subject.

A moderator's reply to a comment's card goes to the citizen; a coordinator's reply to an approval card
is a comment, a correction or a time. The card is found by its message; if the chat already shows a card
the outbox has not recorded yet, the answer waits a moment for the record rather than being lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

import asyncpg

from bot import staff
from bot.workchat import copies
from bot.workchat.press import run_later

if TYPE_CHECKING:
    from bot.config import StaffMember
    from bot.services import Services

RECORD_WAIT = 3.0


async def card_of(services: Services, chat_id: int, message_id: int,
                  tokens: Sequence[str] = ()) -> asyncpg.Record | None:
    """The card shown by a message. A message that is no card of record may be an older copy of one (the chat took
    a card whose sending could not be recorded, and it was sent again): its buttons' tokens still name the card."""
    deadline = asyncio.get_running_loop().time() + RECORD_WAIT
    while True:
        row = await services.db.fetchrow("SELECT * FROM cards WHERE chat_id = $1 AND message_id = $2",
                                         chat_id, message_id)
        if row is not None:
            return row
        if tokens:
            row = await services.db.fetchrow(
                "SELECT c.* FROM buttons b JOIN cards c ON c.subject_kind = b.subject_kind"
                " AND c.subject_id = b.subject_id WHERE b.token = ANY($1::text[]) AND b.chat_id = $2 LIMIT 1",
                list(tokens), chat_id)
            if row is not None:
                return row
        in_flight = await services.db.fetchval(
            "SELECT count(*) FROM cards WHERE chat_id = $1 AND sending_until > now()", chat_id)
        if not in_flight or asyncio.get_running_loop().time() > deadline:
            return None
        await asyncio.sleep(0.1)


async def route(services: Services, *, chat_id: int, message_id: int, user_id: int, user_name: str, text: str,
                actor: str, member: StaffMember | None = None, tokens: Sequence[str] = ()) -> str | None:
    """None when the answer was taken (or was no answer to a card); otherwise what to tell the person."""
    card = await card_of(services, chat_id, message_id, tokens)
    if card is None:
        return None  # an ordinary conversation in the chat
    if card["message_id"] is not None and card["message_id"] != message_id and card["chat_id"] == chat_id:
        await copies.superseded(services, chat_id, message_id, card["message_id"])
    subject = services.subjects.get(card["subject_kind"])
    if subject is None:
        return None
    if member is None:
        member = await staff.lookup(services.db, services.config, user_id)
    later: list = []
    answer = await subject.reply(card["subject_id"], card=card, staff=member, actor=actor, user_name=user_name,
                                 text=text, later=later)
    services.actions_ready.set()
    services.cards_ready.set()
    await run_later(later)
    return answer
