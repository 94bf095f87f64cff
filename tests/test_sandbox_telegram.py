"""The Telegram Bot API emulator, driven by a real aiogram 3 Bot: Telegram's errors, edits, presses, updates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.sandbox.telegram_api import TelegramEmulator
from bot.sandbox.telegram_html import EntityParseError, parse_html, render_html

TOKEN = "123:ABC"
CHAT = -1001234567890
FORUM = -1009998887776
TOPIC = 77
MODERATOR = 111
OUTSIDER = 999
WEBHOOK_SECRET = "tg-webhook_Secret-1"


class LocalSession(AiohttpSession):
    """aiogram's session without the 250 ms pause on close, which only matters for SSL connections."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)
                                                  for t, d in buttons]])


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@dataclass
class TgWorld:
    tg: TelegramEmulator
    base: str
    bot: Bot
    seen: list[Any] = field(default_factory=list)

    def make_bot(self, token: str = TOKEN) -> Bot:
        return Bot(token, session=LocalSession(api=TelegramAPIServer.from_base(self.base)),
                   default=DefaultBotProperties(parse_mode=ParseMode.HTML))

    async def start_webhook_service(self, *, answer: bool = True) -> web.AppRunner:
        """A tiny aiogram webhook app that answers presses and records what it received."""
        router = Router()

        @router.callback_query()
        async def on_press(cb: CallbackQuery) -> None:
            self.seen.append(cb)
            if answer:
                await cb.answer(f"Принято: {cb.data}", show_alert=cb.from_user.id == OUTSIDER)

        @router.message(F.text)
        async def on_message(message: Message) -> None:
            self.seen.append(message)

        dp = Dispatcher()
        dp.include_router(router)
        app = web.Application()
        SimpleRequestHandler(dispatcher=dp, bot=self.bot, secret_token=WEBHOOK_SECRET,
                             handle_in_background=False).register(app, path="/tg/webhook")
        runner, base = await serve(app)
        await self.bot.set_webhook(f"{base}/tg/webhook", secret_token=WEBHOOK_SECRET,
                                   allowed_updates=["callback_query", "message"])
        return runner


@pytest_asyncio.fixture
async def world() -> AsyncIterator[TgWorld]:
    tg = TelegramEmulator(token=TOKEN, messages_per_minute=1000)
    tg.add_chat(CHAT, "Модерация госпабликов")
    tg.add_chat(FORUM, "Модерация по темам", is_forum=True, topics=[TOPIC])
    tg.add_user(MODERATOR, "Мария", "Захарова", "maria")
    tg.add_user(OUTSIDER, "Случайный", "Участник")
    runner, base = await serve(tg.app)
    w = TgWorld(tg=tg, base=base, bot=None)  # type: ignore[arg-type]
    w.bot = w.make_bot()
    yield w
    await w.bot.session.close()
    await runner.cleanup()


# ---- sending ----
async def test_send_message_parses_html_like_telegram(world: TgWorld) -> None:
    me = await world.bot.get_me()
    assert me.is_bot and me.username == "gospablik_bot" and me.id == 123
    msg = await world.bot.send_message(CHAT, "  <b>Новый комментарий</b> от Ивана &lt;3\n<i>Текст</i>  ",
                                       reply_markup=keyboard(("Удалить", "m:delete:5")))
    assert isinstance(msg, Message) and msg.date.timestamp() > 0
    assert msg.text == "Новый комментарий от Ивана <3\nТекст"  # parsed and trimmed
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [("bold", 0, 17), ("italic", 30, 5)]
    assert msg.chat.type == "supergroup" and msg.from_user.id == 123
    view = world.tg.chat_view(CHAT)
    assert view[0]["html"] == "<b>Новый комментарий</b> от Ивана &lt;3\n<i>Текст</i>"
    assert view[0]["buttons"] == [[{"text": "Удалить", "callback_data": "m:delete:5"}]]
    sent = world.tg.calls_of("sendMessage")[0]
    assert sent["parse_mode"] == "HTML" and sent["chat_id"] == str(CHAT)


@pytest.mark.parametrize(("text", "description"), [
    ("a <br> b", 'can\'t parse entities: Unsupported start tag "br" at byte offset 2'),
    ("<b>жирный", 'can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'),
    ("<b>x</i>", 'can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("x</b>", "can't parse entities: Unexpected end tag at byte offset 1"),
    ('<span class="red">x</span>', 'can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("  \n ", "message text is empty"),
    ("<b></b>", "message text is empty"),
    ("я" * 4097, "message is too long"),
])
async def test_send_message_rejects_what_telegram_rejects(world: TgWorld, text: str, description: str) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await world.bot.send_message(CHAT, text)
    assert caught.value.message == f"Bad Request: {description}"
    assert world.tg.chat_view(CHAT) == []


async def test_limits_count_text_after_entity_parsing(world: TgWorld) -> None:
    msg = await world.bot.send_message(CHAT, "<b>" + "я" * 4096 + "</b>")
    assert len(msg.text) == 4096


async def test_unknown_chat_thread_and_token(world: TgWorld) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await world.bot.send_message(-100777, "x")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message thread not found"):
        await world.bot.send_message(CHAT, "x", message_thread_id=TOPIC)  # not a forum
    with pytest.raises(TelegramBadRequest, match="Bad Request: message thread not found"):
        await world.bot.send_message(FORUM, "x", message_thread_id=TOPIC + 1)
    msg = await world.bot.send_message(FORUM, "в тему", message_thread_id=TOPIC)
    assert msg.message_thread_id == TOPIC and msg.is_topic_message
    assert world.tg.chat_view(FORUM)[0]["thread_id"] == TOPIC
    stranger = world.make_bot("123:WRONG")
    with pytest.raises(TelegramUnauthorizedError):
        await stranger.get_me()
    await stranger.session.close()


@pytest.mark.parametrize(("button", "description"), [
    ({"text": "Удалить", "callback_data": "я" * 33}, "BUTTON_DATA_INVALID"),
    ({"text": "Удалить", "callback_data": ""}, "BUTTON_DATA_INVALID"),
    ({"text": "", "callback_data": "x"}, "BUTTON_TEXT_INVALID"),
    ({"text": "Просто текст"}, "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"),
])
async def test_inline_keyboards_are_validated(world: TgWorld, button: dict, description: str) -> None:
    markup = InlineKeyboardMarkup.model_construct(inline_keyboard=[[InlineKeyboardButton.model_construct(**button)]])
    with pytest.raises(TelegramBadRequest) as caught:
        await world.bot.send_message(CHAT, "Карточка", reply_markup=markup)
    assert caught.value.message == f"Bad Request: {description}"


# ---- editing ----
async def test_edits_follow_telegram_rules(world: TgWorld) -> None:
    msg = await world.bot.send_message(CHAT, "Комментарий", reply_markup=keyboard(("Удалить", "d:1")))
    with pytest.raises(TelegramBadRequest) as caught:
        await world.bot.edit_message_text("Комментарий", chat_id=CHAT, message_id=msg.message_id,
                                          reply_markup=keyboard(("Удалить", "d:1")))
    assert caught.value.message == ("Bad Request: message is not modified: specified new message content and reply "
                                    "markup are exactly the same as a current content and reply markup of the message")
    edited = await world.bot.edit_message_text("Комментарий", chat_id=CHAT, message_id=msg.message_id)
    assert edited.reply_markup is None and edited.edit_date  # no reply_markup in the edit removes the keyboard
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await world.bot.edit_message_reply_markup(chat_id=CHAT, message_id=msg.message_id)
    await world.bot.edit_message_reply_markup(chat_id=CHAT, message_id=msg.message_id,
                                              reply_markup=keyboard(("Вернуть", "r:1")))
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await world.bot.edit_message_text("x", chat_id=CHAT, message_id=999)
    view = world.tg.chat_view(CHAT)[0]
    assert view["edits"] == 2 and view["buttons"] == [[{"text": "Вернуть", "callback_data": "r:1"}]]
    assert await world.bot.delete_message(CHAT, msg.message_id) is True
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to delete not found"):
        await world.bot.delete_message(CHAT, msg.message_id)


async def test_flood_limit_covers_sends_and_edits(world: TgWorld) -> None:
    tg = TelegramEmulator(token=TOKEN, messages_per_minute=3)
    tg.add_chat(CHAT, "Модерация")
    runner, base = await serve(tg.app)
    bot = Bot(TOKEN, session=LocalSession(api=TelegramAPIServer.from_base(base)))
    try:
        msg = await bot.send_message(CHAT, "1")
        await bot.send_message(CHAT, "2")
        await bot.edit_message_text("1 изменено", chat_id=CHAT, message_id=msg.message_id)
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(CHAT, "4")
        assert 1 <= caught.value.retry_after <= 60
        assert f"retry after {caught.value.retry_after}" in caught.value.message
        assert len(tg.chat_view(CHAT)) == 2
    finally:
        await bot.session.close()
        await runner.cleanup()


async def test_fail_next_injects_the_given_error(world: TgWorld) -> None:
    world.tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5)
    with pytest.raises(TelegramRetryAfter) as caught:
        await world.bot.send_message(CHAT, "x")
    assert caught.value.retry_after == 5
    assert (await world.bot.send_message(CHAT, "x")).text == "x"


# ---- people: presses and messages ----
async def test_press_round_trip_through_a_webhook(world: TgWorld) -> None:
    service = await world.start_webhook_service()
    try:
        card = await world.bot.send_message(CHAT, "<b>Карточка</b>", reply_markup=keyboard(("Удалить", "m:del:5")))
        answer = await world.tg.press(chat_id=CHAT, message_id=card.message_id, callback_data="m:del:5",
                                      user_id=MODERATOR)
        assert answer == {"text": "Принято: m:del:5", "show_alert": False}
        cb = world.seen[0]
        assert isinstance(cb.message, Message) and cb.message.message_id == card.message_id  # not Inaccessible
        assert cb.message.reply_markup.inline_keyboard[0][0].callback_data == "m:del:5"
        assert cb.from_user.first_name == "Мария" and cb.chat_instance
        # Like Telegram, data that is on no button is delivered too: the service must not trust it.
        forged = await world.tg.press(chat_id=CHAT, message_id=card.message_id, callback_data="m:ban:5",
                                      user_id=OUTSIDER)
        assert forged == {"text": "Принято: m:ban:5", "show_alert": True}
        query_id = world.seen[0].id
        with pytest.raises(TelegramBadRequest) as caught:
            await world.bot.answer_callback_query(query_id, text="ещё раз")
        assert caught.value.message == ("Bad Request: query is too old and response timeout expired or query ID "
                                        "is invalid")
        info = await world.bot.get_webhook_info()
        assert info.url.endswith("/tg/webhook") and info.allowed_updates == ["callback_query", "message"]
        with pytest.raises(TelegramConflictError):
            await world.bot.get_updates()
    finally:
        await service.cleanup()


async def test_press_times_out_when_the_bot_does_not_answer(world: TgWorld) -> None:
    service = await world.start_webhook_service(answer=False)
    try:
        card = await world.bot.send_message(CHAT, "Карточка", reply_markup=keyboard(("Удалить", "d")))
        with pytest.raises(TimeoutError):
            await world.tg.press(chat_id=CHAT, message_id=card.message_id, callback_data="d", user_id=MODERATOR,
                                 timeout=0.3)
        with pytest.raises(TelegramBadRequest, match="query is too old"):
            await world.bot.answer_callback_query(world.seen[0].id)
        with pytest.raises(LookupError):
            await world.tg.press(chat_id=CHAT, message_id=999, callback_data="d", user_id=MODERATOR)
    finally:
        await service.cleanup()


async def test_answer_text_is_limited_to_200_characters(world: TgWorld) -> None:
    service = await world.start_webhook_service(answer=False)
    try:
        card = await world.bot.send_message(CHAT, "Карточка", reply_markup=keyboard(("Удалить", "d")))
        press = asyncio.create_task(world.tg.press(chat_id=CHAT, message_id=card.message_id, callback_data="d",
                                                   user_id=MODERATOR))
        while not world.seen:
            await asyncio.sleep(0.01)
        with pytest.raises(TelegramBadRequest, match="Bad Request: MESSAGE_TOO_LONG"):
            await world.bot.answer_callback_query(world.seen[0].id, text="я" * 201)
        await world.bot.answer_callback_query(world.seen[0].id, text="я" * 200)
        assert (await press)["text"] == "я" * 200
    finally:
        await service.cleanup()


async def test_polling_gets_presses_and_messages(world: TgWorld) -> None:
    card = await world.bot.send_message(CHAT, "Карточка", reply_markup=keyboard(("Принять", "ok")))
    router = Router()

    @router.callback_query()
    async def on_press(cb: CallbackQuery) -> None:
        await cb.answer("Ок")

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(dp.start_polling(world.bot, handle_signals=False, close_bot_session=False,
                                                   polling_timeout=1))
    try:
        answer = await world.tg.press(chat_id=CHAT, message_id=card.message_id, callback_data="ok",
                                      user_id=MODERATOR)
        assert answer["text"] == "Ок"
    finally:
        await dp.stop_polling()
        await polling
    assert world.tg.calls_of("getUpdates")[0]["allowed_updates"] == '["callback_query"]'


async def test_user_messages_reach_the_bot_with_replies(world: TgWorld) -> None:
    service = await world.start_webhook_service()
    try:
        card = await world.bot.send_message(CHAT, "Карточка")
        sent = await world.tg.send_user_message(chat_id=CHAT, user_id=MODERATOR, text="Ответим жителю",
                                                reply_to_message_id=card.message_id)
        message = world.seen[-1]
        assert message.text == "Ответим жителю" and message.reply_to_message.message_id == card.message_id
        assert world.tg.chat_view(CHAT)[-1]["message_id"] == sent["message_id"]
        with pytest.raises(TelegramBadRequest, match="message can't be edited"):
            await world.bot.edit_message_text("x", chat_id=CHAT, message_id=sent["message_id"])
    finally:
        await service.cleanup()


async def test_webhook_settings_and_chat_members(world: TgWorld) -> None:
    with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
        await world.bot.set_webhook("http://127.0.0.1:1/x", secret_token="with space")
    world.tg.set_member_status(CHAT, MODERATOR, "administrator")
    member = await world.bot.get_chat_member(CHAT, MODERATOR)
    assert member.status == "administrator" and member.can_delete_messages
    assert (await world.bot.get_chat_member(CHAT, OUTSIDER)).status == "member"
    admins = await world.bot.get_chat_administrators(CHAT)
    assert {a.user.id for a in admins} == {123, MODERATOR}
    chat = await world.bot.get_chat(FORUM)
    assert chat.is_forum and chat.title == "Модерация по темам"


# ---- the HTML parser itself (cases from TDLib's test/message_entities.cpp) ----
@pytest.mark.parametrize(("markup", "error"), [
    ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
    ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
    ("&#xDFDF;", "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
                 "surrogate code units"),
])
def test_parse_html_errors(markup: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(markup)
    assert str(caught.value) == error


@pytest.mark.parametrize(("markup", "text", "entities"), [
    ("&ge;&lt;&gt;&amp;&quot;&#12345678;", '&ge;<>&"&#12345678;', []),
    ("🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>", "🏟 🏟🏟 ><🏟", [("italic", 5, 7), ("bold", 9, 3)]),
    ("🏟 🏟&lt;<i>🏟 🏟&lt;</>", "🏟 🏟<🏟 🏟<", [("italic", 6, 6)]),
    ("<a>telegram.org </a>", "telegram.org ", []),
    ('<pre><code class="language-python">x</code></pre>', "x", [("pre", 0, 1)]),
    ("<blockquote expandable>цитата</blockquote>", "цитата", [("expandable_blockquote", 0, 6)]),
])
def test_parse_html_text_and_entities(markup: str, text: str, entities: list) -> None:
    parsed_text, parsed = parse_html(markup)
    assert parsed_text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


def test_render_html_escapes_everything_but_entities() -> None:
    text, entities = parse_html('<b>&lt;script&gt;</b> <a href="https://vk.com/id1?a=1&amp;b=&quot;">Иван</a>')
    html = render_html(text, entities)
    assert html.startswith("<b>&lt;script&gt;</b> <a href=\"https://vk.com/id1?a=1&amp;b=&quot;\"")
    assert "<script>" not in html
