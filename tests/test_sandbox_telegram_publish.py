"""The Telegram emulator's publishing side, driven by a real aiogram 3 Bot: channels, private chats, files."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberLeft,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    InputPollOption,
    Message,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.sandbox.telegram_api import TelegramEmulator
from bot.sandbox.telegram_files import make_png

TOKEN = "123:ABC"
WORK_CHAT = -1001234567890
CHANNEL = -1001111111111
CLOSED_CHANNEL = -1002222222222
STAFF = 555
STRANGER = 777
SECRET = "publish-Secret_1"
PNG = make_png(640, 480, (10, 120, 200))
PNG2 = make_png(300, 200, (250, 200, 0))


class LocalSession(AiohttpSession):
    """aiogram's session without the 250 ms pause on close, which only matters for SSL connections."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in buttons]])


def upload(data: bytes = PNG, name: str = "photo.png") -> BufferedInputFile:
    return BufferedInputFile(data, filename=name)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@dataclass
class World:
    tg: TelegramEmulator
    base: str
    bot: Bot
    seen: list[Any] = field(default_factory=list)
    runners: list[web.AppRunner] = field(default_factory=list)

    async def start_service(self) -> None:
        """A tiny aiogram webhook app: records messages, answers presses."""
        router = Router()

        @router.callback_query()
        async def on_press(cb: CallbackQuery) -> None:
            self.seen.append(cb)
            await cb.answer(f"Принято: {cb.data}")

        @router.message(F.chat.type == "private")
        async def on_message(message: Message) -> None:
            self.seen.append(message)

        dp = Dispatcher()
        dp.include_router(router)
        app = web.Application()
        SimpleRequestHandler(dispatcher=dp, bot=self.bot, secret_token=SECRET,
                             handle_in_background=False).register(app, path="/tg")
        runner, base = await serve(app)
        self.runners.append(runner)
        await self.bot.set_webhook(f"{base}/tg", secret_token=SECRET, allowed_updates=["callback_query", "message"])


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    tg = TelegramEmulator(token=TOKEN, messages_per_minute=1000)
    tg.add_chat(WORK_CHAT, "Модерация госпабликов")
    tg.add_channel(CHANNEL, "Администрация района", username="adm_rayon")
    tg.add_channel(CLOSED_CHANNEL, "Закрытый канал", bot_rights=None)
    tg.add_user(STAFF, "Ольга", "Котова", "olga_k")
    tg.add_user(STRANGER, "Пётр", "Иванов")
    runner, base = await serve(tg.app)
    bot = Bot(TOKEN, session=LocalSession(api=TelegramAPIServer.from_base(base)),
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    w = World(tg=tg, base=base, bot=bot)
    yield w
    await bot.session.close()
    for service in w.runners:
        await service.cleanup()
    await runner.cleanup()


async def refused(call: Any, kind: type[Exception] = TelegramBadRequest) -> str:
    with pytest.raises(kind) as caught:
        await call
    return str(caught.value.message)  # type: ignore[attr-defined]


# ---- channels ----
async def test_publishing_text_photos_album_and_poll(world: World) -> None:
    bot, tg = world.bot, world.tg
    text = await bot.send_message(CHANNEL, "<b>С 12 января</b> меняется расписание", disable_notification=True)
    assert text.message_id == 2  # message 1 of a channel is "channel created"
    assert text.chat.type == "channel" and text.sender_chat.id == CHANNEL and text.from_user is None
    photo = await bot.send_photo(CHANNEL, upload(), caption="Новая <i>остановка</i>")
    assert [(p.width, p.height) for p in photo.photo] == [(90, 68), (320, 240), (640, 480)]
    assert photo.caption == "Новая остановка" and photo.caption_entities[0].type == "italic"
    again = await bot.send_photo(CHANNEL, photo.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == photo.photo[-1].file_unique_id and again.caption is None
    album = await bot.send_media_group(CHANNEL, [
        InputMediaPhoto(media=upload(make_png(100 + i, 100)), caption="Фотоотчёт" if i == 0 else None)
        for i in range(3)
    ])
    assert len(album) == 3 and len({m.media_group_id for m in album}) == 1 and album[0].media_group_id
    assert album[0].caption == "Фотоотчёт" and album[1].caption is None
    poll = await bot.send_poll(CHANNEL, "Удобно новое расписание?", ["Да", InputPollOption(text="Нет")])
    assert poll.poll.is_anonymous and poll.poll.allows_revoting and not poll.poll.members_only
    assert [o.text for o in poll.poll.options] == ["Да", "Нет"]
    view = tg.channel_view(CHANNEL)
    assert [(v["message_id"], v["photos"], v["deleted"]) for v in view] == [
        (2, 0, False), (3, 1, False), (4, 1, False), (5, 1, False), (6, 1, False), (7, 1, False), (8, 0, False)]
    assert view[0]["text"] == "С 12 января меняется расписание" and view[0]["html"].startswith("<b>С 12")
    assert view[1]["caption"] == "Новая остановка" and view[3]["media_group_id"] == album[0].media_group_id
    assert view[6]["poll"] == {"question": "Удобно новое расписание?", "options": ["Да", "Нет"]}
    assert all(v["date"] > 0 for v in view)


async def test_channel_chat_and_the_bots_rights(world: World) -> None:
    bot, tg = world.bot, world.tg
    chat = await bot.get_chat("@adm_rayon")
    assert isinstance(chat, ChatFullInfo) and chat.id == CHANNEL and chat.type == "channel"
    me = await bot.get_chat_member(CHANNEL, bot.id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_post_messages and me.can_delete_messages
    tg.set_bot_rights(CHANNEL, None)
    assert isinstance(await bot.get_chat_member(CHANNEL, bot.id), ChatMemberLeft)  # a public channel still answers
    assert await refused(bot.send_message(CHANNEL, "x"), TelegramForbiddenError) == (
        "Forbidden: bot is not a member of the channel chat")
    assert await refused(bot.get_chat(CLOSED_CHANNEL), TelegramForbiddenError) == (
        "Forbidden: bot is not a member of the channel chat")  # a private channel hides even getChat
    tg.set_bot_rights(CHANNEL, {"can_edit_messages": True})
    assert await refused(bot.send_photo(CHANNEL, upload())) == (
        "Bad Request: need administrator rights in the channel chat")
    assert tg.channel_view(CHANNEL) == []


@pytest.mark.parametrize(("kwargs", "description"), [
    ({"caption": "я" * 1025}, "message caption is too long"),
    ({"photo": "attach://nothing"}, "there is no photo in the request"),
    ({"photo": upload(b"GIF8-not-an-image")}, "IMAGE_PROCESS_FAILED"),
    ({"photo": upload(b"%PDF-1.7 not a picture")}, "IMAGE_PROCESS_FAILED"),
    ({"photo": upload(make_png(4000, 100))}, "PHOTO_INVALID_DIMENSIONS"),
    ({"photo": "AgACAgIAAxkBAAIunknown"}, "wrong file identifier/HTTP URL specified"),
    ({"photo": upload(b"")}, "file must be non-empty"),
])
async def test_send_photo_refusals(world: World, kwargs: dict, description: str) -> None:
    call = {"photo": upload(), **kwargs}
    assert await refused(world.bot.send_photo(CHANNEL, **call)) == f"Bad Request: {description}"
    assert world.tg.channel_view(CHANNEL) == []


async def test_caption_limit_counts_after_entity_parsing(world: World) -> None:
    msg = await world.bot.send_photo(CHANNEL, upload(), caption="<b>" + "я" * 1024 + "</b>")
    assert len(msg.caption) == 1024


async def test_album_sizes(world: World) -> None:
    bot = world.bot
    assert await refused(bot.send_media_group(CHANNEL, [])) == "Bad Request: there are no messages to send"
    eleven = [InputMediaPhoto(media=upload()) for _ in range(11)]
    assert await refused(bot.send_media_group(CHANNEL, eleven)) == (
        "Bad Request: too many messages to send as an album")
    long_caption = [InputMediaPhoto(media=upload(), caption="я" * 1025), InputMediaPhoto(media=upload())]
    assert await refused(bot.send_media_group(CHANNEL, long_caption)) == "Bad Request: message caption is too long"
    bad_html = [InputMediaPhoto(media=upload(), caption="<b>жирный"), InputMediaPhoto(media=upload())]
    assert await refused(bot.send_media_group(CHANNEL, bad_html)) == (
        "Bad Request: can't parse InputMedia: Can't parse entities: "
        'Can\'t find end tag corresponding to start tag "b"')
    assert world.tg.channel_view(CHANNEL) == []
    single = await bot.send_media_group(CHANNEL, [InputMediaPhoto(media=upload())])  # Telegram sends a plain photo
    assert len(single) == 1 and single[0].media_group_id is None


@pytest.mark.parametrize(("kwargs", "description"), [
    ({"is_anonymous": False}, "non-anonymous polls can't be sent to channel chats"),
    ({"options": []}, "poll must have at least one answer option"),
    ({"options": [str(i) for i in range(13)]}, "poll can't have more than 12 options"),
    ({"question": "я" * 301}, "poll question length must not exceed 300"),
    ({"options": ["Да", "я" * 101]}, "poll options length must not exceed 100"),
    ({"question": "  "}, "text must be non-empty"),
    # InputPollOption's text_parse_mode defaults to the bot's HTML, so "<" must be escaped as in any text.
    ({"options": [InputPollOption(text="a < b"), "Нет"]},
     'can\'t parse entities: Unsupported start tag "" at byte offset 2'),
])
async def test_poll_refusals(world: World, kwargs: dict, description: str) -> None:
    call = {"question": "Вопрос", "options": ["Да", "Нет"], **kwargs}
    assert await refused(world.bot.send_poll(CHANNEL, **call)) == f"Bad Request: {description}"
    twelve = await world.bot.send_poll(CHANNEL, "Вопрос", [str(i) for i in range(12)])
    assert len(twelve.poll.options) == 12


async def test_edit_and_delete_posts(world: World) -> None:
    bot, tg = world.bot, world.tg
    post = await bot.send_message(CHANNEL, "Черновик")
    photo = await bot.send_photo(CHANNEL, upload(), caption="Подпись")
    assert (await bot.edit_message_text("Исправлено", chat_id=CHANNEL, message_id=post.message_id)).text == "Исправлено"
    edited = await bot.edit_message_caption(chat_id=CHANNEL, message_id=photo.message_id, caption="<b>Новая</b>")
    assert edited.caption == "Новая" and edited.edit_date
    assert await refused(bot.edit_message_caption(chat_id=CHANNEL, message_id=post.message_id, caption="x")) == (
        "Bad Request: there is no caption in the message to edit")
    assert await refused(bot.edit_message_text("x", chat_id=CHANNEL, message_id=photo.message_id)) == (
        "Bad Request: there is no text in the message to edit")
    # Edits are length-checked by Telegram's server, not by TDLib, hence the server's own words.
    assert await refused(bot.edit_message_text("я" * 4097, chat_id=CHANNEL, message_id=post.message_id)) == (
        "Bad Request: MESSAGE_TOO_LONG")
    assert await refused(bot.edit_message_caption(chat_id=CHANNEL, message_id=photo.message_id,
                                                  caption="я" * 1025)) == "Bad Request: MEDIA_CAPTION_TOO_LONG"
    tg.backdate(CHANNEL, post.message_id, 48 * 3600 + 60)
    assert await refused(bot.delete_message(CHANNEL, post.message_id)) == "Bad Request: message can't be deleted"
    assert await bot.delete_message(CHANNEL, photo.message_id) is True
    assert [v["deleted"] for v in tg.channel_view(CHANNEL)] == [False, True]
    tg.set_bot_rights(CHANNEL, {"can_post_messages": True})  # its own posts stay editable and deletable
    own = await bot.send_message(CHANNEL, "Своё")
    await bot.edit_message_text("Своё, исправлено", chat_id=CHANNEL, message_id=own.message_id)
    tg.set_bot_rights(CHANNEL, {"can_invite_users": True})
    assert await refused(bot.edit_message_text("x", chat_id=CHANNEL, message_id=own.message_id)) == (
        "Bad Request: message can't be edited")
    assert await refused(bot.delete_message(CHANNEL, own.message_id)) == "Bad Request: message can't be deleted"


async def test_channels_share_the_group_flood_limit() -> None:
    tg = TelegramEmulator(token=TOKEN, messages_per_minute=2)
    tg.add_channel(CHANNEL, "Канал")
    tg.add_user(STAFF, "Ольга")
    runner, base = await serve(tg.app)
    bot = Bot(TOKEN, session=LocalSession(api=TelegramAPIServer.from_base(base)))
    try:
        await bot.send_message(CHANNEL, "1")
        await bot.send_poll(CHANNEL, "2?", ["да", "нет"])
        with pytest.raises(TelegramRetryAfter):
            await bot.send_photo(CHANNEL, upload())
        await tg.send_private(STAFF, text="привет")
        for i in range(5):  # private chats are not held to the group limit
            await bot.send_message(STAFF, f"ответ {i}")
    finally:
        await bot.session.close()
        await runner.cleanup()


# ---- private chats ----
async def test_private_draft_round_trip(world: World) -> None:
    bot, tg = world.bot, world.tg
    assert await refused(bot.send_message(STAFF, "Здравствуйте"), TelegramForbiddenError) == (
        "Forbidden: bot can't initiate conversation with a user")
    assert await refused(bot.send_message(424242, "x")) == "Bad Request: chat not found"
    await world.start_service()
    await tg.send_private(STAFF, text="/start")
    sent = await tg.send_private(STAFF, photos=[PNG, PNG2], caption="Черновик поста")
    first, second = world.seen[1], world.seen[2]
    assert world.seen[0].text == "/start" and world.seen[0].entities[0].type == "bot_command"
    assert first.chat.type == "private" and first.chat.id == STAFF and first.from_user.username == "olga_k"
    assert first.media_group_id and first.media_group_id == second.media_group_id
    assert first.caption == "Черновик поста" and second.caption is None
    assert first.photo[-1].width == 640 and first.photo[-1].file_size == len(PNG)
    assert [m["message_id"] for m in sent] == [first.message_id, second.message_id]

    card = await bot.send_message(STAFF, "Опубликовать черновик?", reply_markup=keyboard(("Да", "pub:1")))
    answer = await tg.press_private(STAFF, card.message_id, "pub:1")
    assert answer == {"text": "Принято: pub:1", "show_alert": False}
    press = world.seen[-1]
    assert isinstance(press, CallbackQuery) and press.message.chat.id == STAFF and press.data == "pub:1"

    downloaded = await bot.download(first.photo[-1].file_id)
    assert isinstance(downloaded, io.BytesIO) and downloaded.getvalue() == PNG
    file = await bot.get_file(second.photo[-1].file_id)
    assert (await bot.download_file(file.file_path)).getvalue() == PNG2  # type: ignore[union-attr]

    published = await bot.send_media_group(CHANNEL, [
        InputMediaPhoto(media=m.photo[-1].file_id, caption=m.caption) for m in (first, second)])
    assert published[0].photo[-1].file_unique_id == first.photo[-1].file_unique_id
    copied = await bot.copy_message(CHANNEL, STAFF, first.message_id, caption="Итоговая подпись")
    assert tg.channel_view(CHANNEL)[-1]["message_id"] == copied.message_id
    assert tg.channel_view(CHANNEL)[-1]["caption"] == "Итоговая подпись"

    view = tg.private_view(STAFF)
    assert [(v["from"], v["photos"]) for v in view] == [("user", 0), ("user", 1), ("user", 1), ("bot", 0)]
    assert view[1]["caption"] == "Черновик поста" and view[1]["media_group_id"] == view[2]["media_group_id"]
    assert view[3]["buttons"] == [[{"text": "Да", "callback_data": "pub:1"}]]


async def test_blocked_bot_and_updates_by_polling(world: World) -> None:
    bot, tg = world.bot, world.tg
    await tg.send_private(STAFF, photos=[PNG])
    updates = await bot.get_updates(allowed_updates=["message"])
    assert updates[0].message.photo[-1].height == 480 and updates[0].message.media_group_id is None
    tg.block_bot(STAFF)
    assert await refused(bot.send_message(STAFF, "x"), TelegramForbiddenError) == (
        "Forbidden: bot was blocked by the user")
    assert await refused(bot.send_photo(STAFF, upload()), TelegramForbiddenError) == (
        "Forbidden: bot was blocked by the user")
    await tg.send_private(STAFF, text="Я снова здесь")  # writing again unblocks
    assert (await bot.send_message(STAFF, "С возвращением")).chat.type == "private"
    kinds = [next(k for k in ("message", "my_chat_member") if getattr(u, k)) for u in await bot.get_updates()]
    assert kinds == ["message", "message"]  # my_chat_member was not among allowed_updates
    old = await bot.send_message(STAFF, "Старое")
    tg.backdate(STAFF, old.message_id, 49 * 3600)
    assert await refused(bot.delete_message(STAFF, old.message_id)) == (
        "Bad Request: message can't be deleted for everyone")


async def test_files_and_downloads(world: World) -> None:
    photo = (await world.tg.send_private(STAFF, photos=[PNG]))[0]["photo"]
    assert await refused(world.bot.get_file("AgACunknown")) == "Bad Request: invalid file_id"
    file = await world.bot.get_file(photo[0]["file_id"])
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{world.base}/file/bot{TOKEN}/{file.file_path}") as resp:
            assert resp.status == 200 and await resp.read() == PNG
        async with http.get(f"{world.base}/file/bot{TOKEN}/photos/nothing.jpg") as resp:
            assert resp.status == 404
        async with http.get(f"{world.base}/file/bot123:WRONG/{file.file_path}") as resp:
            assert resp.status == 401


async def test_work_chat_deletes_follow_supergroup_rules(world: World) -> None:
    card = await world.bot.send_message(WORK_CHAT, "Карточка")
    world.tg.backdate(WORK_CHAT, card.message_id, 48 * 3600)
    assert await refused(world.bot.delete_message(WORK_CHAT, card.message_id)) == (
        "Bad Request: message can't be deleted")
    photo = await world.bot.send_photo(WORK_CHAT, upload(), caption="Фото в рабочем чате")
    assert world.tg.chat_view(WORK_CHAT)[-1]["message_id"] == photo.message_id
