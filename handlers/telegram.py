"""Where a button press and a reply to a card enter: the aiogram router of the work chat.

Thin on purpose: it checks that the update comes from the work chat, hands the opaque token and the
presser to `bot.workchat.press.press` (a reply to `bot.moderation.replies.submit`), and answers through
the work chat with what those return.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.db import DatabaseUnavailable
from bot.moderation import replies
from bot.services import Services
from bot.workchat.chat import BUTTON_PREFIX, WorkChatError
from bot.workchat.press import INVALID, UNAVAILABLE, Presser, press
from bot.workchat.subjects import Answer

log = logging.getLogger(__name__)


def build_router() -> Router:
    """A fresh router per dispatcher (aiogram lets a router have only one parent).

    The running `Services` reach the handlers through the dispatcher's workflow data; the work chat's id
    is read from them on each update, since the chat may move (a group upgraded to a supergroup).
    """
    router = Router(name="work_chat")

    async def answer(services: Services, query: CallbackQuery, reply: Answer) -> None:
        try:
            await services.workchat.answer_press(query.id, reply.text, alert=reply.alert)
        except WorkChatError as exc:  # "query is too old": the presser waited too long; nothing to undo
            log.warning("cannot answer press %s: %s", query.id, exc)

    @router.callback_query(F.data.startswith(BUTTON_PREFIX))
    async def on_press(query: CallbackQuery, services: Services) -> None:
        message = query.message
        if message is None or message.chat.id != services.workchat.chat_id:
            await answer(services, query, INVALID)
            return
        user = query.from_user
        presser = Presser(user.id, user.full_name, f"{services.workchat.actor_prefix}:{user.id}")
        try:
            reply = await press(services, token=(query.data or "")[len(BUTTON_PREFIX):], chat_id=message.chat.id,
                                message_id=message.message_id, presser=presser)
        except DatabaseUnavailable as exc:
            log.error("press by %s: database unavailable: %s", user.id, exc)
            reply = UNAVAILABLE
        except Exception:  # a deadlock, a bug: the presser is told, never left waiting
            log.exception("press by %s failed", user.id)
            reply = UNAVAILABLE
        await answer(services, query, reply)

    @router.message(F.reply_to_message, F.text)
    async def on_reply(message: Message, services: Services) -> None:
        """A moderator answers a card with Telegram's Reply: the text goes to the citizen as the page."""
        user = message.from_user
        replied = message.reply_to_message
        if message.chat.id != services.workchat.chat_id or user is None or replied is None or not message.text:
            return
        try:
            problem = await replies.submit(services, chat_id=message.chat.id, message_id=replied.message_id,
                                           user_id=user.id, user_name=user.full_name, text=message.text,
                                           actor=f"{services.workchat.actor_prefix}:{user.id}")
        except DatabaseUnavailable as exc:
            log.error("reply by %s: database unavailable: %s", user.id, exc)
            problem = "Ответ не отправлен: сервис временно не может его сохранить. Пожалуйста, повторите через минуту."
        except Exception:
            log.exception("reply by %s failed", user.id)
            problem = "Ответ не отправлен: что-то пошло не так. Пожалуйста, повторите через минуту."
        if problem:
            # Said in the chat at once (a rare, person-triggered message), so no one believes a citizen was
            # answered when they were not.
            try:
                await services.workchat.say(problem, chat_id=message.chat.id, reply_to=message.message_id)
            except WorkChatError as exc:
                log.error("cannot tell %s the reply was not sent: %s", user.id, exc)

    @router.callback_query()
    async def on_foreign_button(query: CallbackQuery, services: Services) -> None:
        await answer(services, query, INVALID)

    return router
