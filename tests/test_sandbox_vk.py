"""The VK API emulator, driven by vkbottle's real `API` client over HTTP: VK's errors, token rules and state."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from aiohttp import ClientSession, web
from vkbottle import API, VKAPIError
from vkbottle.http import AiohttpClient

from bot.sandbox.rate_limit import SlidingWindow
from bot.sandbox.vk_api import VkEmulator

GROUP_ID = 229000001
OWNER = -GROUP_ID
ADMIN = 100500
CITIZEN = 51234567
GROUP_TOKEN = "vk1.a.group"
USER_TOKEN = "vk1.a.user"


@dataclass
class VkWorld:
    vk: VkEmulator
    base: str
    http: ClientSession
    group: API
    user: API

    def api(self, token: str) -> API:
        api = API(token, http_client=AiohttpClient(session=self.http))
        api.API_URL = f"{self.base}/method/"
        return api

    def comment(self, comment_id: int, post_id: int, *, from_id: int = CITIZEN, text: str = "Спам") -> dict:
        obj = {"id": comment_id, "from_id": from_id, "date": 1767600000, "text": text, "post_id": post_id,
               "owner_id": OWNER, "post_owner_id": OWNER, "parents_stack": [], "attachments": []}
        self.vk.record_event_object("wall_reply_new", obj)
        return obj


@pytest_asyncio.fixture
async def world() -> AsyncIterator[VkWorld]:
    vk = VkEmulator(group_id=GROUP_ID, group_token=GROUP_TOKEN, user_token=USER_TOKEN, admin_user_id=ADMIN,
                    enforce_rate_limits=False)
    runner = web.AppRunner(vk.app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    async with ClientSession() as http:
        w = VkWorld(vk=vk, base=base, http=http, group=None, user=None)  # type: ignore[arg-type]
        w.group, w.user = w.api(GROUP_TOKEN), w.api(USER_TOKEN)
        yield w
    await runner.cleanup()


def comment_state(vk: VkEmulator, comment_id: int) -> str:
    for post in vk.snapshot()["posts"]:
        for comment in post["comments"]:
            if comment["id"] == comment_id:
                return comment["state"]
    raise AssertionError(f"comment {comment_id} not in the snapshot")


# ---- authorisation and request format ----
async def test_community_token_on_user_only_method_is_error_27(world: VkWorld) -> None:
    post = world.vk.add_post("Ремонт дороги")
    world.comment(4521, post)
    with pytest.raises(VKAPIError[27]) as caught:
        await world.group.wall.delete_comment(owner_id=OWNER, comment_id=4521)
    assert caught.value.error_msg == "Group authorization failed: method is unavailable with group auth."
    with pytest.raises(VKAPIError[27]):
        await world.group.groups.ban(group_id=GROUP_ID, owner_id=CITIZEN)
    with pytest.raises(VKAPIError[27]):
        await world.group.wall.post(owner_id=OWNER, from_group=True, message="Новость")
    assert comment_state(world.vk, 4521) == "present"


async def test_wall_get_by_id_reads_posts_with_a_user_token_only(world: VkWorld) -> None:
    post = world.vk.add_post("Ремонт дороги на ул. Ленина начнётся в понедельник")
    with pytest.raises(VKAPIError[27]):
        await world.group.request("wall.getById", {"posts": f"{OWNER}_{post}"})
    answer = await world.user.request("wall.getById", {"posts": f"{OWNER}_{post},{OWNER}_999999,1_1"})
    assert [(p["id"], p["text"]) for p in answer["response"]["items"]] == [
        (post, "Ремонт дороги на ул. Ленина начнётся в понедельник")], "what VK cannot show is left out"
    with pytest.raises(VKAPIError[100]):
        await world.user.request("wall.getById", {"posts": "abc"})


async def test_bad_tokens_versions_and_methods(world: VkWorld) -> None:
    with pytest.raises(VKAPIError[5]) as caught:
        await world.api("vk1.a.stolen").users.get(user_ids=[1])
    assert caught.value.error_msg == "User authorization failed: invalid access_token (4)."
    url = f"{world.base}/method/users.get"
    async with world.http.post(url, data={"user_ids": "1", "v": "5.199"}) as resp:
        assert (await resp.json())["error"]["error_msg"] == "User authorization failed: no access_token passed."
    async with world.http.post(url, data={"user_ids": "1", "access_token": GROUP_TOKEN}) as resp:
        error = (await resp.json())["error"]
    assert (error["error_code"], error["error_msg"]) == (8, "Invalid request: v is required")
    async with world.http.get(url, params={"user_ids": "1", "access_token": GROUP_TOKEN, "v": "5.50"}) as resp:
        assert (await resp.json())["error"]["error_code"] == 8
    with pytest.raises(VKAPIError[3]) as caught:
        await world.group.request("wall.superDelete", {})
    assert caught.value.error_msg == "Unknown method passed"


async def test_bearer_header_get_query_and_json_answers(world: VkWorld) -> None:
    headers = {"Authorization": f"Bearer {GROUP_TOKEN}"}
    async with world.http.get(f"{world.base}/method/users.get?user_ids=1&v=5.199", headers=headers) as resp:
        assert resp.content_type == "application/json"
        assert (await resp.json())["response"][0]["id"] == 1
    async with world.http.post(f"{world.base}/method/users.get?v=5.199", json={"user_ids": "1"},
                               headers=headers) as resp:  # VK reads no JSON bodies: user_ids is not passed
        assert (await resp.json())["response"] == []
    assert all("access_token" not in call["params"] for call in world.vk.calls)
    assert world.vk.calls[0]["token"] == "group"


async def test_missing_and_invalid_parameters_are_error_100(world: VkWorld) -> None:
    with pytest.raises(VKAPIError[100]) as caught:
        await world.user.request("wall.deleteComment", {"owner_id": OWNER})
    assert caught.value.error_msg == "One of the parameters specified was missing or invalid: comment_id is undefined"
    with pytest.raises(VKAPIError[100]) as caught:
        await world.user.wall.delete_comment(owner_id=GROUP_ID, comment_id=1)  # positive: a user's wall
    assert caught.value.error_msg.endswith("owner_id is incorrect")
    with pytest.raises(VKAPIError[100]) as caught:
        await world.user.groups.ban(group_id=-GROUP_ID, owner_id=CITIZEN)
    assert caught.value.error_msg.endswith("group_id should be greater than 0")
    with pytest.raises(VKAPIError[100]) as caught:
        await world.user.request("wall.deleteComment", {"owner_id": OWNER, "comment_id": "abc"})
    assert caught.value.error_msg.endswith("comment_id not integer")


# ---- wall comments ----
async def test_wall_delete_and_restore_behave_as_on_vk(world: VkWorld) -> None:
    post = world.vk.add_post("График приёма граждан")
    world.comment(4521, post)
    with pytest.raises(VKAPIError[104]):
        await world.user.wall.delete_comment(owner_id=OWNER, comment_id=999)
    with pytest.raises(VKAPIError[243]) as caught:
        await world.user.wall.restore_comment(owner_id=OWNER, comment_id=4521)
    assert caught.value.error_msg == "Comment has not been deleted"
    await world.user.wall.delete_comment(owner_id=OWNER, comment_id=4521)
    assert comment_state(world.vk, 4521) == "deleted"
    with pytest.raises(VKAPIError[104]):  # already deleted
        await world.user.wall.delete_comment(owner_id=OWNER, comment_id=4521)
    await world.user.wall.restore_comment(owner_id=OWNER, comment_id=4521)
    assert comment_state(world.vk, 4521) == "present"
    assert [c["method"] for c in world.vk.calls].count("wall.deleteComment") == 3


async def test_callback_events_change_the_state(world: VkWorld) -> None:
    obj = world.comment(10, 77)  # the post is unknown: it is created
    world.vk.record_event_object("wall_reply_edit", {**obj, "text": "Исправлено"})
    snapshot = world.vk.snapshot()
    assert snapshot["posts"][0]["id"] == 77
    assert snapshot["posts"][0]["comments"][0]["text"] == "Исправлено"
    world.vk.record_event_object("wall_reply_delete", {"owner_id": OWNER, "id": 10, "user_id": CITIZEN,
                                                       "deleter_id": CITIZEN, "post_id": 77})
    assert comment_state(world.vk, 10) == "deleted"
    with pytest.raises(VKAPIError[104]):
        await world.user.wall.delete_comment(owner_id=OWNER, comment_id=10)
    world.vk.record_event_object("wall_reply_restore", obj)
    assert comment_state(world.vk, 10) == "present"
    world.vk.record_event_object("user_block", {"admin_id": ADMIN, "user_id": 666, "unblock_date": 0, "reason": 1,
                                                "comment": "Спам"})
    assert [b["user_id"] for b in world.vk.snapshot()["bans"]] == [666]
    world.vk.record_event_object("user_unblock", {"admin_id": ADMIN, "user_id": 666, "by_end_date": 0})
    assert world.vk.snapshot()["bans"] == []


async def test_create_comment_replies_in_a_thread(world: VkWorld) -> None:
    post = world.vk.add_post("Субботник")
    world.comment(5, post)
    reply = await world.group.wall.create_comment(owner_id=OWNER, post_id=post, message="Спасибо!",
                                                  reply_to_comment=5)
    assert reply.parents_stack == [5]
    nested = await world.user.wall.create_comment(owner_id=OWNER, post_id=post, from_group=GROUP_ID,
                                                  message="Ждём вас", reply_to_comment=reply.comment_id)
    assert nested.parents_stack == [5]
    comments = world.vk.snapshot()["posts"][0]["comments"]
    assert [c["from_id"] for c in comments] == [CITIZEN, OWNER, OWNER]
    assert comments[1]["reply_to_user"] == CITIZEN
    with pytest.raises(VKAPIError[104]):
        await world.group.wall.create_comment(owner_id=OWNER, post_id=9999, message="Нет такой записи")
    with pytest.raises(VKAPIError[100]):
        await world.group.wall.create_comment(owner_id=OWNER, post_id=post, message="")
    page = await world.user.wall.get_comments(owner_id=OWNER, post_id=post)
    assert page.count == 3 and [c.id for c in page.items] == [5]


async def test_wall_post_user_token_and_deferred_posts(world: VkWorld) -> None:
    now = await world.user.wall.post(owner_id=OWNER, from_group=True, message="Приём граждан во вторник")
    later = await world.user.wall.post(owner_id=OWNER, from_group=True, message="Отложенная",
                                       publish_date=int(time.time()) + 3600)
    posts = {p["id"]: p for p in world.vk.snapshot()["posts"]}
    assert posts[now.post_id]["from_id"] == OWNER and "postponed" not in posts[now.post_id]
    assert posts[later.post_id]["postponed"] is True
    with pytest.raises(VKAPIError[100]):
        await world.user.wall.post(owner_id=OWNER, from_group=True)


# ---- other comment kinds ----
async def test_photo_video_market_and_board_comments(world: VkWorld) -> None:
    vk = world.vk
    vk.record_event_object("photo_comment_new", {"id": 77, "from_id": CITIZEN, "date": 1, "text": "x",
                                                 "photo_id": 457239018, "photo_owner_id": OWNER})
    vk.record_event_object("market_comment_new", {"id": 5, "from_id": CITIZEN, "date": 1, "text": "x",
                                                  "market_owner_id": OWNER, "item_id": 8801234})
    vk.record_event_object("video_comment_new", {"id": 12, "from_id": CITIZEN, "date": 1, "text": "x",
                                                 "video_id": 456239020, "video_owner_id": OWNER})
    vk.record_event_object("board_post_new", {"id": 310, "from_id": CITIZEN, "date": 1, "text": "x",
                                              "topic_id": 41, "topic_owner_id": OWNER})
    assert await world.user.request("photos.deleteComment", {"owner_id": OWNER, "comment_id": 999}) \
        == {"response": 0}
    assert (await world.user.request("photos.deleteComment", {"owner_id": OWNER, "comment_id": 77}))["response"] == 1
    assert (await world.user.request("market.deleteComment", {"owner_id": OWNER, "comment_id": 5}))["response"] == 1
    assert (await world.user.request("market.deleteComment", {"owner_id": OWNER, "comment_id": 5}))["response"] == 0
    with pytest.raises(VKAPIError[27]):
        await world.group.request("video.deleteComment", {"owner_id": OWNER, "comment_id": 12})
    assert (await world.user.request("video.deleteComment", {"owner_id": OWNER, "comment_id": 12}))["response"] == 1
    with pytest.raises(VKAPIError[100]):  # board takes the positive group id
        await world.group.request("board.deleteComment", {"group_id": OWNER, "topic_id": 41, "comment_id": 310})
    await world.group.board.delete_comment(group_id=GROUP_ID, topic_id=41, comment_id=310)
    await world.group.board.restore_comment(group_id=GROUP_ID, topic_id=41, comment_id=310)
    snapshot = vk.snapshot()
    assert snapshot["photos"][0]["comments"][0]["state"] == "deleted"
    assert snapshot["market"][0]["comments"][0]["state"] == "deleted"
    assert snapshot["topics"][0]["comments"][0]["state"] == "present"


# ---- bans ----
async def test_groups_ban_rules_and_ban_list(world: VkWorld) -> None:
    with pytest.raises(VKAPIError[100]) as caught:
        await world.user.groups.ban(group_id=GROUP_ID, owner_id=CITIZEN, end_date=int(time.time()) + 400 * 86400)
    assert caught.value.error_msg.endswith("end_date is invalid")
    with pytest.raises(VKAPIError[100]):
        await world.user.request("groups.ban", {"group_id": GROUP_ID, "owner_id": CITIZEN, "reason": 5})
    end = int(time.time()) + 7 * 86400
    await world.user.groups.ban(group_id=GROUP_ID, owner_id=CITIZEN, end_date=end, reason=1, comment="Спам",
                                comment_visible=True)
    await world.user.groups.ban(group_id=GROUP_ID, owner_id=60011122, reason=3)
    banned = await world.group.groups.get_banned(group_id=GROUP_ID)
    assert banned.count == 2 and banned.items[0].profile.id == CITIZEN
    assert banned.items[0].ban_info.comment == "Спам"
    assert world.vk.snapshot()["bans"][0] == {**world.vk.snapshot()["bans"][0], "user_id": CITIZEN,
                                              "end_date": end, "reason": 1, "comment": "Спам"}
    await world.user.groups.unban(group_id=GROUP_ID, owner_id=CITIZEN)
    assert [b["user_id"] for b in world.vk.snapshot()["bans"]] == [60011122]


# ---- users, groups, messages ----
async def test_users_get_names_are_known_or_stable(world: VkWorld) -> None:
    world.vk.add_user(CITIZEN, "Иван", "Петров")
    users = await world.group.users.get(user_ids=[CITIZEN, 42, 42])
    assert (users[0].first_name, users[0].last_name) == ("Иван", "Петров")
    assert users[1].first_name == users[2].first_name and users[1].first_name.isalpha()
    with pytest.raises(VKAPIError[113]):
        await world.group.request("users.get", {"user_ids": "-5"})


async def test_group_info_and_confirmation_code(world: VkWorld) -> None:
    groups = await world.group.groups.get_by_id()
    assert groups.groups[0].id == GROUP_ID and groups.groups[0].name == "Администрация Октябрьского района"
    code = await world.group.groups.get_callback_confirmation_code(group_id=GROUP_ID)
    assert code.code == world.vk.confirmation_code


async def test_messages_send_needs_a_conversation_and_random_id(world: VkWorld) -> None:
    with pytest.raises(VKAPIError[901]):
        await world.group.messages.send(peer_id=CITIZEN, random_id=1, message="Здравствуйте")
    world.vk.record_event_object("message_new", {"message": {"id": 902, "from_id": CITIZEN, "peer_id": CITIZEN,
                                                             "date": 1, "text": "Не вывозят мусор"}})
    with pytest.raises(VKAPIError[100]) as caught:
        await world.group.request("messages.send", {"peer_id": CITIZEN, "message": "Ответ"})
    assert caught.value.error_msg.endswith("random_id is a required parameter")
    with pytest.raises(VKAPIError[914]):
        await world.group.messages.send(peer_id=CITIZEN, random_id=2, message="а" * 9001)
    first = await world.group.messages.send(peer_id=CITIZEN, random_id=3, message="Передали в ЖКХ")
    again = await world.group.messages.send(peer_id=CITIZEN, random_id=3, message="Передали в ЖКХ")
    assert first == again and first > 902
    via_user = await world.user.messages.send(peer_id=CITIZEN, random_id=4, message="Готово", group_id=GROUP_ID)
    assert [m["text"] for m in world.vk.snapshot()["messages"] if m["out"]] == ["Передали в ЖКХ", "Готово"]
    assert via_user != first


# ---- failures and limits ----
async def test_fail_next_injects_errors_with_vk_messages(world: VkWorld) -> None:
    world.vk.fail_next("users.get", 9, times=2)
    for _ in range(2):
        with pytest.raises(VKAPIError[9]) as caught:
            await world.group.users.get(user_ids=[1])
        assert caught.value.error_msg == "Flood control"
    assert (await world.group.users.get(user_ids=[1]))[0].id == 1
    assert [c.get("error", {}).get("error_code") for c in world.vk.calls] == [9, 9, None]


async def test_rate_limits_per_token(world: VkWorld) -> None:
    world.vk.enforce_rate_limits = True
    frozen = 1000.0  # a frozen clock: every call falls in the same second, without timing the test
    world.vk.rate_limits = {"user": SlidingWindow(3, 1.0, clock=lambda: frozen),
                            "group": SlidingWindow(20, 1.0, clock=lambda: frozen)}
    for _ in range(3):
        await world.user.users.get(user_ids=[1])
    with pytest.raises(VKAPIError[6]) as caught:
        await world.user.users.get(user_ids=[1])
    assert caught.value.error_msg == "Too many requests per second"
    for _ in range(20):
        await world.group.users.get(user_ids=[1])
    with pytest.raises(VKAPIError[6]):
        await world.group.users.get(user_ids=[1])


def test_sliding_window_frees_after_the_window() -> None:
    now = [0.0]
    window = SlidingWindow(2, 1.0, clock=lambda: now[0])
    assert window.hit("t") == 0 and window.hit("t") == 0
    assert window.hit("t") == pytest.approx(1.0)
    now[0] = 0.5
    assert window.retry_after("t") == pytest.approx(0.5)
    now[0] = 1.0
    assert window.hit("t") == 0
