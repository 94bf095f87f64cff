"""Where a moderator's answer to a citizen starts: a reply to a card in the work chat.

The text of the reply is published on the network as the page (a reply in the comment's thread, or
a message in the dialogue). It is queued like any other action, so it is retried, audited and shown
on the card; our own reply coming back from the network as an event makes no card.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot import audit
from bot.domain import Action, Capability, ItemStatus, Note
from bot.moderation import actions, items, transitions

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

MAX_REPLY = 4000  # networks accept longer; a reply to a citizen that long is a mistake more often than not
RECORD_WAIT = 3.0  # how long a reply waits for a card the chat already shows but the outbox has not recorded


async def _card_of(services: Services, chat_id: int, message_id: int) -> tuple[int, bool] | None:
    """The item whose card is that message, waiting a moment if a card is being written right now."""
    deadline = asyncio.get_running_loop().time() + RECORD_WAIT
    while True:
        row = await services.db.fetchrow(
            "SELECT subject_id, in_digest FROM cards WHERE subject_kind = 'item' AND chat_id = $1"
            " AND message_id = $2", chat_id, message_id)
        if row is not None:
            return row["subject_id"], row["in_digest"]
        in_flight = await services.db.fetchval(
            "SELECT count(*) FROM cards WHERE chat_id = $1 AND sending_until > now()", chat_id)
        if not in_flight or asyncio.get_running_loop().time() > deadline:
            return None
        await asyncio.sleep(0.1)


async def submit(services: Services, *, chat_id: int, message_id: int, user_id: int, user_name: str,
                 text: str, actor: str) -> str | None:
    """Queues the reply when everything allows it.

    Returns None when the reply is queued (the card will show it) or the message was no reply to a card;
    otherwise a polite explanation to post in the chat, so that a moderator never believes a citizen was
    answered when they were not.
    """
    found = await _card_of(services, chat_id, message_id)
    if found is None:
        return None  # an ordinary conversation in the chat
    item_id, in_digest = found
    staff = services.config.staff_member(user_id)
    async with services.db.transaction() as conn:
        item = await items.load(conn, item_id)
        assert item is not None
        platform = services.platform(item.network)
        spec = platform.kind(item.kind)

        async def refuse(why: str) -> str:
            await audit.record(conn, actor=actor, actor_name=staff.name if staff else user_name, action="reply",
                               result="refused", item_id=item_id, original_text=item.text,
                               detail={"reason": why, "reply": text})
            return f"Ответ не отправлен: {why}."

        if staff is None or not staff.role.can_moderate:
            return await refuse("отвечать гражданам от имени страницы могут только модераторы")
        if in_digest:
            return await refuse("это сводка — откройте запись отдельной карточкой (📄) и ответьте на неё")
        if not spec.allows(Capability.REPLY):
            return await refuse(platform.words.cannot_ru.get(Capability.REPLY.value)
                                or f"на такой комментарий из чата ответить нельзя, ответьте {platform.words.where_ru}")
        if item.status not in (ItemStatus.OPEN, ItemStatus.APPROVED):
            return await refuse("сообщение удалено или автор заблокирован" if spec.conversation
                                else "комментарий удалён или автор заблокирован")
        text = text.strip()
        if not text:
            return None
        if len(text) > MAX_REPLY:
            return await refuse(f"ответ длиннее {MAX_REPLY} символов")
        claimed = await transitions.claim(conn, item_id, item.decision_seq, busy_note=Note(
            "working", {"actor": staff.name, "action": Action.REPLY.value}))
        if claimed is None:
            return await refuse("по карточке уже выполняется другое действие, повторите ответ чуть позже")
        action_id = await actions.enqueue(conn, item_id=item_id, action=Action.REPLY, actor=actor,
                                          actor_name=staff.name, params={"text": text}, claimed=True)
        # The action's own id makes the network call idempotent where the network allows (an idempotency key).
        await conn.execute("UPDATE actions SET params = params || jsonb_build_object('key', id) WHERE id = $1",
                           action_id)
        await audit.record(conn, actor=actor, actor_name=staff.name, action="decided:reply", result="queued",
                           item_id=item_id, original_text=item.text, detail={"reply": text})
    services.actions_ready.set()
    services.cards_ready.set()
    return None
