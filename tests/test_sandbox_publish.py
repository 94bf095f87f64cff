"""Publishing through the VK and OK emulators over real HTTP: VK through vkbottle's `API` and `PhotoWallUploader`,
OK through the service's own signing `OkClient`; both also mounted under a prefix, as the demo mounts them."""

from __future__ import annotations

import json
import struct
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import ClientSession, FormData, web
from vkbottle import API, VKAPIError
from vkbottle.http import AiohttpClient
from vkbottle.tools import PhotoWallUploader

from bot.platform import PlatformError
from bot.sandbox.ok_api import OkEmulator
from bot.sandbox.ok_state import OkState
from bot.sandbox.sample_photos import SAMPLES, image_info
from bot.sandbox.vk_api import VkEmulator
from bot.sandbox.vk_state import VkState
from platforms.ok.client import OkClient

VK_GROUP = 229000001
OWNER = -VK_GROUP
ADMIN = 100500
GROUP_TOKEN, USER_TOKEN = "vk1.a.group", "vk1.a.user"
OK_GROUP, OK_ADMIN = "70000000000001", "577000000001"
APP_KEY, APP_SECRET = "CBAPLFJGDIHBABABA", "0123456789ABCDEF0123456789ABCDEF"
OK_USER, OK_GROUP_TOKEN = "-s-84W-user.token", "tkn18YdUJZe:CQABPOJKAKEKEKEKE"
PREFIXES = ["", "/emulators/x"]  # served as the app itself, and as a sub-app under a prefix


def files(**fields: bytes) -> FormData:
    form = FormData()
    for name, data in fields.items():
        form.add_field(name, data, filename=f"{name}.png", content_type="image/png")
    return form


async def serve(app: web.Application, prefix: str) -> tuple[web.AppRunner, str]:
    if prefix:
        root = web.Application()
        root.add_subapp(prefix, app)
        app = root
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}{prefix}"


# ---- VK ----
@dataclass
class Vk:
    vk: VkEmulator
    base: str
    http: ClientSession
    user: API
    group: API

    async def post(self, **params: Any) -> int:
        return (await self.user.wall.post(owner_id=OWNER, from_group=True, **params)).post_id

    def posts(self) -> dict[int, dict]:
        return {p["id"]: p for p in self.vk.snapshot()["posts"]}


@pytest_asyncio.fixture(params=PREFIXES)
async def vk(request: pytest.FixtureRequest) -> AsyncIterator[Vk]:
    emulator = VkEmulator(group_id=VK_GROUP, group_token=GROUP_TOKEN, user_token=USER_TOKEN, admin_user_id=ADMIN,
                          enforce_rate_limits=False)
    runner, base = await serve(emulator.app, request.param)
    async with ClientSession() as http:
        apis = []
        for token in (USER_TOKEN, GROUP_TOKEN):
            api = API(token, http_client=AiohttpClient(session=http))
            api.API_URL = f"{base}/method/"
            apis.append(api)
        yield Vk(emulator, base, http, *apis)
    await runner.cleanup()


async def test_vk_photo_poll_and_link_post_on_the_wall(vk: Vk) -> None:
    photo = await PhotoWallUploader(vk.user).upload(SAMPLES["park.png"], group_id=VK_GROUP)
    assert photo.startswith(f"photo{OWNER}_")
    poll = await vk.user.request("polls.create", {"question": "Где поставить лавочки?", "owner_id": OWNER,
                                                  "add_answers": json.dumps(["У школы", "В парке"]), "is_anonymous": 1})
    poll = poll["response"]
    assert [a["text"] for a in poll["answers"]] == ["У школы", "В парке"] and poll["anonymous"] is True
    link = "https://adm.example.ru/news/1"
    post_id = await vk.post(message="Благоустройство двора", attachments=[photo, f"poll{OWNER}_{poll['id']}", link])
    post = vk.posts()[post_id]
    assert post["text"] == "Благоустройство двора" and post["from_id"] == OWNER
    assert [a["type"] for a in post["attachments"]] == ["photo", "poll", "link"]
    saved = post["attachments"][0]["photo"]
    assert saved["owner_id"] == OWNER and saved["sizes"][-1]["width"] == 64 and saved["user_id"] == 100
    assert post["attachments"][1]["poll"]["question"] == "Где поставить лавочки?"
    assert post["attachments"][2]["link"]["url"] == link
    async with vk.http.get(saved["sizes"][0]["url"]) as resp:  # the upload server keeps the image it took
        assert resp.content_type == "image/png" and await resp.read() == SAMPLES["park.png"]
    reply = await vk.group.wall.create_comment(owner_id=OWNER, post_id=post_id, message="Спасибо!")
    assert vk.posts()[post_id]["comments"][0]["id"] == reply.comment_id


async def test_vk_guid_posts_once_and_limits_refuse(vk: Vk) -> None:
    first = await vk.post(message="Приём граждан", guid="publication-17")
    again = await vk.post(message="Приём граждан", guid="publication-17")
    assert first == again and len(vk.posts()) == 1
    bad: list[tuple[dict[str, Any], str]] = [
           ({"message": "x", "attachments": ["https://a.ru", "https://b.ru"]}, "more than one link"),
           ({"message": "x", "attachments": [f"photo{OWNER}_999999"]}, "attachments is invalid"),
           ({"message": "x", "attachments": [f"poll{OWNER}_1"]}, "attachments is invalid"),
           ({"message": "x", "attachments": ["https://a.ru/"] + [f"photo{OWNER}_{i}" for i in range(10)]},
            "too many attachments"),
           ({"message": "я" * 16385}, "message is too long"),
           ({"attachments": []}, "message is empty or invalid")]
    for params, text in bad:
        with pytest.raises(VKAPIError[100]) as caught:
            await vk.post(**params)
        assert text in caught.value.error_msg
    assert len(vk.posts()) == 1
    later = await vk.post(message="Отложенная", publish_date=int(time.time()) + 3600)
    assert vk.posts()[later]["postponed"] is True
    vk.vk.state.publish_due(int(time.time()) + 7200)
    assert "postponed" not in vk.posts()[later]


async def test_vk_community_token_gets_27(vk: Vk) -> None:
    calls: list[tuple[str, dict[str, Any]]] = [
             ("wall.post", {"owner_id": OWNER, "message": "x"}), ("wall.delete", {"owner_id": OWNER, "post_id": 1}),
             ("polls.create", {"question": "?", "add_answers": '["a"]'}),
             ("photos.getWallUploadServer", {"group_id": VK_GROUP}),
             ("photos.saveWallPhoto", {"group_id": VK_GROUP, "photo": "[]", "server": 1, "hash": "x"})]
    for name, params in calls:
        with pytest.raises(VKAPIError[27]):
            await vk.group.request(name, params)
    assert vk.vk.snapshot()["posts"] == []


async def test_vk_upload_checks_the_file_server_and_hash(vk: Vk) -> None:
    server = (await vk.user.photos.get_wall_upload_server(group_id=VK_GROUP)).upload_url
    async with vk.http.post(server, data=files(photo=b"not an image")) as resp:
        refused = await resp.json()
    async with vk.http.post(server, data=files(file1=SAMPLES["road.png"])) as resp:  # VK reads only `photo`
        assert (await resp.json())["photo"] == "[]"
    assert refused["photo"] == "[]" and refused["server"] > 0 and len(refused["hash"]) == 32
    with pytest.raises(VKAPIError[100]) as caught:
        await vk.user.request("photos.saveWallPhoto", {"group_id": VK_GROUP, **refused})
    assert caught.value.error_msg.endswith("photo is undefined")
    async with vk.http.post(server, data=files(photo=SAMPLES["snow.png"])) as resp:
        taken = await resp.json()
    for changed, code in [({"hash": "0" * 32}, 121), ({"server": taken["server"] + 1}, 118),
                          ({"group_id": VK_GROUP + 1}, 121)]:
        with pytest.raises(VKAPIError[code]):
            await vk.user.request("photos.saveWallPhoto", {"group_id": VK_GROUP, **taken, **changed})
    photos = (await vk.user.request("photos.saveWallPhoto", {"group_id": VK_GROUP, **taken}))["response"]
    assert photos[0]["sizes"][-1]["height"] == 64 and vk.vk.snapshot()["photos"][0]["id"] == photos[0]["id"]
    async with vk.http.post(server.replace("hash=", "hash=0"), data=files(photo=SAMPLES["park.png"])) as resp:
        assert "error" in await resp.json()


async def test_vk_polls_create_rules(vk: Vk) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"add_answers": '["a"]'}, "question is undefined"),
        ({"question": "?"}, "add_answers is undefined"),
        ({"question": "?", "add_answers": "[a, b]"}, "add_answers is invalid"),
        ({"question": "?", "add_answers": json.dumps([str(i) for i in range(11)])}, "add_answers is invalid"),
        ({"question": "?", "add_answers": '["a"]', "owner_id": -1}, "owner_id is incorrect")]
    for params, text in cases:
        with pytest.raises(VKAPIError[100]) as caught:
            await vk.user.request("polls.create", params)
        assert caught.value.error_msg.endswith(text)


async def test_vk_delete_then_again_and_state_round_trip(vk: Vk) -> None:
    poll = (await vk.user.request("polls.create", {"question": "?", "add_answers": '["да", "нет"]'}))["response"]
    post_id = await vk.post(message="Удалим", attachments=[f"poll{ADMIN}_{poll['id']}"], guid="g-1")
    assert await vk.user.wall.delete(owner_id=OWNER, post_id=post_id) == 1
    assert vk.posts()[post_id]["deleted"] is True
    for _ in range(2):
        with pytest.raises(VKAPIError[104]):
            await vk.user.wall.delete(owner_id=OWNER, post_id=post_id)
    with pytest.raises(VKAPIError[104]):
        await vk.group.wall.create_comment(owner_id=OWNER, post_id=post_id, message="?")
    state = vk.vk.state
    restored = VkState.from_json(json.loads(json.dumps(state.to_json(), ensure_ascii=False)))
    assert restored.snapshot() == state.snapshot() and restored.to_json() == state.to_json()
    vk.vk.state = restored
    assert await vk.post(message="Удалим", guid="g-1") == post_id  # the guid outlives a restart
    assert await vk.post(message="Новая") > post_id
    second = (await vk.user.request("polls.create", {"question": "?", "add_answers": '["a"]'}))["response"]
    assert second["id"] > poll["id"]


# ---- OK ----
@dataclass
class Ok:
    ok: OkEmulator
    client: OkClient

    async def rest(self, method: str, **params: Any) -> Any:
        return await self.client.rest(OK_USER, method, params)

    async def fails(self, method: str, **params: Any) -> tuple[Any, str]:
        with pytest.raises(PlatformError) as caught:
            await self.rest(method, **params)
        return caught.value.code, str(self.ok.calls[-1].get("error", {}).get("error_msg"))

    async def upload(self, *names: str) -> list[str]:
        server = await self.rest("photosV2.getUploadUrl", gid=OK_GROUP, count=len(names))
        files = {f"pic{n}": (name, SAMPLES[name], "image/png") for n, name in enumerate(names, start=1)}
        answer = await self.client.upload(server["upload_url"], files)
        return [answer["photos"][photo_id]["token"] for photo_id in server["photo_ids"]]

    async def post(self, media: list[dict], **extra: Any) -> Any:
        attachment = json.dumps({"media": media, "onBehalfOfGroup": "true", **extra}, ensure_ascii=False)
        return await self.rest("mediatopic.post", type="GROUP_THEME", gid=OK_GROUP, attachment=attachment)


@pytest_asyncio.fixture(params=PREFIXES)
async def ok(request: pytest.FixtureRequest) -> AsyncIterator[Ok]:
    emulator = OkEmulator(group_id=OK_GROUP, group_name="Администрация", application_key=APP_KEY,
                          application_secret_key=APP_SECRET, user_token=OK_USER, group_token=OK_GROUP_TOKEN,
                          admin_user_id=OK_ADMIN, enforce_rate_limits=False)
    runner, base = await serve(emulator.app, request.param)
    client = OkClient(api_url=f"{base}/", application_key=APP_KEY, application_secret=APP_SECRET,
                      requests_per_second=1000)
    yield Ok(emulator, client)
    await client.close()
    await runner.cleanup()


POLL: dict[str, Any] = {"type": "poll", "question": "Когда субботник?",
                        "answers": [{"text": "В субботу"}, {"text": "В воскресенье"}],
                        "options": "SingleChoice,AnonymousVoting"}


async def test_ok_topic_with_photos_link_and_poll(ok: Ok) -> None:
    old = ok.ok.add_topic("Старая новость")
    tokens = await ok.upload("park.png", "road.png")
    media: list[dict[str, Any]] = [
        {"type": "text", "text": "Двор после ремонта"}, {"type": "photo", "list": [{"id": t} for t in tokens]},
        {"type": "link", "url": "https://adm.example.ru/news/2"}, POLL]
    topic_id = await ok.post(media)
    assert isinstance(topic_id, str) and topic_id.isdigit()
    topic = next(t for t in ok.ok.snapshot()["topics"] if t["id"] == topic_id)
    assert topic["text"] == "Двор после ремонта"
    assert [m["type"] for m in topic["media"]] == ["text", "photo", "link", "poll"]
    assert [p["width"] for p in topic["media"][1]["list"]] == [64, 80]
    listed = await ok.rest("group.getStatTopics", gid=OK_GROUP, fields="ID,COMMENTS")
    assert [t["id"] for t in listed["topics"]] == [topic_id, old]
    comment = await ok.rest("discussions.addDiscussionComment", entityId=topic_id, entityType="GROUP_TOPIC",
                            comment="Красиво!")
    assert ok.ok.snapshot()["topics"][-1]["comments"][0]["id"] == comment
    found = await ok.rest("mediatopic.getByIds", topic_ids=f"{topic_id},{old},155999999999999",
                          fields="media_topic.*", media_limit=3)
    assert [t["id"] for t in found["media_topics"]] == [topic_id, old]
    assert found["media_topics"][0]["media"][0] == {"type": "text", "text": "Двор после ремонта"}
    assert len(found["media_topics"][0]["media"]) == 3 and found["media_topics"][0]["created_ms"] > 0
    code, text = await ok.fails("mediatopic.post", type="GROUP_THEME", gid=OK_GROUP, attachment=json.dumps(
        {"media": [{"type": "photo", "list": [{"id": tokens[0]}]}]}))
    assert (code, text) == (100, "PARAM : Parameter 'PHOTO id' is invalid")  # tokens are single-use


async def test_ok_post_limits_and_errors(ok: Ok) -> None:
    [token] = await ok.upload("snow.png")
    cases: list[tuple[list[dict], int]] = [
        ([{"type": "text", "text": "я" * 10_001}], 601),
        ([{"type": "link", "url": "adm.example.ru/news"}], 607),
        ([{"type": "link", "url": "javascript:alert(1)"}], 607),
        ([{"type": "text", "text": "x"}] * 51, 600),
        ([{"type": "photo", "list": [{"id": "forged-token"}]}], 100),
        ([{"type": "video", "list": []}], 100),
        ([{"type": "text", "text": "x"}, {"type": "photo", "list": [{"id": token}]}, {**POLL, "answers": []}], 100),
        ([{**POLL, "options": "SingleChoice,Everyone"}], 100),
    ]
    for media, code in cases:
        with pytest.raises(PlatformError) as caught:
            await ok.post(media)
        assert caught.value.code == code, media
    posts: list[tuple[dict[str, Any], int]] = [
        ({"attachment": "{media: ["}, 100), ({"attachment": '{"media": []}'}, 100), ({"gid": "123"}, 160),
        ({"type": "USER"}, 100), ({"attachment": ""}, 100)]
    for params, code in posts:
        form = {"type": "GROUP_THEME", "gid": OK_GROUP, "attachment": '{"media":[{"type":"text","text":"x"}]}'}
        assert (await ok.fails("mediatopic.post", **{**form, **params}))[0] == code
    assert ok.ok.snapshot()["topics"] == []
    assert await ok.post([{"type": "photo", "list": [{"id": token}]}])  # a refused post did not use the token
    refused = ["PARAM : Invalid parameter attachment.media value : []", "PARAM_GROUP_ID : Invalid group id"]
    assert [c["error"]["error_msg"] for c in ok.ok.calls if "error" in c][-4:-2] == refused


async def test_ok_upload_takes_only_images_from_its_own_url(ok: Ok) -> None:
    server = await ok.rest("photosV2.getUploadUrl", gid=OK_GROUP, count=2)
    assert len(server["photo_ids"]) == 2 and server["ttl_ms"] > 0 and server["expires_ms"] > time.time() * 1000
    with pytest.raises(PlatformError) as caught:
        await ok.client.upload(server["upload_url"], {"pic1": ("a.png", b"GIF? no", "image/png")})
    assert caught.value.code == 100
    answer = await ok.client.upload(server["upload_url"], {"file2": ("b.png", SAMPLES["road.png"], "image/png")})
    assert list(answer["photos"]) == [server["photo_ids"][1]]
    with pytest.raises(PlatformError):
        forged = server["upload_url"].replace("sig=", "sig=0")
        await ok.client.upload(forged, {"pic1": ("a.png", SAMPLES["park.png"], "image/png")})
    cases: list[tuple[dict[str, Any], int]] = [
        ({"gid": "1"}, 160), ({"gid": OK_GROUP, "count": 0}, 100), ({"gid": OK_GROUP, "count": 51}, 100),
        ({"gid": OK_GROUP, "aid": 7}, 100), ({}, 100)]
    for params, code in cases:
        assert (await ok.fails("photosV2.getUploadUrl", **params))[0] == code


async def test_ok_delete_deferred_and_round_trip(ok: Ok) -> None:
    topic_id = await ok.post([{"type": "text", "text": "Удалим"}])
    later = await ok.post([{"type": "text", "text": "Завтра"}], publishAt="2099-01-01 09:00:00")
    listed = await ok.rest("group.getStatTopics", gid=OK_GROUP, fields="ID")
    assert [t["id"] for t in listed["topics"]] == [topic_id]  # the deferred topic is not out yet
    assert next(t for t in ok.ok.snapshot()["topics"] if t["id"] == later)["scheduled"] is True
    assert await ok.rest("mediatopic.deleteTopic", topic_id=topic_id, gid=OK_GROUP) == {"success": True}
    assert (await ok.fails("mediatopic.deleteTopic", topic_id=topic_id))[0] == 300
    assert (await ok.fails("discussions.getComments", discussionId=topic_id, discussionType="GROUP_TOPIC"))[0] == 300
    assert (await ok.rest("group.getStatTopics", gid=OK_GROUP, fields="ID"))["topics"] == []
    assert (await ok.rest("mediatopic.getByIds", topic_ids=topic_id))["media_topics"] == []
    assert (await ok.fails("mediatopic.getByIds", topic_ids=f"{topic_id},{later}"))[0] == 100  # media_limit
    [token] = await ok.upload("park.png")
    state = ok.ok.state
    restored = OkState.from_json(json.loads(json.dumps(state.to_json(), ensure_ascii=False)))
    assert restored.snapshot() == state.snapshot() and restored.to_json() == state.to_json()
    ok.ok.state = restored
    assert await ok.post([{"type": "photo", "list": [{"id": token}]}]) not in (topic_id, later)


def test_samples_are_distinct_real_pngs_and_jpeg_sizes_are_read() -> None:
    infos = {name: image_info(data) for name, data in SAMPLES.items()}
    assert all(i is not None and i.kind == "png" for i in infos.values()) and len(set(SAMPLES.values())) == 3
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 48, 64, 1) + b"\x01\x11\x00"
    jpeg = b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 4) + b"JF" + frame
    assert image_info(jpeg) == image_info(jpeg + b"\xff\xd9") and image_info(jpeg).width == 64  # type: ignore[union-attr]
    assert image_info(b"\xff\xd8\xff\xda\x00\x02") is None and image_info(b"GIF89a") is None
