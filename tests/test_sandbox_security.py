"""Account security in the emulators, driven through the clients the service uses (vkbottle's `API`, the service's
`OkClient`, aiogram's `Bot`): revoked and expired tokens with the networks' own errors, token rights and scopes,
the pages' managers, the bot's own rights in Telegram; the control routes that change all of it (and their 400s);
and the state surviving `to_json`/`from_json`."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiohttp import ClientSession, web
from vkbottle import API, VKAPIError
from vkbottle.http import AiohttpClient

from bot.platform import PlatformError
from bot.sandbox.control import SandboxInfo, sandbox_app
from bot.sandbox.control_ok import OkInfo
from bot.sandbox.ok_api import OkEmulator
from bot.sandbox.ok_state import OkState
from bot.sandbox.ok_webhook import OkWebhookSender
from bot.sandbox.telegram_api import TelegramEmulator
from bot.sandbox.vk_api import VkEmulator
from bot.sandbox.vk_callback import CallbackSender
from bot.sandbox.vk_state import VkState
from platforms.ok.client import OkClient

VK_GROUP, VK_ADMIN, CITIZEN, STRANGER = 229000001, 100500, 51234567, 90012345
VK_USER_TOKEN, VK_GROUP_TOKEN = "vk1.a.user", "vk1.a.group"
OK_GROUP, OK_ADMIN, OK_CITIZEN, OK_STRANGER = "70000000000001", "575000000099", "575000000001", "575000000777"
APP_KEY, APP_SECRET = "CBAPLFJGDIHBABABA", "0123456789ABCDEF0123456789ABCDEF"
OK_USER_TOKEN, OK_GROUP_TOKEN = "-s-84W-user.token", "tkn18YdUJZe:CQABPOJKAKEKEKEKE"
BOT_TOKEN, WORK_CHAT, CHANNEL, MODERATOR = "7000000001:TEST", -1001002003004, -1001500600700, 111111
DEFAULT_RIGHTS = [{"name": "photos", "setting": 4}, {"name": "messages", "setting": 4096},
                  {"name": "wall", "setting": 8192}, {"name": "docs", "setting": 131072},
                  {"name": "manage", "setting": 262144}]
DEFAULT_SCOPE = 262144 + 8192 + 4 + 65536  # groups, wall, photos, offline
REVOKED = (5, "User authorization failed: user revoke access for this token.")


class LocalSession(AiohttpSession):
    async def close(self) -> None:  # no SSL here: skip aiogram's 250 ms pause
        if self._session is not None and not self._session.closed:
            await self._session.close()


@dataclass
class World:
    base: str
    http: ClientSession
    vk: VkEmulator
    ok: OkEmulator
    tg: TelegramEmulator
    user: API
    group: API
    ok_client: OkClient
    bot: Bot

    async def control(self, verb: str, path: str, body: Any = None) -> tuple[int, Any]:
        kwargs = {} if body is None else {"json": body}
        async with self.http.request(verb, f"{self.base}/sandbox/api/{path}", **kwargs) as resp:
            return resp.status, await resp.json()

    async def ok_rest(self, method: str, **params: Any) -> Any:
        return await self.ok_client.rest(OK_USER_TOKEN, method, params)


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    vk = VkEmulator(group_id=VK_GROUP, group_token=VK_GROUP_TOKEN, user_token=VK_USER_TOKEN,
                    admin_user_id=VK_ADMIN, enforce_rate_limits=False)
    vk.add_user(CITIZEN, "Иван", "Петров")
    ok = OkEmulator(group_id=OK_GROUP, group_name="Администрация", application_key=APP_KEY,
                    application_secret_key=APP_SECRET, user_token=OK_USER_TOKEN, group_token=OK_GROUP_TOKEN,
                    admin_user_id=OK_ADMIN, enforce_rate_limits=False)
    ok.add_user(OK_CITIZEN, "Галина", "Орлова")
    tg = TelegramEmulator(token=BOT_TOKEN)
    tg.add_chat(WORK_CHAT, "Модерация госпабликов")
    tg.add_channel(CHANNEL, "Администрация", username="admokt_news")
    tg.add_user(MODERATOR, "Мария", "Захарова")
    sender = CallbackSender(url="http://127.0.0.1:1/", group_id=VK_GROUP, secret="s")
    ok_sender = OkWebhookSender(ok)
    info = SandboxInfo(group_id=VK_GROUP, callback_url="", secret="s", confirmation="c", work_chat_id=WORK_CHAT,
                       channel={"channel_id": CHANNEL, "title": "Администрация", "username": "admokt_news"})
    app = web.Application()
    app.add_subapp("/emulators/vk", vk.app)
    app.add_subapp("/emulators/ok", ok.app)
    app.add_subapp("/emulators/telegram", tg.app)
    app.add_subapp("/sandbox", sandbox_app(vk=vk, sender=sender, telegram=tg, info=info, ok=ok, ok_sender=ok_sender,
                                           ok_info=OkInfo(group_id=OK_GROUP, webhook_url="", poll_interval=2.0)))
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    async with ClientSession() as http:
        apis = []
        for token in (VK_USER_TOKEN, VK_GROUP_TOKEN):
            api = API(token, http_client=AiohttpClient(session=http))
            api.API_URL = f"{base}/emulators/vk/method/"
            apis.append(api)
        ok_client = OkClient(api_url=f"{base}/emulators/ok/", application_key=APP_KEY, application_secret=APP_SECRET,
                             requests_per_second=100)
        bot = Bot(BOT_TOKEN, session=LocalSession(api=TelegramAPIServer.from_base(f"{base}/emulators/telegram")))
        yield World(base, http, vk, ok, tg, apis[0], apis[1], ok_client, bot)
        await ok_client.close()
        await bot.session.close()
    await sender.close()
    await ok_sender.close()
    await runner.cleanup()


async def vk_error(call: Any) -> tuple[int, str]:
    with pytest.raises(VKAPIError) as caught:
        await call
    return caught.value.code, caught.value.error_msg


# ---- VK
async def test_vk_revoked_and_expired_tokens_get_error_5(world: World) -> None:
    owner = (await world.user.users.get())[0]
    assert owner.id == VK_ADMIN  # users.get without ids: the user token's owner
    world.vk.revoke_token("user")
    assert await vk_error(world.user.users.get()) == REVOKED
    assert (await world.group.request("groups.getTokenPermissions", {}))["response"]["mask"] > 0
    world.vk.restore_token("user")
    world.vk.revoke_token("group")
    assert await vk_error(world.group.groups.get_by_id()) == (5, "User authorization failed: invalid access_token (4).")
    world.vk.restore_token("group")
    assert (await world.group.groups.get_by_id()).groups[0].id == VK_GROUP

    world.vk.set_user_token_expiry(int(time.time()) - 1)
    assert await vk_error(world.user.users.get()) == (5, "User authorization failed: access_token has expired.")
    world.vk.set_user_token_expiry(int(time.time()) + 3600)
    assert (await world.user.users.get())[0].id == VK_ADMIN
    world.vk.set_user_token_expiry(None)
    errors = [c["error"] for c in world.vk.calls if "error" in c]
    assert [e["error_code"] for e in errors] == [5, 5, 5]


async def test_vk_token_permissions_only_for_the_community_token(world: World) -> None:
    answer = (await world.group.request("groups.getTokenPermissions", {}))["response"]
    assert answer == {"mask": sum(p["setting"] for p in DEFAULT_RIGHTS), "permissions": DEFAULT_RIGHTS}
    assert await vk_error(world.user.request("groups.getTokenPermissions", {})) == (
        5, "User authorization failed: method is unavailable with user auth.")

    world.vk.set_community_rights(["messages", "photos", "docs", "wall"])  # «Управление сообществом» taken away
    answer = (await world.group.request("groups.getTokenPermissions", {}))["response"]
    assert "manage" not in [p["name"] for p in answer["permissions"]] and answer["mask"] == 4 + 4096 + 8192 + 131072
    code, text = await vk_error(world.group.request("groups.getCallbackServers", {"group_id": VK_GROUP}))
    assert (code, text) == (15, "Access denied: no access to call this method")
    assert (await world.user.request("groups.getCallbackServers", {"group_id": VK_GROUP}))["response"]["count"] == 0
    with pytest.raises(ValueError):
        world.vk.set_community_rights(["everything"])


async def test_vk_app_permissions_and_scope(world: World) -> None:
    assert (await world.user.request("account.getAppPermissions", {}))["response"] == DEFAULT_SCOPE
    assert await vk_error(world.group.request("account.getAppPermissions", {})) == (
        27, "Group authorization failed: method is unavailable with group auth.")
    world.vk.set_user_scope(["groups", "photos", "offline"])  # no wall
    assert (await world.user.request("account.getAppPermissions", {}))["response"] == 262144 + 4 + 65536
    assert await vk_error(world.user.wall.post(owner_id=-VK_GROUP, message="?", from_group=True)) == (
        15, "Access denied: no access to call this method. It cannot be called with current scopes.")


async def test_vk_managers(world: World) -> None:
    managers = (await world.user.request("groups.getMembers", {"group_id": VK_GROUP, "filter": "managers"}))
    assert managers["response"] == {"count": 1, "items": [{"id": VK_ADMIN, "role": "creator", "permissions": ["ads"]}]}
    world.vk.add_manager(STRANGER, "administrator")
    world.vk.add_manager(CITIZEN, "moderator")
    answer = (await world.group.request("groups.getMembers", {"filter": "managers", "fields": "first_name"}))
    items = {i["id"]: i for i in answer["response"]["items"]}
    assert answer["response"]["count"] == 3 and items[CITIZEN]["role"] == "moderator"
    assert items[CITIZEN]["first_name"] == "Иван" and items[CITIZEN]["permissions"] == []
    assert items[STRANGER]["role"] == "administrator"
    plain = (await world.group.request("groups.getMembers", {"group_id": VK_GROUP}))["response"]
    assert plain == {"count": 3, "items": sorted([VK_ADMIN, CITIZEN, STRANGER])}
    group = (await world.user.groups.get_by_id(group_id=VK_GROUP)).groups[0]
    assert (group.is_admin, group.admin_level) == (True, 3)

    world.vk.add_manager(VK_ADMIN, "moderator")  # demoted: may still moderate, may not post
    assert await world.user.groups.ban(group_id=VK_GROUP, owner_id=CITIZEN) == 1
    assert await vk_error(world.user.wall.post(owner_id=-VK_GROUP, message="?", from_group=True)) == (
        15, "Access denied")
    world.vk.remove_manager(VK_ADMIN)  # the token's owner is no longer among the managers
    assert VK_ADMIN not in world.vk.managers()
    params = {"group_id": VK_GROUP, "filter": "managers"}
    assert await vk_error(world.user.request("groups.getMembers", params)) == (15, "Access denied")
    assert await vk_error(world.user.groups.unban(group_id=VK_GROUP, owner_id=CITIZEN)) == (15, "Access denied")
    assert (await world.group.request("groups.getMembers", params))["response"]["count"] == 2
    group = (await world.user.groups.get_by_id(group_id=VK_GROUP)).groups[0]
    assert not group.is_admin and group.admin_level is None
    assert await vk_error(world.user.request("groups.getMembers", {})) == (
        100, "One of the parameters specified was missing or invalid: group_id is undefined")
    assert (await vk_error(world.group.request("groups.getMembers", {"group_id": 1})))[0] == 125
    with pytest.raises(KeyError):
        world.vk.remove_manager(VK_ADMIN)


async def test_vk_access_survives_a_restart(world: World) -> None:
    vk = world.vk
    vk.revoke_token("group")
    vk.set_user_token_expiry(2_000_000_000)
    vk.set_community_rights(["messages"])
    vk.set_user_scope(["wall", "groups"])
    vk.add_manager(STRANGER, "editor")
    vk.add_manager(CITIZEN, "creator")  # hands the community over: the old creator stays an administrator
    assert vk.managers() == {CITIZEN: "creator", VK_ADMIN: "administrator", STRANGER: "editor"}
    restored = VkState.from_json(json.loads(json.dumps(vk.state.to_json())))
    assert restored.to_json() == vk.state.to_json()
    vk.state = restored
    assert vk.managers() == {CITIZEN: "creator", VK_ADMIN: "administrator", STRANGER: "editor"}
    assert await vk_error(world.group.groups.get_by_id()) == (5, "User authorization failed: invalid access_token (4).")
    assert (await world.user.request("account.getAppPermissions", {}))["response"] == 8192 + 262144
    old = {k: v for k, v in vk.state.to_json().items() if k != "access"}  # saved before access existed
    fresh = VkState.from_json(old)
    assert fresh.access.token_problem("group") is None and fresh.access.managers is None


# ---- OK
async def test_ok_current_user_and_dead_tokens(world: World) -> None:
    me = await world.ok_rest("users.getCurrentUser")
    assert me["uid"] == OK_ADMIN and me["name"] == f"{me['first_name']} {me['last_name']}"
    assert await world.ok_rest("users.getCurrentUser", fields="first_name") == {
        "uid": OK_ADMIN, "first_name": me["first_name"]}
    dead = {"error_code": 102, "error_msg": "PARAM_SESSION_EXPIRED : Session expired", "error_data": None}
    for kill, revive in ((lambda: world.ok.revoke_token("user"), lambda: world.ok.restore_token("user")),
                         (lambda: world.ok.set_user_token_expiry(int(time.time()) - 5),
                          lambda: world.ok.set_user_token_expiry(None))):
        kill()
        for method in ("users.getCurrentUser", "group.getMembers"):
            with pytest.raises(PlatformError) as caught:
                await world.ok_rest(method, uid=OK_GROUP)
            assert caught.value.code == 102
        async with world.http.post(f"{world.base}/emulators/ok/fb.do", data={
                "method": "users.getCurrentUser", "application_key": APP_KEY, "format": "json", "sig": "x",
                "access_token": OK_USER_TOKEN}) as resp:
            assert resp.status == 200 and await resp.json() == dead
        revive()
        assert (await world.ok_rest("users.getCurrentUser"))["uid"] == OK_ADMIN

    assert (await world.ok_client.graph(OK_GROUP_TOKEN, "GET", "me/info"))["group_id"] == f"group:{OK_GROUP}"
    world.ok.revoke_token("group")
    with pytest.raises(PlatformError) as caught:
        await world.ok_client.graph(OK_GROUP_TOKEN, "GET", "me/info")
    assert caught.value.code == 102
    assert (await world.ok_rest("users.getCurrentUser"))["uid"] == OK_ADMIN  # the user token is another credential


async def test_ok_group_members(world: World) -> None:
    answer = await world.ok_rest("group.getMembers", uid=OK_GROUP, statuses="ADMIN,MODERATOR")
    assert answer["members"] == [{"userId": OK_ADMIN, "groupId": OK_GROUP, "status": "ADMIN"}]
    assert answer["has_more"] is False and answer["anchor"]
    world.ok.add_manager(OK_STRANGER, "MODERATOR")
    world.ok.add_manager(OK_CITIZEN, "ADMIN")
    first = await world.ok_rest("group.getMembers", uid=OK_GROUP, statuses="ADMIN,MODERATOR", count=2)
    assert [m["userId"] for m in first["members"]] == [OK_CITIZEN, OK_ADMIN] and first["has_more"] is True
    rest = await world.ok_rest("group.getMembers", uid=OK_GROUP, statuses="ADMIN,MODERATOR", count=2,
                               anchor=first["anchor"], direction="FORWARD")
    assert rest["members"] == [{"userId": OK_STRANGER, "groupId": OK_GROUP, "status": "MODERATOR"}]
    assert rest["has_more"] is False
    back = await world.ok_rest("group.getMembers", uid=OK_GROUP, statuses="ADMIN,MODERATOR", count=2,
                               anchor=rest["anchor"], direction="BACKWARD")
    assert [m["userId"] for m in back["members"]] == [OK_ADMIN, OK_STRANGER]
    world.ok.remove_manager(OK_CITIZEN)
    everyone = await world.ok_rest("group.getMembers", uid=OK_GROUP)
    assert {m["userId"]: m["status"] for m in everyone["members"]} == {
        OK_CITIZEN: "ACTIVE", OK_ADMIN: "ADMIN", OK_STRANGER: "MODERATOR"}
    for params, code in (({"uid": "1"}, 160), ({"uid": OK_GROUP, "statuses": "OWNER"}, 100), ({}, 100),
                         ({"uid": OK_GROUP, "anchor": "nonsense"}, 100), ({"uid": OK_GROUP, "count": "0"}, 100)):
        with pytest.raises(PlatformError) as caught:
            await world.ok_rest("group.getMembers", **params)
        assert caught.value.code == code, params


async def test_ok_access_survives_a_restart(world: World) -> None:
    world.ok.revoke_token("group")
    world.ok.set_user_token_expiry(2_000_000_000)
    world.ok.add_manager(OK_STRANGER, "ADMIN")
    world.ok.remove_manager(OK_ADMIN)
    restored = OkState.from_json(json.loads(json.dumps(world.ok.state.to_json())))
    assert restored.to_json() == world.ok.state.to_json()
    world.ok.state = restored
    assert world.ok.managers() == {OK_STRANGER: "ADMIN"}
    assert restored.access.user_expires_at == 2_000_000_000 and not restored.access.token_valid("group")
    old = {k: v for k, v in restored.to_json().items() if k != "access"}
    assert OkState.from_json(old).access.token_valid("group")


# ---- Telegram
async def test_telegram_bot_rights(world: World) -> None:
    bot_id = (await world.bot.get_me()).id
    work = await world.bot.get_chat_member(WORK_CHAT, bot_id)
    assert work.status == "administrator"
    assert (work.can_delete_messages, work.can_restrict_members, work.can_pin_messages) == (True, True, True)
    channel = await world.bot.get_chat_member(CHANNEL, bot_id)
    assert channel.status == "administrator"
    assert (channel.can_post_messages, channel.can_edit_messages, channel.can_delete_messages) == (True, True, True)

    status, answer = await world.control("POST", "telegram/bot-rights",
                                         {"chat": "work", "status": "administrator", "can_restrict_members": False})
    assert status == 200 and answer["member"]["can_restrict_members"] is False
    assert (await world.bot.get_chat_member(WORK_CHAT, bot_id)).can_delete_messages is True

    mine = await world.bot.send_message(WORK_CHAT, "Карточка")
    theirs = await world.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, text="Привет")
    status, answer = await world.control("POST", "telegram/bot-rights", {"chat": "work", "status": "member"})
    assert status == 200 and answer["member"]["status"] == "member"
    assert (await world.bot.get_chat_member(WORK_CHAT, bot_id)).status == "member"
    assert all(a.user.id != bot_id for a in await world.bot.get_chat_administrators(WORK_CHAT))
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await world.bot.delete_message(WORK_CHAT, theirs["message_id"])
    assert await world.bot.delete_message(WORK_CHAT, mine.message_id) is True  # its own: still allowed

    status, answer = await world.control("POST", "telegram/bot-rights", {"chat": "channel", "status": "member"})
    assert status == 200 and answer["member"]["status"] == "left"  # a bot is a channel's admin, or not there at all
    assert (await world.bot.get_chat_member(CHANNEL, bot_id)).status == "left"
    with pytest.raises(TelegramForbiddenError):
        await world.bot.send_message(CHANNEL, "Новость")
    await world.control("POST", "telegram/bot-rights",
                        {"chat": "channel", "status": "administrator", "can_post_messages": False})
    channel = await world.bot.get_chat_member(CHANNEL, bot_id)
    assert (channel.can_post_messages, channel.can_edit_messages) == (False, True)
    status, rights = await world.control("GET", "telegram/bot-rights")
    assert status == 200 and rights["work"]["status"] == "member" and rights["channel"]["can_post_messages"] is False

    admin, member = {"chat": "work", "status": "administrator"}, {"chat": "work", "status": "member"}
    for body in ({"chat": "group", "status": "member"}, {"chat": "work", "status": "creator"},
                 {**admin, "can_fly": True}, {**admin, "can_post_messages": True},
                 {**admin, "can_delete_messages": "yes"}, {**member, "can_pin_messages": True}):
        status, answer = await world.control("POST", "telegram/bot-rights", body)
        assert status == 400 and answer["error"], body


# ---- the control API
async def test_control_vk_admins_and_tokens(world: World) -> None:
    status, answer = await world.control("GET", "vk/admins")
    assert status == 200 and answer["admins"][0]["user_id"] == VK_ADMIN and answer["admins"][0]["role"] == "creator"
    status, answer = await world.control("POST", "vk/admins", {"user_id": STRANGER, "role": "administrator"})
    assert status == 200 and answer["ok"] is True
    stranger = next(a for a in answer["admins"] if a["user_id"] == STRANGER)
    assert stranger["role"] == "administrator" and stranger["name"]
    _, state = await world.control("GET", "state")
    assert STRANGER in [a["user_id"] for a in state["vk"]["admins"]] and state["vk"]["tokens"]["user"]["valid"]
    status, answer = await world.control("DELETE", f"vk/admins?user_id={STRANGER}")
    assert status == 200 and [a["user_id"] for a in answer["admins"]] == [VK_ADMIN]
    await world.control("POST", "vk/admins", {"user_id": STRANGER, "role": "editor"})
    status, answer = await world.control("DELETE", "vk/admins", {"user_id": STRANGER})
    assert status == 200 and len(answer["admins"]) == 1

    assert await world.control("POST", "vk/revoke-token", {"token": "user"}) == (200, {"ok": True})
    assert await vk_error(world.user.users.get()) == REVOKED
    _, tokens = await world.control("GET", "vk/tokens")
    assert tokens["user"]["revoked"] is True and tokens["user"]["valid"] is False and tokens["group"]["valid"]
    assert await world.control("POST", "vk/revoke-token", {"token": "user", "restore": True}) == (200, {"ok": True})
    assert (await world.user.users.get())[0].id == VK_ADMIN
    assert await world.control("POST", "vk/token-expiry", {"expires_at": int(time.time()) - 1}) == (200, {"ok": True})
    assert await vk_error(world.user.users.get()) == (5, "User authorization failed: access_token has expired.")
    _, tokens = await world.control("GET", "vk/tokens")
    assert tokens["user"]["expired"] is True
    await world.control("POST", "vk/token-expiry", {"expires_at": None})
    assert await world.control("POST", "vk/token-permissions",
                               {"token": "group", "permissions": ["messages"]}) == (200, {"ok": True})
    answer = (await world.group.request("groups.getTokenPermissions", {}))["response"]
    assert answer == {"mask": 4096, "permissions": [{"name": "messages", "setting": 4096}]}

    bad = [("POST", "vk/admins", {"user_id": "иван", "role": "administrator"}), ("POST", "vk/admins", {"user_id": -5}),
           ("POST", "vk/admins", {"user_id": True}), ("POST", "vk/admins", {"user_id": STRANGER, "role": "owner"}),
           ("POST", "vk/admins", ["not", "an", "object"]), ("DELETE", "vk/admins", None),
           ("DELETE", "vk/admins", {"user_id": CITIZEN}),  # not a manager
           ("POST", "vk/revoke-token", {"token": "service"}), ("POST", "vk/token-expiry", {}),
           ("POST", "vk/revoke-token", {"token": "user", "restore": "yes"}),
           ("POST", "vk/token-expiry", {"expires_at": "завтра"}),
           ("POST", "vk/token-permissions", {"token": "group", "permissions": ["everything"]})]
    for verb, path, body in bad:
        status, answer = await world.control(verb, path, body)
        assert status == 400 and isinstance(answer["error"], str) and answer["error"], (verb, path, body)


async def test_control_ok_admins_and_tokens(world: World) -> None:
    status, answer = await world.control("GET", "ok/admins")
    assert status == 200 and answer["admins"] == [{"user_id": OK_ADMIN, "role": "ADMIN",
                                                   "name": world.ok.state.user(OK_ADMIN)["name"]}]
    status, answer = await world.control("POST", "ok/admins", {"user_id": int(OK_STRANGER), "role": "MODERATOR"})
    assert status == 200 and answer["admins"][-1] == {"user_id": OK_STRANGER, "role": "MODERATOR",
                                                      "name": world.ok.state.user(OK_STRANGER)["name"]}
    members = await world.ok_rest("group.getMembers", uid=OK_GROUP, statuses="MODERATOR")
    assert [m["userId"] for m in members["members"]] == [OK_STRANGER]
    _, state = await world.control("GET", "state")
    assert [a["user_id"] for a in state["ok"]["admins"]] == [OK_ADMIN, OK_STRANGER]
    status, answer = await world.control("DELETE", "ok/admins", {"user_id": OK_STRANGER})
    assert status == 200 and len(answer["admins"]) == 1

    assert await world.control("POST", "ok/revoke-token", {"token": "user"}) == (200, {"ok": True})
    with pytest.raises(PlatformError) as caught:
        await world.ok_rest("users.getCurrentUser")
    assert caught.value.code == 102
    _, tokens = await world.control("GET", "ok/tokens")
    assert tokens["user"] == {"valid": False, "revoked": True, "expires_at": None, "expired": False}
    await world.control("POST", "ok/revoke-token", {"token": "user", "restore": True})
    assert await world.control("POST", "ok/token-expiry", {"expires_at": 1}) == (200, {"ok": True})
    with pytest.raises(PlatformError):
        await world.ok_rest("users.getCurrentUser")
    await world.control("POST", "ok/token-expiry", {"expires_at": None})
    assert (await world.ok_rest("users.getCurrentUser"))["uid"] == OK_ADMIN

    for verb, path, body in [("POST", "ok/admins", {"user_id": "user:abc"}),
                             ("POST", "ok/admins", {"user_id": OK_STRANGER, "role": "OWNER"}),
                             ("DELETE", "ok/admins", {"user_id": OK_CITIZEN}),
                             ("POST", "ok/revoke-token", {"token": "bot"}),
                             ("POST", "ok/token-expiry", {"expires_at": -1})]:
        status, answer = await world.control(verb, path, body)
        assert status == 400 and answer["error"], (verb, path, body)
