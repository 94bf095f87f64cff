"""Injected faults and the real situations around them, in the standalone sandbox (`bot.sandbox.serve`), through the
real clients: vkbottle's `API`, our OK client and aiogram's `Bot`; pushes land in a small recorder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramMigrateToChat, TelegramRetryAfter, TelegramServerError
from aiohttp import ClientSession, web
from vkbottle import API, VKAPIError
from vkbottle.http import AiohttpClient

from bot.cli import parse_config
from bot.platform import PlatformError
from bot.sandbox.serve import Sandbox, new_world, service_files
from bot.sandbox.vk_events import delete_object
from bot.sandbox.vk_state import Comment
from platforms.ok.client import OkClient

CITIZEN = 51234567
STAFF = 111111
BASIC_GROUP = -4001234567
SUPERGROUP = -1009876500000


class LocalSession(AiohttpSession):
    async def close(self) -> None:  # no SSL to wind down
        if self._session is not None and not self._session.closed:
            await self._session.close()


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@dataclass
class World:
    sandbox: Sandbox
    base: str
    http: ClientSession
    bot: Bot
    vk_group: API
    vk_user: API
    ok: OkClient
    pushed: list[dict[str, Any]] = field(default_factory=list)  # what VK's Callback server posted to the service

    async def control(self, verb: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(verb, f"{self.base}/sandbox{path}", json=body) as response:
            return response.status, await response.json()

    async def pushed_of(self, event_type: str) -> dict[str, Any]:
        for _ in range(200):
            for payload in self.pushed:
                if payload["type"] == event_type:
                    return payload
            await asyncio.sleep(0.02)
        raise AssertionError(f"VK never posted {event_type}; posted: {[p['type'] for p in self.pushed]}")


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    pushed: list[dict[str, Any]] = []

    async def record(request: web.Request) -> web.Response:
        pushed.append(await request.json())
        return web.Response(text="ok")

    service = web.Application()
    service.router.add_post("/webhooks/vk/{group}", record)
    service_runner, service_url = await serve(service)
    data = new_world(messages_per_minute=1000)
    sandbox = Sandbox(data, service_url, vk_retry_delays=(0.1,), press_timeout=1)
    sandbox.vk.enforce_rate_limits = False
    runner, base = await serve(sandbox.app())
    http = ClientSession()

    def vk_api(token: str) -> API:
        api = API(token, http_client=AiohttpClient(session=http))
        api.API_URL = f"{base}/emulators/vk/method/"
        return api

    bot = Bot(data["telegram"]["bot_token"], session=LocalSession(api=TelegramAPIServer.from_base(
        f"{base}/emulators/telegram")))
    ok = OkClient(api_url=f"{base}/emulators/ok/", application_key=data["ok"]["application_key"],
                  application_secret=data["ok"]["application_secret"], requests_per_second=100)
    yield World(sandbox, base, http, bot, vk_api(data["vk"]["group_token"]), vk_api(data["vk"]["user_token"]), ok,
                pushed)
    await ok.close()
    await bot.session.close()
    await http.close()
    await runner.cleanup()
    await service_runner.cleanup()


def work_chat(world: World) -> int:
    return world.sandbox.world["telegram"]["work_chat_id"]


# ---- the fault route ----
@pytest.mark.parametrize(("body", "fragment"), [
    ({"service": "max", "method": "*", "status": 500, "times": 1}, "telegram, vk или ok"),
    ({"service": "vk", "method": "", "status": 200, "error_code": 6, "times": 1}, "Поле method"),
    ({"service": "vk", "method": "users.get", "status": 200, "times": 1}, "error_code"),
    ({"service": "vk", "method": "users.get", "status": 502, "error_code": 10, "times": 1}, "HTML"),
    ({"service": "vk", "method": "users.get", "status": 200, "error_code": 6}, "ровно одно"),
    ({"service": "vk", "method": "users.get", "status": 200, "error_code": 6, "times": 2, "for_seconds": 1},
     "ровно одно"),
    ({"service": "telegram", "method": "sendMessage", "status": 200, "times": 1}, "от 400 до 599"),
    ({"service": "telegram", "method": "sendMessage", "status": 429, "parameters": {"retry_after": 0},
      "times": 1}, "retry_after"),
    ({"service": "ok", "method": "*", "status": 200, "error_code": 2, "parameters": {"retry_after": 1},
      "times": 1}, "только у ошибок Telegram"),
    ({"service": "telegram", "method": "*", "status": True, "times": 1}, "Поле status"),
    ({"service": "telegram", "method": "*", "status": 500, "for_seconds": -1}, "for_seconds"),
])
async def test_bad_faults_are_refused_in_russian(world: World, body: dict, fragment: str) -> None:
    status, answer = await world.control("POST", "/api/faults", body)
    assert status == 400 and fragment in answer["error"], answer
    assert (await world.control("GET", "/api/faults"))[1] == {"faults": []}


async def test_faults_are_listed_counted_and_cleared(world: World) -> None:
    status, added = await world.control("POST", "/api/faults", {"service": "vk", "method": "users.get",
                                                                "status": 200, "error_code": 10, "times": 2})
    assert status == 200 and added["fault"]["times_left"] == 2
    await world.control("POST", "/api/faults", {"service": "telegram", "method": "*", "status": 502,
                                                "for_seconds": 60})
    with pytest.raises(VKAPIError[10]) as caught:
        await world.vk_group.users.get(user_ids=[CITIZEN])
    assert caught.value.error_msg == "Internal server error"
    _, listing = await world.control("GET", "/api/faults")
    assert [(f["service"], f["hits"]) for f in listing["faults"]] == [("telegram", 0), ("vk", 1)]
    assert 59 < listing["faults"][0]["seconds_left"] <= 60
    assert (await world.control("DELETE", "/api/faults?service=vk"))[1] == {"ok": True, "cleared": 1}
    assert (await world.vk_group.users.get(user_ids=[CITIZEN]))[0].first_name == "Иван"
    assert (await world.control("DELETE", "/api/faults"))[1] == {"ok": True, "cleared": 1}
    assert (await world.bot.get_me()).is_bot


async def test_vk_front_end_failure_is_an_html_page(world: World) -> None:
    await world.control("POST", "/api/faults", {"service": "vk", "method": "*", "status": 502, "times": 1})
    form = {"access_token": world.sandbox.world["vk"]["group_token"], "v": "5.199", "user_ids": str(CITIZEN)}
    async with world.http.post(f"{world.base}/emulators/vk/method/users.get", data=form) as response:
        assert response.status == 502 and response.content_type == "text/html"
        assert "502 Bad Gateway" in await response.text()
    assert world.sandbox.vk.calls[-1]["error"] == {"http_status": 502}
    assert (await world.vk_group.users.get(user_ids=[CITIZEN]))[0].id == CITIZEN  # one call only


async def test_ok_errors_come_in_oks_own_shape(world: World) -> None:
    token = world.sandbox.world["ok"]["access_token"]
    await world.control("POST", "/api/faults", {"service": "ok", "method": "group.getInfo", "status": 200,
                                                "error_code": 2, "times": 1})
    params = {"uids": world.sandbox.world["ok"]["group_id"]}
    with pytest.raises(PlatformError) as caught:
        await world.ok.rest(token, "group.getInfo", params)
    assert caught.value.code == 2 and caught.value.transient
    assert world.sandbox.ok is not None and world.sandbox.ok.calls[-1]["error"]["error_msg"] == \
        "SERVICE : Service temporary unavailable"
    assert (await world.ok.rest(token, "group.getInfo", params))[0]["uid"] == str(params["uids"])
    await world.control("POST", "/api/faults", {"service": "ok", "method": "*", "status": 503, "times": 1})
    with pytest.raises(PlatformError, match="не в формате JSON"):
        await world.ok.rest(token, "group.getInfo", params)


async def test_telegram_storms_in_telegrams_shape(world: World) -> None:
    await world.control("POST", "/api/faults", {"service": "telegram", "method": "sendMessage", "status": 429,
                                                "parameters": {"retry_after": 7}, "times": 1})
    with pytest.raises(TelegramRetryAfter) as caught:
        await world.bot.send_message(work_chat(world), "Карточка")
    assert caught.value.retry_after == 7 and "retry after 7" in caught.value.message
    await world.control("POST", "/api/faults", {"service": "telegram", "method": "*", "status": 502,
                                                "for_seconds": 0.3})
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await world.bot.send_message(work_chat(world), "Карточка")
    await asyncio.sleep(0.35)
    assert (await world.bot.send_message(work_chat(world), "Карточка")).message_id == 1
    log = world.sandbox.telegram.call_log
    assert [(c["status"], c.get("injected", False)) for c in log] == [(429, True), (502, True), (200, False)]
    assert log[0]["retry_after"] == 7 and log[0]["chat_id"] == str(work_chat(world))


# ---- Telegram: kicked, and the group that became a supergroup ----
async def test_a_kicked_bot_cannot_write_and_is_told(world: World) -> None:
    chat = work_chat(world)
    card = await world.bot.send_message(chat, "Карточка")
    status, answer = await world.control("POST", "/api/telegram/bot-status", {"status": "kicked", "by": STAFF})
    assert status == 200 and answer["member"] == {"status": "kicked", "user": world.sandbox.telegram.bot_user,
                                                  "until_date": 0}
    for attempt in (world.bot.send_message(chat, "Ещё"), world.bot.edit_message_text("Правка", chat_id=chat,
                                                                                       message_id=card.message_id)):
        with pytest.raises(TelegramForbiddenError, match="bot was kicked from the supergroup chat"):
            await attempt
    assert (await world.control("POST", "/api/telegram/bot-status", {"status": "banned"}))[0] == 400
    world.sandbox.telegram.set_member_status(chat, world.sandbox.telegram.bot_user["id"], "administrator")
    assert (await world.bot.send_message(chat, "Снова на месте")).text == "Снова на месте"
    updates = []
    for _ in range(50):
        updates = [u for u in await world.bot.get_updates() if u.my_chat_member]
        if len(updates) == 2:
            break
        await asyncio.sleep(0.02)
    kicked, back = (u.my_chat_member for u in updates)
    assert kicked.chat.id == chat and kicked.from_user.id == STAFF
    assert (kicked.old_chat_member.status, kicked.new_chat_member.status) == ("administrator", "kicked")
    assert (back.old_chat_member.status, back.new_chat_member.status) == ("kicked", "administrator")
    assert back.new_chat_member.can_delete_messages


async def test_an_upgraded_group_points_to_its_supergroup(world: World) -> None:
    tg = world.sandbox.telegram
    tg.add_chat(BASIC_GROUP, "Модерация (группа)", kind="group")
    assert (await world.bot.send_message(BASIC_GROUP, "До")).chat.type == "group"
    status, _ = await world.control("POST", "/api/telegram/migrate", {"chat_id": BASIC_GROUP, "new_chat_id": -5})
    assert status == 400
    assert (await world.control("POST", "/api/telegram/migrate", {"chat_id": BASIC_GROUP,
                                                                  "new_chat_id": SUPERGROUP}))[0] == 200
    with pytest.raises(TelegramMigrateToChat) as caught:
        await world.bot.send_message(BASIC_GROUP, "После")
    assert caught.value.migrate_to_chat_id == SUPERGROUP
    assert "group chat was upgraded to a supergroup chat" in caught.value.message
    moved = await world.bot.send_message(SUPERGROUP, "После")
    assert moved.chat.type == "supergroup" and moved.message_id == 2  # the service message came first
    updates = []
    for _ in range(50):
        updates = [u.message for u in await world.bot.get_updates() if u.message]
        if len(updates) == 2:
            break
        await asyncio.sleep(0.02)
    assert [(m.chat.id, m.migrate_to_chat_id, m.migrate_from_chat_id) for m in updates] == [
        (BASIC_GROUP, SUPERGROUP, None), (SUPERGROUP, None, BASIC_GROUP)]


# ---- VK: deletions reported back, deactivated pages, events for comments the sandbox never saw ----
async def test_deletions_through_the_api_reach_the_callback_server_with_the_deleter(world: World) -> None:
    vk = world.sandbox.vk
    post = vk.add_post("Ремонт дороги")
    _status, new = await world.control("POST", "/api/vk/event", {"type": "wall_reply_new", "object": {
        "from_id": CITIZEN, "text": "Спам", "post_id": post}})
    comment_id = new["object"]["id"]
    assert await world.vk_user.wall.delete_comment(owner_id=-vk.group_id, comment_id=comment_id) == 1
    deleted = await world.pushed_of("wall_reply_delete")
    assert deleted["object"] == {"owner_id": -vk.group_id, "id": comment_id, "user_id": CITIZEN,
                                 "deleter_id": vk.admin_user_id, "post_id": post}
    assert deleted["secret"] == world.sandbox.world["vk"]["secret"]
    await world.vk_user.wall.restore_comment(owner_id=-vk.group_id, comment_id=comment_id)
    restored = await world.pushed_of("wall_reply_restore")
    assert restored["object"]["text"] == "Спам" and restored["object"]["from_id"] == CITIZEN


def test_deletion_objects_follow_vks_schema_per_kind() -> None:
    comment = Comment(id=7, from_id=CITIZEN, text="x", date=1)
    assert delete_object(5, "wall", 3, comment, CITIZEN) == {"owner_id": -5, "id": 7, "post_id": 3}
    assert delete_object(5, "board", 3, comment, 100) == {"topic_owner_id": -5, "topic_id": 3, "id": 7,
                                                          "deleter_id": 100}
    assert delete_object(5, "board", 3, comment, None) == {"topic_owner_id": -5, "topic_id": 3, "id": 7}
    assert delete_object(5, "photo", 3, comment, CITIZEN) == {"owner_id": -5, "id": 7, "user_id": CITIZEN,
                                                              "deleter_id": CITIZEN, "photo_id": 3}
    assert delete_object(5, "market", 3, comment, 100) == {"owner_id": -5, "id": 7, "user_id": CITIZEN,
                                                           "deleter_id": 100, "item_id": 3}


async def test_users_get_shows_deactivated_pages_as_vk_does(world: World) -> None:
    assert (await world.control("POST", "/api/vk/users/deactivate", {"user_id": CITIZEN,
                                                                     "deactivated": "deleted"}))[0] == 200
    world.sandbox.vk.deactivate_user(60011122, "banned")
    assert (await world.control("POST", "/api/vk/users/deactivate", {"user_id": -1, "deactivated": "x"}))[0] == 400
    users = await world.vk_group.users.get(user_ids=[CITIZEN, 60011122, 70022233], fields=["photo_100"])
    deleted, banned, active = users
    assert (deleted.first_name, deleted.last_name, deleted.deactivated) == ("DELETED", "", "deleted")
    assert (banned.first_name, banned.last_name, banned.deactivated) == ("Анна", "Смирнова", "banned")
    assert deleted.photo_100 == "https://vk.com/images/deactivated_100.png" and deleted.is_closed is None
    assert active.deactivated is None and active.is_closed is False
    world.sandbox.vk.deactivate_user(CITIZEN, None)
    assert (await world.vk_group.users.get(user_ids=[CITIZEN]))[0].first_name == "Иван"


async def test_events_for_comments_only_vk_knows_can_be_replayed(world: World) -> None:
    post = world.sandbox.vk.add_post("Новости")
    status, error = await world.control("POST", "/api/vk/event", {"type": "wall_reply_edit", "object": {
        "id": 9001, "text": "Правка"}})
    assert status == 400 and "post_id, from_id" in error["error"]
    status, edited = await world.control("POST", "/api/vk/event", {"type": "wall_reply_edit", "object": {
        "id": 9001, "text": "Правка", "post_id": post, "from_id": CITIZEN}})
    assert status == 200 and edited["body"] == "ok"
    assert edited["object"]["owner_id"] == -world.sandbox.vk.group_id and edited["object"]["parents_stack"] == []
    status, deleted = await world.control("POST", "/api/vk/event", {"type": "wall_reply_delete", "object": {
        "id": 9002, "post_id": post}})
    assert status == 200 and deleted["object"] == {"id": 9002, "post_id": post, "owner_id": -world.sandbox.vk.group_id}
    assert world.sandbox.vk.state.find_comment("wall", 9002)[1].state == "deleted"
    _status, own = await world.control("POST", "/api/vk/event", {"type": "wall_reply_delete", "object": {
        "id": edited["object"]["id"], "deleter_id": None}})
    assert own["object"] == {"owner_id": -world.sandbox.vk.group_id, "id": 9001, "post_id": post}
    raw = {"owner_id": -world.sandbox.vk.group_id, "id": 9003, "post_id": post}
    status, replayed = await world.control("POST", "/api/vk/event", {"type": "wall_reply_delete", "object": raw,
                                                                     "event_id": "e" * 40, "raw": True})
    assert status == 200 and replayed["object"] == raw and replayed["event_id"] == "e" * 40
    assert [p["object"] for p in world.pushed if p["event_id"] == "e" * 40] == [raw]


# ---- the standalone process's configuration ----
def test_the_emitted_configuration_is_one_the_service_accepts() -> None:
    data = new_world()
    toml, env = service_files(data, emulators_url="http://127.0.0.1:1", service_url="http://127.0.0.1:2", port=2,
                              data_dir="/tmp/x")
    import tomllib

    config = parse_config(tomllib.loads(toml), env)
    assert config.telegram.api_base == "http://127.0.0.1:1/emulators/telegram"
    assert config.telegram.webhook_secret == data["telegram"]["webhook_secret"]
    assert {(a.network, a.id) for a in config.accounts} == {("vk", 229000001), ("ok", 70000000000001)}
    assert config.networks["vk"].api_url == "http://127.0.0.1:1/emulators/vk/method/"
