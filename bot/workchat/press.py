"""Where a button press is decided, whatever the card is about: who pressed, and whether the button is real.

A button carries only an opaque token; the token names the subject, the action, the decision sequence
the card was drawn at and the chat it was drawn for. A press from anyone outside the staff with the
right role is refused politely and audited; a token that is unknown, or pressed in another chat, is
refused as invalid. Everything after that — who wins a race, what is queued — belongs to the subject.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import audit, staff
from bot.domain import Role
from bot.workchat import copies
from bot.workchat.subjects import Answer, PressContext

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what `buttons.new_token` makes, with room to spare

REFUSED = Answer("Извините, решения по карточкам принимают только модераторы из списка сотрудников. "
                 "Если вам нужен доступ, обратитесь к администратору Госпаблика.", alert=True)
INVALID = Answer("Эта кнопка недействительна. Пожалуйста, воспользуйтесь кнопками на актуальной карточке.",
                 alert=True)
UNAVAILABLE = Answer("Сервис временно не может сохранить решение. Пожалуйста, нажмите ещё раз через минуту.",
                     alert=True)


@dataclass(frozen=True)
class Presser:
    user_id: int
    name: str
    actor: str  # the audit's name for them ("tg:111"), given by the chat they pressed in


async def press(services: Services, *, token: str, chat_id: int, message_id: int, presser: Presser) -> Answer:
    """Handles one press in the work chat and returns the answer to show to the presser."""
    if not TOKEN_SHAPE.fullmatch(token):
        # Not a token of ours (forged, or bytes PostgreSQL would refuse, like U+0000): refused before any lookup.
        async with services.db.transaction() as conn:
            await audit.record(conn, actor=presser.actor, actor_name=presser.name, action="press", result="refused",
                               detail={"reason": "malformed button", "chat_id": chat_id, "message_id": message_id,
                                       "length": len(token)})
        return INVALID
    async with services.db.transaction() as conn:
        member = await staff.lookup(conn, services.config, presser.user_id)
        button = await conn.fetchrow("SELECT * FROM buttons WHERE token = $1", token)
        subject = services.subjects.get(button["subject_kind"]) if button else None
        if subject is not None and button is not None:
            refusal = subject.refusal(member, button["action"])
        else:
            refusal = None if member is not None and member.roles - {Role.VIEWER} else REFUSED
        if refusal is not None:
            await audit.record(conn, actor=presser.actor, actor_name=presser.name, action="press",
                               result="refused", item_id=button["subject_id"] if button else None,
                               detail={"reason": "role may not press", "action": button["action"] if button else None,
                                       "subject": button["subject_kind"] if button else None})
            return refusal
        assert member is not None
        # The token is the secret; a press counts from any copy of the card in the chat it was drawn for (a
        # copy exists when the chat took a card whose sending could not be recorded). Buttons drawn before
        # buttons knew their chat count in the work chat.
        drawn_for = button["chat_id"] if button and button["chat_id"] is not None else services.workchat.chat_id
        if button is None or subject is None or drawn_for != chat_id:
            await audit.record(conn, actor=presser.actor, actor_name=member.name, action="press",
                               result="refused", item_id=button["subject_id"] if button else None,
                               detail={"reason": "unknown or foreign button", "chat_id": chat_id,
                                       "message_id": message_id})
            return INVALID
        context = PressContext(button, member, chat_id, message_id, presser.actor)
        answer = await subject.press(conn, context)
        current = await copies.current_of(conn, button, chat_id=chat_id, message_id=message_id)
        if current is not None:
            async def mark_copy(shown: int = current) -> None:
                await copies.superseded(services, chat_id, message_id, shown)

            context.later.append(mark_copy)
    # Wake the executor and the outbox only now that the decision is committed.
    services.actions_ready.set()
    services.cards_ready.set()
    await run_later(context.later)
    return answer


async def run_later(tasks: list[Callable[[], Awaitable[object]]]) -> None:
    """What a decision asked to do after its commit (tell the author); a failure there is logged, not raised."""
    for task in tasks:
        try:
            await task()
        except Exception:
            log.exception("a follow-up of a decision failed")
