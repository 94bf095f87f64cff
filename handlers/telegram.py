"""Where Telegram's updates enter: button presses, answers to cards, commands, and authors' private chats.

Thin on purpose: it tells the work chat from a private chat, reads what the update carries (a token, a
text, photos, a command), hands it to the core (`bot.workchat.press`, `bot.workchat.replies`,
`bot.publishing.authoring`, `bot.staff`, the plan and templates), and says what those return. An album
arrives as one update per photo; they are gathered for a moment and handed over as one message.
"""

from __future__ import annotations

import asyncio
import logging
from io import BytesIO

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from bot import audit, staff
from bot.config import StaffMember
from bot.db import DatabaseUnavailable
from bot.domain import Permission, Role
from bot.moderation import find
from bot.publishing import authoring, plan, templates
from bot.registry import form as registry_form
from bot.registry.desk import registry_url, today
from bot.security.subject import check_later, open_security_card
from bot.services import Services
from bot.summary import send as summary
from bot.workchat import replies
from bot.workchat.chat import BUTTON_PREFIX, WorkChatError
from bot.workchat.press import INVALID, UNAVAILABLE, Presser, press
from bot.workchat.subjects import Answer

log = logging.getLogger(__name__)
ALBUM_WAIT = 1.0  # seconds to gather the photos of one album
ANONYMOUS_NAME = "анонимный администратор чата"
ANONYMOUS_REFUSAL = ("Вы пишете от имени группы (анонимный администратор), и Госпаблик не может узнать, кто вы, — "
                     "а журнал решений должен это знать. Отключите «Анонимность» в своих правах администратора "
                     "чата или напишите от своего имени.")


def _command(text: str | None) -> tuple[str | None, str]:
    """("staff", "add 5 author Имя") from "/staff@gospablik_bot add 5 author Имя"."""
    if not text or not text.startswith("/"):
        return None, text or ""
    head, _, rest = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), rest.strip()


def build_router() -> Router:
    """A fresh router per dispatcher (aiogram lets a router have only one parent).

    The running `Services` reach the handlers through the dispatcher's workflow data; the work chat's id
    is read from them on each update, since the chat may move (a group upgraded to a supergroup).
    """
    router = Router(name="work_chat")
    albums: dict[str, list[Message]] = {}

    async def answer(services: Services, query: CallbackQuery, reply: Answer) -> None:
        try:
            await services.workchat.answer_press(query.id, reply.text, alert=reply.alert)
        except WorkChatError as exc:  # "query is too old": the presser waited too long; nothing to undo
            log.warning("cannot answer press %s: %s", query.id, exc)

    def actor(services: Services, user_id: int) -> str:
        return f"{services.workchat.actor_prefix}:{user_id}"

    @router.callback_query(F.data.startswith(BUTTON_PREFIX))
    async def on_press(query: CallbackQuery, services: Services) -> None:
        message = query.message
        private = message is not None and message.chat.type == "private"
        if message is None or (message.chat.id != services.workchat.chat_id and not private):
            await answer(services, query, INVALID)
            return
        user = query.from_user
        presser = Presser(user.id, user.full_name, actor(services, user.id))
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

    async def say(services: Services, message: Message, text: str) -> None:
        try:
            await services.workchat.say(text, chat_id=message.chat.id, reply_to=message.message_id)
        except WorkChatError as exc:
            log.error("cannot answer %s in chat %s: %s", message.from_user.id if message.from_user else "?",
                      message.chat.id, exc)

    @router.message(F.chat.type == "private")
    async def on_private(message: Message, services: Services, bot: Bot) -> None:
        if message.from_user is None:
            return
        if message.media_group_id:  # one update per photo of an album: gather them
            key = f"{message.chat.id}:{message.media_group_id}"
            first = key not in albums
            albums.setdefault(key, []).append(message)
            if not first:
                return
            await asyncio.sleep(ALBUM_WAIT)
            parts = sorted(albums.pop(key), key=lambda m: m.message_id)
        else:
            parts = [message]
        photos = []
        for part in parts:
            if part.photo:
                biggest = part.photo[-1]
                buffer = BytesIO()
                await bot.download(biggest.file_id, destination=buffer)
                photos.append(authoring.IncomingPhoto(buffer.getvalue(), "image/jpeg", biggest.file_id))
        text = next((p.text or p.caption for p in parts if p.text or p.caption), None)
        command, rest = _command(text)
        user = message.from_user
        try:
            await authoring.on_message(services, user_id=user.id, user_name=user.full_name,
                                       actor=actor(services, user.id), text=rest if command else text,
                                       photos=photos, command=command)
        except DatabaseUnavailable as exc:
            log.error("private message from %s: database unavailable: %s", user.id, exc)
            await say(services, message, "Сервис временно не может сохранить черновик. Пожалуйста, повторите через "
                                         "минуту.")

    @router.message(F.text.startswith("/"))
    async def on_command(message: Message, services: Services) -> None:
        """`/staff`, `/templates`, `/plan`, `/registry`, `/security`, `/summary` and `/find` in the work chat."""
        if message.chat.id != services.workchat.chat_id or message.from_user is None:
            return
        if await anonymous(services, message):  # commands change things: they need a person's name
            return
        command, args = _command(message.text)
        user = message.from_user
        text: str | None
        later: list = []
        try:
            async with services.db.transaction() as conn:
                member = await staff.lookup(conn, services.config, user.id)
                if command == "staff":
                    replied = message.reply_to_message.from_user if message.reply_to_message else None
                    text = await staff.command(
                        conn, services.config, actor=member, actor_ref=actor(services, user.id), args=args,
                        replied=staff.Replied(replied.id, replied.full_name) if replied and not replied.is_bot
                        else None)
                elif command == "templates":
                    text = await templates.command(conn, actor=member, actor_ref=actor(services, user.id), args=args)
                elif command == "plan":
                    text = await plan.plan_text(services) if member is not None else (
                        "Извините, план публикаций видят только сотрудники Госпаблика.")
                elif command == "registry":
                    if member is None or not member.can(Permission.REGISTRY):
                        text = ("Извините, реестр аккаунтов ведут администраторы и координаторы Госпаблика. "
                                "Публичная страница реестра: " + registry_url(services.config))
                    else:
                        await registry_form.start(conn, user_id=user.id, chat_id=message.chat.id)
                        text = None
                elif command == "summary":
                    if member is None:
                        text = "Извините, итоги видят только сотрудники Госпаблика."
                    else:
                        week = args.strip().lower() in ("неделя", "week", "w")
                        later.append(lambda: summary.weekly(services, day=today(services.config), force=True)
                                     if week else summary.daily(services, force=True))
                        text = None
                elif command == "find":
                    query = find.parse(args)
                    if member is None:
                        text = "Извините, искать по комментариям и сообщениям могут только сотрудники Госпаблика."
                    elif query is None:
                        text = find.USAGE
                    else:
                        text = find.answer(services, query, await find.search(conn, query))
                elif command == "security":
                    if member is None or not member.can(Permission.REGISTRY):
                        text = "Извините, безопасностью аккаунтов занимаются администраторы и координаторы Госпаблика."
                    else:
                        await open_security_card(conn, user_id=user.id, chat_id=message.chat.id)
                        later.append(check_later(services))  # the card shows a fresh check in a moment
                        text = None
                else:
                    return
        except DatabaseUnavailable as exc:
            log.error("command from %s: database unavailable: %s", user.id, exc)
            text = "Сервис временно недоступен. Пожалуйста, повторите через минуту."
        services.cards_ready.set()
        for task in later:
            await task()
        if text:
            await say(services, message, text)

    async def anonymous(services: Services, message: Message) -> bool:
        """A message sent "as the group" names nobody. Unless the configuration allows such answers, it is refused
        with the reason, so the administrator knows to write as themselves."""
        if message.sender_chat is None or message.sender_chat.id != message.chat.id:
            return False
        async with services.db.transaction() as conn:
            await audit.record(conn, actor=f"{services.workchat.actor_prefix}:anonymous:{message.chat.id}",
                               actor_name=ANONYMOUS_NAME, action="message", result="refused",
                               detail={"reason": "anonymous administrator", "message_id": message.message_id})
        await say(services, message, ANONYMOUS_REFUSAL)
        return True

    @router.message(F.reply_to_message, F.text)
    async def on_reply(message: Message, services: Services) -> None:
        """An answer to a card: to a citizen, or a coordinator's comment, correction or time for a draft."""
        user = message.from_user
        replied = message.reply_to_message
        if message.chat.id != services.workchat.chat_id or user is None or replied is None or not message.text:
            return
        member, who = None, actor(services, user.id)
        if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
            if not services.config.telegram.anonymous_admins:
                await anonymous(services, message)
                return
            # Allowed by the configuration: answers to citizens only, audited as the chat's anonymous administrator.
            member = StaffMember(message.chat.id, ANONYMOUS_NAME, Role.MODERATOR)
            who = f"{services.workchat.actor_prefix}:anonymous:{message.chat.id}"
        try:
            tokens = [b.callback_data[len(BUTTON_PREFIX):] for row in (replied.reply_markup.inline_keyboard
                                                                       if replied.reply_markup else [])
                      for b in row if b.callback_data and b.callback_data.startswith(BUTTON_PREFIX)]
            problem = await replies.route(services, chat_id=message.chat.id, message_id=replied.message_id,
                                          user_id=user.id, user_name=member.name if member else user.full_name,
                                          text=message.text, actor=who, member=member, tokens=tokens)
        except DatabaseUnavailable as exc:
            log.error("reply by %s: database unavailable: %s", user.id, exc)
            problem = "Ответ не отправлен: сервис временно не может его сохранить. Пожалуйста, повторите через минуту."
        except Exception:
            log.exception("reply by %s failed", user.id)
            problem = "Ответ не отправлен: что-то пошло не так. Пожалуйста, повторите через минуту."
        if problem:
            # Said in the chat at once (a rare, person-triggered message), so no one believes a citizen was
            # answered when they were not.
            await say(services, message, problem)

    @router.my_chat_member()
    async def on_membership(update: ChatMemberUpdated, services: Services) -> None:
        """The bot itself was removed from the work chat or added back: the outbox stops or resumes."""
        if update.chat.id != services.workchat.chat_id:
            return
        status = update.new_chat_member.status
        if status in ("left", "kicked"):
            services.chat_health.lose(f"the bot was {status} by {update.from_user.full_name}")
        elif status in ("member", "administrator", "creator", "restricted"):
            services.chat_health.regain(f"{update.from_user.full_name} added the bot back")
            services.cards_ready.set()

    @router.callback_query()
    async def on_foreign_button(query: CallbackQuery, services: Services) -> None:
        await answer(services, query, INVALID)

    return router
