"""The OK emulator over real HTTP, driven by a small signing client written here: OK's signature, error shapes
and order, comment paging by anchor, moderation, the Bot API endpoints, webhook delivery and state persistence."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import ClientSession, web

from bot.sandbox.ok_api import OkEmulator, ok_signature
from bot.sandbox.ok_state import OkState, moscow_time
from bot.sandbox.ok_webhook import OkWebhookSender

GROUP_ID = "70000000000001"
GROUP_NAME = "Администрация Октябрьского района"
APP_KEY = "CBAPLFJGDIHBABABA"
APP_SECRET = "0123456789ABCDEF0123456789ABCDEF"
USER_TOKEN = "-s-84W-user.token"
GROUP_TOKEN = "tkn18YdUJZe:CQABPOJKAKEKEKEKE"
ADMIN = "577000000001"
CITIZEN = "575662066926"


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Like conftest's `serve`, kept here so these tests do not import the service's configuration."""
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def sign(params: dict[str, str], token: str, secret: str) -> str:
    """The client side of OK's signature, written independently of the emulator's."""
    session_secret = hashlib.md5(f"{token}{secret}".encode()).hexdigest()
    pairs = sorted((k, v) for k, v in params.items() if k not in ("sig", "access_token", "session_key"))
    return hashlib.md5(("".join(f"{k}={v}" for k, v in pairs) + session_secret).encode()).hexdigest()


@dataclass
class OkWorld:
    ok: OkEmulator
    base: str
    http: ClientSession

    async def post(self, params: dict[str, str], *, path: str = "/fb.do") -> Any:
        async with self.http.post(self.base + path, data=params) as resp:
            assert resp.status == 200
            return await resp.json()

    async def rest(self, method: str, *, token: str = USER_TOKEN, **params: str) -> Any:
        """A correctly signed REST call, as the service's client makes it."""
        signed = {"application_key": APP_KEY, "format": "json", "method": method, **params}
        signed["sig"] = sign(signed, token, APP_SECRET)
        return await self.post({**signed, "access_token": token})

    async def graph(self, verb: str, path: str, body: Any = None, *, token: str = GROUP_TOKEN,
                    raw: bytes | None = None, content_type: str = "application/json;charset=utf-8") -> Any:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": content_type} if data is not None else {}
        async with self.http.request(verb, f"{self.base}{path}", params={"access_token": token}, data=data,
                                     headers=headers) as resp:
            assert resp.status == 200
            return await resp.json()


@pytest_asyncio.fixture
async def world() -> AsyncIterator[OkWorld]:
    ok = OkEmulator(group_id=GROUP_ID, group_name=GROUP_NAME, application_key=APP_KEY,
                    application_secret_key=APP_SECRET, user_token=USER_TOKEN, group_token=GROUP_TOKEN,
                    admin_user_id=ADMIN, enforce_rate_limits=False)
    ok.add_user(CITIZEN, "Анна", "Смирнова")
    runner, base = await serve(ok.app)
    async with ClientSession() as http:
        yield OkWorld(ok, base, http)
    await runner.cleanup()


def error(body: dict) -> tuple[int, str]:
    assert set(body) == {"error_code", "error_msg", "error_data"} and body["error_data"] is None
    return body["error_code"], body["error_msg"]


def comment_of(ok: OkEmulator, comment_id: str) -> dict:
    for topic in ok.snapshot()["topics"]:
        for comment in topic["comments"]:
            if comment["id"] == comment_id:
                return comment
    raise AssertionError(f"comment {comment_id} not in the snapshot")


# ---- signature and request format ----
def test_signature_matches_oks_published_vector() -> None:
    params = {"application_key": "ABCDEFGHIGKLMNOPK", "format": "json", "method": "events.get"}
    token, secret = "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7", "ABC123DEF456GHI789JKL123"
    assert ok_signature(params, token, secret) == "232c8eb921951c4dba9b72606f9ddb4c"
    assert ok_signature({**params, "sig": "x", "access_token": token}, token, secret) == sign(params, token, secret)


async def test_signed_calls_on_both_endpoint_forms(world: OkWorld) -> None:
    assert await world.rest("group.getInfo", uids=f"{GROUP_ID},123", fields="name") == [
        {"uid": GROUP_ID, "name": GROUP_NAME}]
    params = {"application_key": APP_KEY, "format": "JSON", "uids": GROUP_ID}
    params["sig"] = sign(params, USER_TOKEN, APP_SECRET)
    async with world.http.get(f"{world.base}/api/group/getInfo", params={**params, "access_token": USER_TOKEN}) as r:
        assert await r.json() == [{"uid": GROUP_ID, "name": GROUP_NAME}]
    call = world.ok.calls_of("group.getInfo")[-1]
    assert call["token"] == "user" and call["params"] == {"format": "JSON", "uids": GROUP_ID}
    assert "response" in call


async def test_signature_errors_including_cyrillic(world: OkWorld) -> None:
    topic = world.ok.add_topic("Ремонт дороги")
    text = "Спасибо за ремонт! Когда уберут снег?"
    new_id = await world.rest("discussions.addDiscussionComment", entityId=topic, entityType="GROUP_TOPIC",
                              comment=text)
    assert comment_of(world.ok, new_id)["text"] == text
    base = {"application_key": APP_KEY, "format": "json", "method": "discussions.addDiscussionComment",
            "entityId": topic, "entityType": "GROUP_TOPIC", "comment": text}
    wrong = sign({**base, "comment": quote(text)}, USER_TOKEN, APP_SECRET)  # signed URL-encoded, not raw
    body = await world.post({**base, "sig": wrong, "access_token": USER_TOKEN})
    assert error(body) == (104, f"PARAM_SIGNATURE : Invalid signature {wrong}")
    upper = sign(base, USER_TOKEN, APP_SECRET).upper()
    assert error(await world.post({**base, "sig": upper, "access_token": USER_TOKEN}))[0] == 104
    assert error(await world.post({**base, "access_token": USER_TOKEN})) == (
        104, "PARAM_SIGNATURE : No signature specified")
    assert len(world.ok.snapshot()["topics"][0]["comments"]) == 1


async def test_key_session_method_and_format_errors(world: OkWorld) -> None:
    base = {"format": "json", "method": "group.getInfo", "uids": GROUP_ID}
    assert error(await world.post({**base, "sig": "0" * 32, "access_token": USER_TOKEN})) == (
        101, "PARAM_API_KEY : No application key")
    assert error(await world.post({**base, "application_key": "NOPE", "sig": "0" * 32})) == (
        101, "PARAM_API_KEY : Application not exist")
    signed = {**base, "application_key": APP_KEY}
    signed["sig"] = sign(signed, USER_TOKEN, APP_SECRET)
    assert error(await world.post(signed)) == (103, "PARAM_SESSION_KEY : No session key")
    for token in ("expired-token", GROUP_TOKEN):
        assert error(await world.post({**signed, "access_token": token})) == (
            102, "PARAM_SESSION_EXPIRED : Session expired")
    assert error(await world.rest("group.getInfo", token=GROUP_TOKEN, uids=GROUP_ID))[0] == 102
    assert error(await world.rest("wall.get")) == (3, "METHOD : Method wall.get not found")
    assert world.ok.calls[-1]["token"] == "user"
    no_format = {k: v for k, v in signed.items() if k != "format"}
    async with world.http.post(f"{world.base}/fb.do", data={**no_format, "access_token": USER_TOKEN}) as resp:
        assert resp.content_type == "application/xml"
        assert "<error_code>100</error_code>" in await resp.text()
        with pytest.raises(aiohttp.ContentTypeError):
            await resp.json()
    async with world.http.post(f"{world.base}/fb.do?format=json", json={**signed, "access_token": USER_TOKEN}) as r:
        assert error(await r.json())[0] == 3  # a JSON body is not read: no method arrives


async def test_flood_protection_and_injected_failures(world: OkWorld) -> None:
    world.ok.fail_next("group.getInfo", 2, times=2)
    for _ in range(2):
        assert error(await world.rest("group.getInfo", uids=GROUP_ID)) == (
            2, "SERVICE : Service temporary unavailable")
    assert await world.rest("group.getInfo", uids=GROUP_ID, fields="name")
    world.ok.enforce_rate_limits = True
    answers = [await world.rest("users.getInfo", uids=CITIZEN) for _ in range(11)]
    assert all(isinstance(a, list) for a in answers[:10])
    assert error(answers[10]) == (8, "FLOOD_BLOCKED : Flood blocked")
    assert world.ok.calls[-1]["error"]["error_code"] == 8


async def test_users_get_info(world: OkWorld) -> None:
    rows = await world.rest("users.getInfo", uids=f"{CITIZEN},575000000777", fields="first_name,last_name,name")
    assert rows[0] == {"uid": CITIZEN, "first_name": "Анна", "last_name": "Смирнова", "name": "Анна Смирнова"}
    again = await world.rest("users.getInfo", uids="575000000777", fields="NAME")
    assert again == [{"uid": "575000000777", "name": rows[1]["name"]}] and re.fullmatch(r"\w+ \w+", rows[1]["name"])
    assert error(await world.rest("users.getInfo", fields="name")) == (
        100, "PARAM : Missing required parameter uids")
    many = ",".join(str(575000000000 + i) for i in range(101))
    assert error(await world.rest("users.getInfo", uids=many))[1].startswith("PARAM : Invalid parameter uids value")


# ---- polling and moderation ----
async def test_stat_topics_counts_present_comments_newest_first(world: OkWorld) -> None:
    old = world.ok.add_topic("Старый пост", date_ms=1_700_000_000_000)
    topics = [world.ok.add_topic(f"Пост {i}") for i in range(3)]
    first = world.ok.add_comment(topics[0], CITIZEN, "Раз")
    world.ok.add_comment(topics[0], CITIZEN, "Два")
    page = await world.rest("group.getStatTopics", gid=GROUP_ID, fields="ID,COMMENTS", count="2")
    assert [t["id"] for t in page["topics"]] == topics[:0:-1] and page["has_more"] is True
    rest = await world.rest("group.getStatTopics", gid=GROUP_ID, fields="id,comments", anchor=page["anchor"])
    assert rest["topics"] == [{"id": topics[0], "comments": 2}, {"id": old, "comments": 0}] and not rest["has_more"]
    await world.rest("discussions.deleteDiscussionComment", discussionId=topics[0], discussionType="GROUP_TOPIC",
                     comment_id=first)
    recent = await world.rest("group.getStatTopics", gid=GROUP_ID, fields="ID", start_time="1750000000000")
    assert recent["topics"] == [{"id": t} for t in reversed(topics)]
    counted = await world.rest("group.getStatTopics", gid=GROUP_ID, fields="comments", end_time="1750000000000")
    assert counted["topics"] == [{"id": old, "comments": 0}]
    assert (await world.rest("group.getStatTopics", gid=GROUP_ID, fields="COMMENTS"))["topics"][2]["comments"] == 1
    assert error(await world.rest("group.getStatTopics", gid="123", fields="ID")) == (
        160, "PARAM_GROUP_ID : Invalid group id")
    assert error(await world.rest("group.getStatTopics", gid=GROUP_ID, count="101"))[0] == 100


async def test_get_comments_pages_forward_with_the_returned_anchor(world: OkWorld) -> None:
    topic = world.ok.add_topic("Новости района")
    ids = [world.ok.add_comment(None, CITIZEN, f"Комментарий {i}") for i in range(3)]
    query = {"discussionId": topic, "discussionType": "GROUP_TOPIC", "count": "2",
             "fields": "comment.ID,comment.AUTHOR_ID,comment.AUTHOR_NAME,comment.TEXT,comment.DATE"}
    first = await world.rest("discussions.getComments", anchor="FIRST", **query)
    assert [c["id"] for c in first["comments"]] == ids[:2] and first["has_more"] is True
    shown = first["comments"][0]
    assert shown == {"id": ids[0], "author_id": CITIZEN, "author_name": "Анна Смирнова", "text": "Комментарий 0",
                     "date": moscow_time(comment_of(world.ok, ids[0])["date_ms"])}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", shown["date"])
    second = await world.rest("discussions.getComments", anchor=first["anchor"], direction="FORWARD", **query)
    assert [c["id"] for c in second["comments"]] == ids[2:] and second["has_more"] is False
    idle = await world.rest("discussions.getComments", anchor=second["anchor"], **query)
    assert idle["comments"] == [] and idle["anchor"] == second["anchor"]
    newer = world.ok.add_comment(topic, CITIZEN, "Новый")
    world.ok.add_comment(topic, CITIZEN, "Удалят")
    await world.rest("discussions.deleteDiscussionComment", discussionId=topic, discussionType="GROUP_TOPIC",
                     comment_id=world.ok.snapshot()["topics"][0]["comments"][-1]["id"])
    fresh = await world.rest("discussions.getComments", anchor=idle["anchor"], **query)
    assert [c["id"] for c in fresh["comments"]] == [newer]
    removed = await world.rest("discussions.getComments", anchor=idle["anchor"], includeRemoved="true", **query)
    assert [c.get("deleted", False) for c in removed["comments"]] == [False, True]
    last = await world.rest("discussions.getComments", anchor="LAST", direction="BACKWARD", fields="comment.TEXT",
                            discussionId=topic, discussionType="GROUP_TOPIC", count="2")
    assert [c["text"] for c in last["comments"]] == ["Комментарий 2", "Новый"] and last["has_more"] is True
    assert set(last["comments"][0]) == {"id", "text"}
    for bad, code in [({"discussionType": "GROUP_PHOTO"}, 100), ({"discussionId": "155000000009999"}, 300),
                      ({"anchor": "bm9wZQ"}, 100), ({"count": "0"}, 100), ({"direction": "AROUND"}, 100)]:
        assert error(await world.rest("discussions.getComments", **{**query, **bad}))[0] == code


async def test_delete_blocks_and_marks_spam(world: OkWorld) -> None:
    topic = world.ok.add_topic("Пост")
    spam = world.ok.add_comment(topic, CITIZEN, "Купите слона")
    rude = world.ok.add_comment(topic, "575000000042", "Грубость")
    where = {"discussionId": topic, "discussionType": "GROUP_TOPIC"}
    assert await world.rest("discussions.deleteDiscussionComment", comment_id=spam, mark_as_spam="true",
                            block_author="true", **where) == {"success": True}
    assert comment_of(world.ok, spam) | {"date": "", "date_ms": 0} == {
        "id": spam, "author_id": CITIZEN, "author_name": "Анна Смирнова", "text": "Купите слона", "date": "",
        "date_ms": 0, "state": "deleted", "deleted_by": ADMIN, "spam": True}
    blocked = world.ok.snapshot()["blocked"]
    assert [(b["user_id"], b["name"]) for b in blocked] == [(CITIZEN, "Анна Смирнова")] and blocked[0]["since"] > 0
    assert error(await world.rest("discussions.deleteDiscussionComment", comment_id=spam, **where))[0] == 300
    assert error(await world.rest("discussions.deleteDiscussionComment", comment_id=spam, block_author="yes",
                                  **where))[0] == 100
    assert await world.rest("discussions.markCommentAsSpam", comment_id=rude, **where) == {"success": True}
    assert comment_of(world.ok, rude)["spam"] is True and comment_of(world.ok, rude)["state"] == "present"
    with pytest.raises(PermissionError):
        world.ok.add_comment(topic, CITIZEN, "Я снова тут")


async def test_add_discussion_comment_as_group_or_admin(world: OkWorld) -> None:
    topic = world.ok.add_topic("Пост")
    question = world.ok.add_comment(topic, CITIZEN, "Когда починят?")
    where = {"entityId": topic, "entityType": "GROUP_TOPIC"}
    answer = await world.rest("discussions.addDiscussionComment", comment="Завтра", as_admin="true",
                              reply_to_comment_id=question, **where)
    assert isinstance(answer, str) and comment_of(world.ok, answer)["author_id"] == GROUP_ID
    page = await world.rest("discussions.getComments", discussionId=topic, discussionType="GROUP_TOPIC")
    assert page["comments"][1] | {"date": ""} == {
        "id": answer, "author_id": GROUP_ID, "author_name": GROUP_NAME, "text": "Завтра", "date": "",
        "reply_to_comment_id": question, "reply_to_id": CITIZEN, "reply_to_name": "Анна Смирнова"}
    personal = await world.rest("discussions.addDiscussionComment", comment="Лично", **where)
    assert comment_of(world.ok, personal)["author_id"] == ADMIN
    assert error(await world.rest("discussions.addDiscussionComment", **where)) == (
        100, "PARAM : Missing required parameter comment")
    assert error(await world.rest("discussions.addDiscussionComment", comment="x", reply_to_comment_id="bm9",
                                  **where))[0] == 300


# ---- Bot API ----
async def test_graph_subscriptions_info_and_tokens(world: OkWorld) -> None:
    url = "https://bot.example.ru/ok/webhook/secret"
    assert error(await world.graph("POST", "/graph/me/subscribe", {"url": url}, token=USER_TOKEN)) == (
        102, "PARAM_SESSION_EXPIRED : Session expired")
    assert error(await world.graph("GET", "/graph/me/info", token=""))[0] == 102
    assert error(await world.graph("POST", "/graph/me/subscribe", raw=b"url=x",
                                   content_type="application/x-www-form-urlencoded")) == (
        100, "PARAM : Content-Type must be application/json")
    assert error(await world.graph("POST", "/graph/me/subscribe", raw=b"{url"))[0] == 100
    assert error(await world.graph("POST", "/graph/me/subscribe", {"url": "ftp://x"}))[0] == 100
    for _ in range(2):
        assert await world.graph("POST", "/graph/me/subscribe", {"url": url}) == {"success": True}
    listed = (await world.graph("GET", "/graph/me/subscriptions"))["subscriptions"]
    assert [s["url"] for s in listed] == [url] and listed[0]["time"] > 0
    assert await world.graph("GET", "/graph/me/info") == {"name": GROUP_NAME, "group_id": f"group:{GROUP_ID}"}
    assert await world.graph("POST", "/graph/me/unsubscribe", {"url": "https://other"}) == {"success": True}
    assert await world.graph("POST", "/graph/me/unsubscribe", {"url": url}) == {"success": True}
    assert await world.graph("GET", "/graph/me/subscriptions") == {"subscriptions": []}
    assert [c["token"] for c in world.ok.calls_of("graph.user.subscribe")][:1] == ["user"]


async def test_graph_messages(world: OkWorld) -> None:
    sender = OkWebhookSender(world.ok)
    sent = await sender.deliver_message(CITIZEN, "Анна Смирнова", "Здравствуйте")
    assert (sent["status"], sent["body"], sent["delivered"]) == (0, "no subscription", False)
    assert sender.deliveries == []
    chat = world.ok.snapshot()["chats"][0]["chat_id"]
    assert re.fullmatch(r"chat:C[0-9a-f]{12}", chat) and re.fullmatch(rf"mid:{chat[5:]}\.[0-9a-f]+", sent["mid"])
    body = {"recipient": {"chat_id": chat}, "message": {"text": "Обращение принято"}}
    answer = await world.graph("POST", f"/graph/me/messages/{chat}", body)
    assert answer["success"] is True and answer["message_id"].startswith(f"mid:{chat[5:]}.")
    assert (await world.graph("POST", f"/graph/{chat}/messages", body))["success"] is True
    messages = world.ok.snapshot()["chats"][0]["messages"]
    assert [(m["direction"], m["text"]) for m in messages] == [
        ("in", "Здравствуйте"), ("out", "Обращение принято"), ("out", "Обращение принято")]
    assert len({m["mid"] for m in messages}) == 3
    unknown = "chat:C000000000001"
    assert error(await world.graph("POST", f"/graph/me/messages/{unknown}",
                                   {"recipient": {"chat_id": unknown}, "message": {"text": "?"}}))[0] == 300
    assert error(await world.graph("POST", f"/graph/me/messages/{unknown}", body))[0] == 100
    assert error(await world.graph("POST", f"/graph/me/messages/{chat}",
                                   {"recipient": {"chat_id": chat}, "message": {"text": ""}}))[0] == 100
    assert error(await world.graph("POST", f"/graph/me/messages/{chat}", body, content_type="text/plain"))[0] == 100
    logged = world.ok.calls_of("graph.user.messages")[0]
    assert logged["params"] == {**body, "chat_id": chat} and logged["token"] == "group"
    world.ok.fail_next("graph.user.messages", 2)
    assert error(await world.graph("POST", f"/graph/{chat}/messages", body))[0] == 2
    await sender.close()


async def test_webhook_delivery_and_retry(world: OkWorld) -> None:
    received: list[tuple[str, bytes]] = []
    statuses = [500, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers["Content-Type"], await request.read()))
        return web.Response(status=statuses.pop(0) if statuses else 200, text="ok")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.4)
        return web.Response(text="late")

    app = web.Application()
    app.router.add_post("/hook", hook)
    app.router.add_post("/slow", slow)
    runner, base = await serve(app)
    await world.graph("POST", "/graph/me/subscribe", {"url": f"{base}/hook"})
    sender = OkWebhookSender(world.ok, retry_delays=(0.05, 0.05), timeout=0.2)
    try:
        result = await sender.deliver_message(f"user:{CITIZEN}", "Анна Смирнова", "Яма во дворе")
        assert (result["status"], result["body"], result["delivered"]) == (500, "ok", False)
        await sender.drain()
        assert [(d["attempt"], d["status"]) for d in sender.deliveries] == [(1, 500), (2, 200)]
        assert received[0] == received[1]
        content_type, raw = received[0]
        assert content_type == "application/json;charset=utf-8"
        body = json.loads(raw)
        chat = world.ok.snapshot()["chats"][0]
        assert body == {"webhookType": "MESSAGE_CREATED",
                        "sender": {"user_id": f"user:{CITIZEN}", "name": "Анна Смирнова"},
                        "recipient": {"chat_id": chat["chat_id"]},
                        "message": {"text": "Яма во дворе", "seq": chat["messages"][0]["seq"], "mid": result["mid"]},
                        "timestamp": chat["messages"][0]["timestamp"]}
        again = await sender.deliver_message(CITIZEN, "Анна Смирнова", "Ещё")
        assert again["delivered"] is True and again["mid"] != result["mid"]
        assert (await sender.deliver_raw(b"not json", f"{base}/hook"))["status"] == 200
        assert received[-1][1] == b"not json"
        late = await sender.deliver_raw({"webhookType": "CHAT_SYSTEM"}, f"{base}/slow")
        assert (late["status"], late["delivered"]) == (0, False)
    finally:
        await sender.close()
        await runner.cleanup()


# ---- persistence ----
def test_state_round_trip_keeps_ids_unique() -> None:
    state = OkState(GROUP_ID, GROUP_NAME)
    state.add_user(CITIZEN, "Анна", "Смирнова")
    topic = state.add_topic("Пост")
    comment = state.add_comment(topic, CITIZEN, "Текст")
    state.add_comment(topic, GROUP_ID, "Ответ", reply_to_comment_id=comment.id)
    comment.state, comment.deleted_by = "deleted", ADMIN
    state.block(CITIZEN)
    chat = state.chat_for_user(CITIZEN)
    state.add_message(chat, "in", "Привет")
    state.subscribe("https://bot.example.ru/hook")
    user_id = state.new_user_id()
    restored = OkState.from_json(json.loads(json.dumps(state.to_json(), ensure_ascii=False)))
    assert restored.snapshot() == state.snapshot() and restored.to_json() == state.to_json()
    assert re.fullmatch(r"\d{15}", topic.id) and re.fullmatch(r"\d{12}", user_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", comment.id)
    new_topic = restored.add_topic("Второй")
    new_comment = restored.add_comment(new_topic, CITIZEN, "Ещё")
    new_chat = restored.chat_for_user("575000000099")
    new_message = restored.add_message(new_chat, "in", "Добрый день")
    assert new_topic.id != topic.id and new_comment.id not in {c.id for c in topic.comments}
    assert new_chat.chat_id != chat.chat_id and new_message["mid"] != chat.messages[0]["mid"]
    assert new_message["seq"] > chat.messages[0]["seq"] and restored.new_user_id() != user_id
    emulator = OkEmulator(group_id=GROUP_ID, group_name=GROUP_NAME, application_key=APP_KEY,
                          application_secret_key=APP_SECRET, user_token=USER_TOKEN, group_token=GROUP_TOKEN,
                          admin_user_id=ADMIN, state=restored)
    assert emulator.snapshot()["blocked"][0]["user_id"] == CITIZEN
    with pytest.raises(ValueError):
        OkEmulator(group_id="1", group_name="x", application_key=APP_KEY, application_secret_key=APP_SECRET,
                   user_token=USER_TOKEN, group_token=GROUP_TOKEN, admin_user_id=ADMIN, state=restored)
