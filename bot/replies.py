"""Where a moderator's answer to a citizen starts: a Telegram reply to a card in the work chat.

The text of the reply is published on the network as the community (a reply in the comment's
thread, or a message in the dialogue). It is queued like any other action, so it is retried,
audited and shown on the card; our own reply coming back from VK as an event makes no card.
"""

from __future__ import annotations

import logging

from bot import actions, audit
from bot.domain import Action, ItemStatus
from bot.services import Services

log = logging.getLogger(__name__)

MAX_REPLY = 4000  # VK accepts longer; a reply to a citizen that long is a mistake more often than not


async def submit(services: Services, *, chat_id: int, message_id: int, user_id: int, user_name: str,
                 text: str) -> str | None:
    """Queues the reply when everything allows it.

    Returns None when the reply is queued (the card will show it) or the message was no reply to a card;
    otherwise a polite explanation to post in the chat, so that a moderator never believes a citizen was
    answered when they were not.
    """
    staff = services.config.staff_member(user_id)
    actor = f"tg:{user_id}"
    async with services.db.transaction() as conn:
        card = await conn.fetchrow(
            "SELECT c.item_id, c.in_digest, i.kind, i.status, i.busy, i.text"
            " FROM cards c JOIN items i ON i.id = c.item_id"
            " WHERE c.chat_id = $1 AND c.message_id = $2", chat_id, message_id)
        if card is None:
            return None  # an ordinary conversation in the chat

        async def refuse(why: str) -> str:
            await audit.record(conn, actor=actor, actor_name=staff.name if staff else user_name, action="reply",
                               result="refused", item_id=card["item_id"], original_text=card["text"],
                               detail={"reason": why, "reply": text})
            return f"Ответ не отправлен: {why}."

        if staff is None or not staff.role.can_moderate:
            return await refuse("отвечать гражданам от имени сообщества могут только модераторы")
        if card["in_digest"]:
            return await refuse("это сводка — откройте запись отдельной карточкой (📄) и ответьте на неё")
        message = card["kind"] == "message"
        if card["kind"] not in ("wall_comment", "message"):
            return await refuse("на такой комментарий из чата ответить пока нельзя, пожалуйста, ответьте в VK")
        if card["status"] not in (ItemStatus.OPEN, ItemStatus.APPROVED):
            return await refuse("сообщение удалено или автор заблокирован" if message
                                else "комментарий удалён или автор заблокирован")
        text = text.strip()
        if not text:
            return None
        if len(text) > MAX_REPLY:
            return await refuse(f"ответ длиннее {MAX_REPLY} символов")
        claimed = await conn.fetchval(
            "UPDATE items SET decision_seq = decision_seq + 1 WHERE id = $1 AND NOT busy RETURNING id",
            card["item_id"])
        if claimed is None:
            return await refuse("по карточке уже выполняется другое действие, повторите ответ чуть позже")
        action_id = await actions.enqueue(conn, item_id=card["item_id"], action=Action.REPLY, actor=actor,
                                          actor_name=staff.name, params={"text": text})
        # The action's own id makes the network call idempotent (VK's guid / random_id).
        await conn.execute("UPDATE actions SET params = params || jsonb_build_object('key', id) WHERE id = $1",
                           action_id)
        await audit.record(conn, actor=actor, actor_name=staff.name, action="decided:reply", result="queued",
                           item_id=card["item_id"], original_text=card["text"], detail={"reply": text})
    services.actions_ready.set()
    services.cards_ready.set()
    return None
