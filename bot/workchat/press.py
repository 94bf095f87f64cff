"""Where a button press is decided, whatever the card is about: who pressed, and whether the button is real.

A button carries only an opaque token; the token names the subject, the action, the decision sequence
the card was drawn at and the chat it was drawn for. A press from anyone outside the staff with the
right role is refused politely and audited; a token that is unknown, or pressed in another chat, is
refused as invalid. Everything after that — who wins a race, what is queued — belongs to the subject.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import audit
from bot.workchat.subjects import Answer, PressContext

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

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
    staff = services.config.staff_member(presser.user_id)
    async with services.db.transaction() as conn:
        button = await conn.fetchrow("SELECT * FROM buttons WHERE token = $1", token)
        subject = services.subjects.get(button["subject_kind"]) if button else None
        allowed = staff is not None and (subject.may_press(staff) if subject else staff.role.can_moderate)
        if not allowed:
            await audit.record(conn, actor=presser.actor, actor_name=presser.name, action="press",
                               result="refused", item_id=button["subject_id"] if button else None,
                               detail={"reason": "role may not press", "action": button["action"] if button else None,
                                       "subject": button["subject_kind"] if button else None})
            return REFUSED
        assert staff is not None
        # The token is the secret; a press counts from any copy of the card in the chat it was drawn for (a
        # copy exists when the chat took a card whose sending could not be recorded). Buttons drawn before
        # buttons knew their chat count in the work chat.
        drawn_for = button["chat_id"] if button and button["chat_id"] is not None else services.workchat.chat_id
        if button is None or subject is None or drawn_for != chat_id:
            await audit.record(conn, actor=presser.actor, actor_name=staff.name, action="press",
                               result="refused", item_id=button["subject_id"] if button else None,
                               detail={"reason": "unknown or foreign button", "chat_id": chat_id,
                                       "message_id": message_id})
            return INVALID
        answer = await subject.press(conn, PressContext(button, staff, chat_id, message_id, presser.actor))
    # Wake the executor and the outbox only now that the decision is committed.
    services.actions_ready.set()
    services.cards_ready.set()
    return answer
