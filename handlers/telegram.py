"""Where a button press enters: the aiogram router of the work chat.

Thin on purpose: it checks that the press comes from the work chat, hands the opaque token and the
presser to `bot.decisions.press`, and answers the callback query with what that returns. A text
reply to a card goes to `bot.replies.submit`.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot import replies
from bot.db import DatabaseUnavailable
from bot.decisions import INVALID, Answer, Presser, press
from bot.notifier import BUTTON_PREFIX
from bot.services import Services

log = logging.getLogger(__name__)

def build_router(work_chat: int) -> Router:
    """A fresh router per dispatcher (aiogram lets a router have only one parent).

    The running `Services` reach the handler through the dispatcher's workflow data.
    """
    router = Router(name="work_chat")

    @router.callback_query(F.data.startswith(BUTTON_PREFIX))
    async def on_press(query: CallbackQuery, services: Services) -> None:
        message = query.message
        if message is None or message.chat.id != work_chat:
            await query.answer(INVALID.text, show_alert=True)
            return
        user = query.from_user
        presser = Presser(user.id, user.full_name)
        try:
            answer = await press(services, token=(query.data or "")[len(BUTTON_PREFIX):], chat_id=message.chat.id,
                                 message_id=message.message_id, presser=presser)
        except DatabaseUnavailable as exc:
            log.error("press by %s: database unavailable: %s", user.id, exc)
            answer = Answer("Сервис временно не может сохранить решение. Пожалуйста, нажмите ещё раз через минуту.",
                            alert=True)
        await query.answer(answer.text[:200], show_alert=answer.alert)

    @router.message(F.chat.id == work_chat, F.reply_to_message, F.text)
    async def on_reply(message: Message, services: Services) -> None:
        """A moderator answers a card with Telegram's Reply: the text goes to the citizen as the community."""
        user = message.from_user
        replied = message.reply_to_message
        if user is None or replied is None or not message.text:
            return
        try:
            problem = await replies.submit(services, chat_id=message.chat.id, message_id=replied.message_id,
                                           user_id=user.id, user_name=user.full_name, text=message.text)
        except DatabaseUnavailable as exc:
            log.error("reply by %s: database unavailable: %s", user.id, exc)
            problem = "Ответ не отправлен: сервис временно не может его сохранить. Пожалуйста, повторите через минуту."
        if problem:
            # Said in the chat at once (a rare, person-triggered message), so no one believes a citizen was
            # answered when they were not.
            await message.reply(problem)

    @router.callback_query()
    async def on_foreign_button(query: CallbackQuery) -> None:
        await query.answer(INVALID.text, show_alert=True)

    return router
