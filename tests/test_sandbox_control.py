"""The sandbox control API and page, mounted under /sandbox next to a tiny stand-in for the service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest_asyncio
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import ClientSession, web

from bot.sandbox.control import SandboxInfo, sandbox_app
from bot.sandbox.telegram_api import TelegramEmulator
from bot.sandbox.vk_api import VkEmulator
from bot.sandbox.vk_callback import CallbackSender

GROUP_ID = 229000001
WORK_CHAT = -1001002003004
SECRET = "callback-secret"
CONFIRMATION = "a1b2c3d4"
BOT_TOKEN = "7000000001:TEST"
MODERATOR, OUTSIDER, CITIZEN = 111111, 700700, 51234567


class LocalSession(AiohttpSession):
    async def close(self) -> None:  # no SSL here: skip aiogram's 250 ms pause
        if self._session is not None and not self._session.closed:
            await self._session.close()


@dataclass
class Sandbox:
    base: str
    http: ClientSession
    vk: VkEmulator
    tg: TelegramEmulator
    bot: Bot
    events: list[dict] = field(default_factory=list)

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(f"{self.base}/sandbox{path}") as resp:
            return resp.status, await resp.json()

    async def post(self, path: str, body: Any) -> tuple[int, Any]:
        async with self.http.post(f"{self.base}/sandbox{path}", json=body) as resp:
            return resp.status, await resp.json()


def build_service(sandbox: Sandbox, app: web.Application) -> None:
    """Stand-in for the service: a VK Callback endpoint and an aiogram webhook answering presses."""

    async def vk_callback(request: web.Request) -> web.Response:
        data = await request.json()
        if data.get("secret") != SECRET:
            return web.Response(status=403, text="forbidden")
        if data["type"] == "confirmation":
            return web.Response(text=CONFIRMATION)
        sandbox.events.append(data)
        return web.Response(text="ok")

    app.router.add_post("/webhooks/vk", vk_callback)
    router = Router()

    @router.callback_query()
    async def on_press(cb: CallbackQuery) -> None:
        if cb.data == "silent":
            return
        await cb.answer("Комментарий удалён")
        await sandbox.bot.edit_message_text(f"Удалено: {cb.from_user.first_name}", chat_id=cb.message.chat.id,
                                            message_id=cb.message.message_id)

    dp = Dispatcher()
    dp.include_router(router)
    SimpleRequestHandler(dispatcher=dp, bot=sandbox.bot, secret_token="wh", handle_in_background=False).register(
        app, path="/tg/webhook")


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    vk = VkEmulator(group_id=GROUP_ID, group_token="g", user_token="u", admin_user_id=100500)
    vk.confirmation_code = CONFIRMATION
    vk.add_user(CITIZEN, "Иван", "Петров")
    vk.add_post("Ремонт дороги на ул. Ленина")
    tg = TelegramEmulator(token=BOT_TOKEN)
    tg.add_chat(WORK_CHAT, "Модерация госпабликов")
    tg.add_user(MODERATOR, "Мария", "Захарова")
    tg.add_user(OUTSIDER, "Случайный", "Участник")
    app = web.Application()
    runner = web.AppRunner(app)
    http = ClientSession()
    # The port is known only after start: URLs that contain it are filled in below.
    bot = Bot(BOT_TOKEN, session=LocalSession(api=TelegramAPIServer.from_base("http://127.0.0.1:1")))
    sb = Sandbox(base="", http=http, vk=vk, tg=tg, bot=bot)
    sender = CallbackSender(url="", group_id=GROUP_ID, secret=SECRET, retry_delays=(0.05,))
    info = SandboxInfo(group_id=GROUP_ID, callback_url="", secret=SECRET, confirmation=CONFIRMATION,
                       work_chat_id=WORK_CHAT, staff=[{"user_id": MODERATOR, "name": "Мария Захарова",
                                                       "role": "moderator"}], outsider_user_id=OUTSIDER)
    app.add_subapp("/emulators/vk", vk.app)
    app.add_subapp("/emulators/telegram", tg.app)
    app.add_subapp("/sandbox", sandbox_app(vk=vk, sender=sender, telegram=tg, info=info, press_timeout=0.5))
    build_service(sb, app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sb.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    sender.url = info.callback_url = f"{sb.base}/webhooks/vk"
    bot.session.api = TelegramAPIServer.from_base(f"{sb.base}/emulators/telegram")
    await sb.bot.set_webhook(f"{sb.base}/tg/webhook", secret_token="wh")
    yield sb
    await sender.close()
    await sb.bot.session.close()
    await http.close()
    await runner.cleanup()


async def test_page_and_state(sandbox: Sandbox) -> None:
    async with sandbox.http.get(f"{sandbox.base}/sandbox/") as resp:
        page = await resp.text()
    head = page.split("<script>")[0].split("</style>")[0].replace("xmlns='http://www.w3.org/2000/svg'", "")
    assert resp.status == 200 and "Песочница" in page and "http" not in head, "the page loads nothing from outside"
    status, state = await sandbox.get("/api/state")
    assert status == 200
    assert state["vk"] == {**state["vk"], "group_id": GROUP_ID, "secret": SECRET, "confirmation": CONFIRMATION,
                           "callback_url": f"{sandbox.base}/webhooks/vk"}
    assert state["telegram"]["work_chat_id"] == WORK_CHAT and state["telegram"]["outsider_user_id"] == OUTSIDER
    assert state["telegram"]["staff"][0] == {"user_id": MODERATOR, "name": "Мария Захарова", "role": "moderator"}


async def test_event_is_completed_recorded_and_delivered(sandbox: Sandbox) -> None:
    status, result = await sandbox.post("/api/vk/event", {"type": "wall_reply_new",
                                                          "object": {"from_id": CITIZEN, "text": "Когда ремонт?"}})
    assert status == 200 and (result["status"], result["body"]) == (200, "ok")
    obj = result["object"]
    post_id = sandbox.vk.snapshot()["posts"][0]["id"]
    assert obj["owner_id"] == -GROUP_ID and obj["post_id"] == post_id and obj["id"] > post_id and obj["date"] > 0
    assert obj["parents_stack"] == [] and "thread" in obj
    event = sandbox.events[0]
    assert event["type"] == "wall_reply_new" and event["event_id"] == result["event_id"]
    assert event["object"] == obj and event["group_id"] == GROUP_ID

    _, reply = await sandbox.post("/api/vk/event", {"type": "wall_reply_new", "object": {
        "from_id": CITIZEN, "text": "Ответ", "reply_to_comment": obj["id"]}})
    assert reply["object"]["parents_stack"] == [obj["id"]] and reply["object"]["reply_to_user"] == CITIZEN

    _, deleted = await sandbox.post("/api/vk/event", {"type": "wall_reply_delete", "object": {"id": obj["id"]}})
    assert deleted["object"] == {"id": obj["id"], "owner_id": -GROUP_ID, "post_id": post_id, "user_id": CITIZEN,
                                 "deleter_id": CITIZEN}
    _, wall = await sandbox.get("/api/vk/wall")
    comments = wall["posts"][0]["comments"]
    assert [c["state"] for c in comments] == ["deleted", "present"]
    assert wall["names"][str(CITIZEN)] == "Иван Петров"


async def test_message_new_is_wrapped_like_vk_5_103(sandbox: Sandbox) -> None:
    _, result = await sandbox.post("/api/vk/event", {"type": "message_new", "object": {
        "message": {"from_id": CITIZEN, "text": "Не вывозят мусор"}}})
    message = result["object"]["message"]
    assert message["peer_id"] == CITIZEN and message["id"] > 0 and "client_info" in result["object"]
    assert sandbox.vk.snapshot()["messages"][0]["text"] == "Не вывозят мусор"
    api = f"{sandbox.base}/emulators/vk/method/messages.send"
    form = {"access_token": "g", "v": "5.199", "peer_id": str(CITIZEN), "random_id": "7", "message": "Передали"}
    async with sandbox.http.post(api, data=form) as resp:  # the citizen wrote first: the community may answer
        assert (await resp.json())["response"] > message["id"]


async def test_bad_event_requests_get_400(sandbox: Sandbox) -> None:
    for body in ([], {"type": "wall_reply_new"}, {"type": "", "object": {}},
                 {"type": "wall_reply_new", "object": {"text": "без автора"}},
                 {"type": "wall_reply_edit", "object": {"id": 424242, "text": "нет такого"}}):
        status, answer = await sandbox.post("/api/vk/event", body)
        assert status == 400 and answer["error"]
    assert sandbox.events == []


async def test_press_round_trip_and_errors(sandbox: Sandbox) -> None:
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Удалить", callback_data="del:1")]])
    card = await sandbox.bot.send_message(WORK_CHAT, "Новый комментарий", reply_markup=markup)
    status, chat = await sandbox.get("/api/telegram/chat")
    assert status == 200 and chat[0]["buttons"][0][0]["callback_data"] == "del:1"
    status, result = await sandbox.post("/api/telegram/press", {"message_id": card.message_id,
                                                                "callback_data": "del:1", "user_id": MODERATOR})
    assert status == 200 and result == {"answer": {"text": "Комментарий удалён", "show_alert": False}}
    for _ in range(100):  # the card edit happens right after the answer
        _, chat = await sandbox.get("/api/telegram/chat")
        if chat[0]["edits"]:
            break
        await asyncio.sleep(0.01)
    assert chat[0]["text"] == "Удалено: Мария" and chat[0]["buttons"] == []
    status, error = await sandbox.post("/api/telegram/press", {"message_id": card.message_id,
                                                               "callback_data": "silent", "user_id": MODERATOR})
    assert status == 504 and error["error"]
    status, error = await sandbox.post("/api/telegram/press", {"message_id": 999, "callback_data": "x",
                                                               "user_id": MODERATOR})
    assert status == 400 and error["error"]
    status, error = await sandbox.post("/api/telegram/press", {"message_id": card.message_id, "user_id": MODERATOR})
    assert status == 400


async def test_logs_and_confirmation(sandbox: Sandbox) -> None:
    api = f"{sandbox.base}/emulators/vk/method/users.get"
    async with sandbox.http.post(api, data={"access_token": "g", "v": "5.199", "user_ids": str(CITIZEN)}) as resp:
        assert (await resp.json())["response"][0]["first_name"] == "Иван"
    status, calls = await sandbox.get("/api/vk/calls")
    assert status == 200 and calls[0]["method"] == "users.get" and calls[0]["token"] == "group"
    _, later = await sandbox.get("/api/vk/calls?since=1")
    assert later == []
    status, confirmed = await sandbox.post("/api/vk/confirm", {})
    assert confirmed["confirmed"] is True and confirmed["body"] == CONFIRMATION
    _, deliveries = await sandbox.get("/api/vk/deliveries")
    assert deliveries[-1]["type"] == "confirmation"
