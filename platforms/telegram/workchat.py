"""The work chat in a Telegram supergroup: `bot.workchat.chat.WorkChat` over aiogram's `Bot`.

Telegram's errors become the chat's own: 429 → RateLimited, "message to edit not found" →
MessageGone, a migration to a supergroup → ChatMigrated, 403 → Forbidden, other 400s → Refused,
5xx and network trouble → Unavailable. "Message is not modified" is a success.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
)

from bot.platform import Credential
from bot.workchat.chat import ChatMigrated, Forbidden, MessageGone, RateLimited, Refused, Unavailable, WorkChatError
from bot.workchat.model import Keyboard, Text
from platforms.telegram.html import to_html

TEXT_LIMIT = 4096
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def make_bot(token: str, api_base: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=b.text, callback_data=b.payload) for b in row] for row in keyboard])


def _translate(exc: AiogramError) -> WorkChatError:
    text = str(exc)
    if isinstance(exc, TelegramRetryAfter):
        return RateLimited(exc.retry_after, text)
    if isinstance(exc, TelegramMigrateToChat):
        return ChatMigrated(exc.migrate_to_chat_id, text)
    if isinstance(exc, TelegramForbiddenError):
        return Forbidden(text)
    if isinstance(exc, TelegramBadRequest):
        lowered = text.lower()
        if "message to edit not found" in lowered:
            return MessageGone(text)
        if "chat not found" in lowered:
            return Forbidden(text)
        return Refused(text)
    if isinstance(exc, TelegramNotFound):
        return Forbidden(text)
    return Unavailable(text)  # server errors, network errors, answers that are not Telegram's JSON


class TelegramWorkChat:
    text_limit = TEXT_LIMIT
    actor_prefix = "tg"

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self.bot = bot
        self.chat_id = chat_id

    async def send(self, text: Text, keyboard: Keyboard, *, chat_id: int, topic: int | None) -> int:
        try:
            message = await self.bot.send_message(chat_id, to_html(text), reply_markup=_markup(keyboard),
                                                  message_thread_id=topic, link_preview_options=NO_PREVIEW)
        except AiogramError as exc:
            raise _translate(exc) from exc
        return message.message_id

    async def edit(self, message_id: int, text: Text, keyboard: Keyboard, *, chat_id: int) -> None:
        try:
            await self.bot.edit_message_text(to_html(text), chat_id=chat_id, message_id=message_id,
                                             reply_markup=_markup(keyboard), link_preview_options=NO_PREVIEW)
        except TelegramBadRequest as exc:
            if "message is not modified" in str(exc).lower():
                return
            raise _translate(exc) from exc
        except AiogramError as exc:
            raise _translate(exc) from exc

    async def answer_press(self, press_id: str, text: str, *, alert: bool) -> None:
        try:
            await self.bot.answer_callback_query(press_id, text=text[:200], show_alert=alert)
        except AiogramError as exc:
            raise _translate(exc) from exc

    async def say(self, text: str, *, chat_id: int, reply_to: int | None = None) -> None:
        try:
            # The person's message may be gone by now (deleted, or the chat moved): say it anyway.
            reply = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to else None
            await self.bot.send_message(chat_id, text, parse_mode=None, reply_parameters=reply)
        except AiogramError as exc:
            raise _translate(exc) from exc

    async def send_file(self, name: str, data: bytes, *, chat_id: int, caption: str = "",
                        reply_to: int | None = None) -> None:
        try:
            await self.bot.send_document(chat_id, BufferedInputFile(data, filename=name),
                                         caption=caption[:1024] or None, parse_mode=None, reply_to_message_id=reply_to)
        except AiogramError as exc:
            raise _translate(exc) from exc

    async def send_picture(self, name: str, data: bytes, *, caption: str = "") -> None:
        try:
            await self.bot.send_photo(self.chat_id, BufferedInputFile(data, filename=name),
                                      caption=caption[:1024] or None, parse_mode=None)
        except AiogramError as exc:
            raise _translate(exc) from exc

    def message_link(self, message_id: int) -> str | None:
        """t.me/c/… opens a message of a supergroup for its members; a basic group has no such address."""
        text = str(self.chat_id)
        return f"https://t.me/c/{text[4:]}/{message_id}" if text.startswith("-100") else None

    async def check_access(self) -> list[Credential]:
        key, title = "telegram:workchat:bot", "бот рабочего чата в Telegram"
        advice = ("Если токен бота отозван, получите новый у @BotFather и запишите его в TELEGRAM_BOT_TOKEN. "
                  "Бот должен быть администратором рабочего чата: иначе он не видит ответы на карточки.")
        try:
            me = await self.bot.get_me()
            member = await self.bot.get_chat_member(self.chat_id, me.id)
        except TelegramRetryAfter as exc:
            return [Credential(key, title, valid=False, unchecked=True, problem_ru=f"не удалось проверить: {exc}")]
        except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as exc:
            return [Credential(key, title, valid=False, problem_ru=f"Telegram отказал: {exc}", advice_ru=advice)]
        except AiogramError as exc:
            return [Credential(key, title, valid=False, unchecked=True, problem_ru=f"не удалось проверить: {exc}")]
        if member.status in ("creator", "administrator"):
            return [Credential(key, title, valid=True, rights_ru=f"@{me.username}, администратор рабочего чата")]
        if member.status in ("left", "kicked"):
            return [Credential(key, title, valid=False, advice_ru=advice, problem_ru="бота нет в рабочем чате")]
        if me.can_read_all_group_messages:
            return [Credential(key, title, valid=True, rights_ru=f"@{me.username}, видит все сообщения чата")]
        return [Credential(key, title, valid=False, advice_ru=advice,
                           problem_ru="бот не администратор рабочего чата и не видит ответы на карточки")]

    async def close(self) -> None:
        await self.bot.session.close()
