"""Where an answer to a citizen starts: a reply to a card in the work chat, or a template chosen on it.

The text of the reply is published on the network as the page (a reply in the comment's thread, or
a message in the dialogue). It is queued like any other action, so it is retried, audited and shown
on the card; our own reply coming back from the network as an event makes no card. Where the page
wants replies approved (`reply_approval`), and for every author, the reply is proposed instead and
goes out only after a coordinator's «Одобрить ответ».
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import asyncpg

from bot import audit
from bot.config import StaffMember
from bot.domain import Action, Capability, ItemStatus, Note, Permission
from bot.moderation import actions, items, transitions
from bot.workchat import outbox

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

MAX_REPLY = 4000  # networks accept longer; a reply to a citizen that long is a mistake more often than not


async def submit(services: Services, *, item_id: int, in_digest: bool, staff: StaffMember | None, user_name: str,
                 text: str, actor: str) -> str | None:
    """Queues the reply (or proposes it, where a coordinator approves replies) when everything allows it.

    Returns None when the reply is taken (the card will show it); otherwise a polite explanation to post
    in the chat, so that a moderator never believes a citizen was answered when they were not.
    """
    async with services.db.transaction() as conn:
        answer = await take(services, conn, item_id=item_id, in_digest=in_digest, staff=staff, user_name=user_name,
                            text=text, actor=actor)
    services.actions_ready.set()
    services.cards_ready.set()
    return answer


async def take(services: Services, conn: asyncpg.Connection, *, item_id: int, in_digest: bool,
               staff: StaffMember | None, user_name: str, text: str, actor: str) -> str | None:
    """`submit` inside the caller's transaction (a template chosen on the card comes this way)."""
    item = await items.load(conn, item_id)
    assert item is not None
    platform = services.platform(item.network)
    spec = platform.kind(item.kind)
    account = services.account(item.network, item.account_id)

    async def refuse(why: str) -> str:
        await audit.record(conn, actor=actor, actor_name=staff.name if staff else user_name, action="reply",
                           result="refused", item_id=item_id, original_text=item.text,
                           detail={"reason": why, "reply": text})
        return f"Ответ не отправлен: {why}."

    may_send = staff is not None and staff.can(Permission.MODERATE)
    may_propose = staff is not None and staff.can(Permission.SUBMIT)
    if not may_send and not may_propose:
        return await refuse("отвечать гражданам от имени страницы могут только модераторы и авторы отделов")
    assert staff is not None
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
    if not may_send or (account is not None and account.reply_approval):
        await propose(conn, item_id, staff=staff, actor=actor, text=text)
        return None
    if await send(conn, item_id, item.decision_seq, actor=actor, actor_name=staff.name, text=text,
                  original=item.text):
        return None
    return await refuse("по карточке уже выполняется другое действие, повторите ответ чуть позже")


async def send(conn: asyncpg.Connection, item_id: int, seq: int, *, actor: str, actor_name: str, text: str,
               original: str) -> bool:
    """Queues the reply on the network; False when the item is busy with something else."""
    claimed = await transitions.claim(conn, item_id, seq, busy_note=Note(
        "working", {"actor": actor_name, "action": Action.REPLY.value}))
    if claimed is None:
        return False
    action_id = await actions.enqueue(conn, item_id=item_id, action=Action.REPLY, actor=actor,
                                      actor_name=actor_name, params={"text": text}, claimed=True)
    # The action's own id makes the network call idempotent where the network allows (an idempotency key).
    await conn.execute("UPDATE actions SET params = params || jsonb_build_object('key', id) WHERE id = $1",
                       action_id)
    await audit.record(conn, actor=actor, actor_name=actor_name, action="decided:reply", result="queued",
                       item_id=item_id, original_text=original, detail={"reply": text})
    return True


async def propose(conn: asyncpg.Connection, item_id: int, *, staff: StaffMember, actor: str, text: str) -> None:
    """A reply that waits for a coordinator's «Одобрить ответ» (regulation cl. 1.2.4); a newer one replaces it."""
    await conn.execute("UPDATE proposed_replies SET status = 'rejected', decided_by = 'replaced', decided_at = now()"
                       " WHERE item_id = $1 AND status = 'proposed'", item_id)
    await conn.execute("INSERT INTO proposed_replies (item_id, text, proposed_by, proposed_by_name)"
                       " VALUES ($1, $2, $3, $4)", item_id, text, actor, staff.name)
    await conn.execute("UPDATE items SET decision_seq = decision_seq + 1 WHERE id = $1", item_id)
    await outbox.touch(conn, "item", [item_id])
    await audit.record(conn, actor=actor, actor_name=staff.name, action="reply_proposed", result="waiting",
                       item_id=item_id, detail={"reply": text})


async def pending(conn: asyncpg.Connection, item_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM proposed_replies WHERE item_id = $1 AND status = 'proposed'"
                               " ORDER BY id DESC LIMIT 1", item_id)
