"""Each platform against its emulator, behind one shape, so that one contract suite tests them all.

A harness knows its network's event samples, how to put an item on the emulated network, and which
API call each capability must make; `tests/test_platform_contract.py` asks the same of every harness.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.config import Account
from bot.domain import (
    AuthorBlocked,
    AuthorUnblocked,
    Capability,
    Ignored,
    Item,
    ItemGone,
    ItemSeen,
    ItemStatus,
)
from bot.platform import Platform

_ids = itertools.count(5000)


@dataclass(frozen=True)
class Sample:
    """An event as the network delivers it, and what it must mean to the core."""

    event_type: str
    payload: dict[str, Any]
    expect: type
    kind: str | None = None
    change: str | None = None


@dataclass(frozen=True)
class Expected:
    """A call the emulator must have received: its method and (a subset of) its parameters."""

    method: str
    params: dict[str, str] = field(default_factory=dict)


def as_item(seen: ItemSeen, item_id: int) -> Item:
    draft = seen.draft
    return Item(id=item_id, network=draft.network, account_id=draft.account_id, kind=draft.kind, ext_id=draft.ext_id,
                author=draft.author, text=draft.text, created_at=draft.created_at, url=draft.url, ref=draft.ref,
                attachments=draft.attachments, status=ItemStatus.OPEN, verdict=None)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


class VkHarness:
    network = "vk"
    transient_code = 6
    permanent_code = 15
    GROUP = 229000001
    CITIZEN = 51234567

    async def start(self) -> VkHarness:
        from bot.sandbox.vk_api import VkEmulator
        from platforms.vk import VkPlatform
        from platforms.vk.config import VkCommunity, VkSettings

        self.vk = VkEmulator(group_id=self.GROUP, group_token="vk1.a.g", user_token="vk1.a.u", admin_user_id=100500,
                             enforce_rate_limits=False)
        self.vk.add_user(self.CITIZEN, "Иван", "Петров")
        self.runner, base = await serve(self.vk.app)
        self.account = Account("vk", self.GROUP, "Сообщество", settings=VkCommunity("s", "c", "vk1.a.g", "vk1.a.u"))
        # The emulator's rate limits are off here, so ours may be too: the suite makes many calls.
        self.platform: Platform = VkPlatform([self.account], VkSettings(api_url=f"{base}/method/"), rates=(500, 500))
        self.post = self.vk.add_post("Новость района")
        self.topic = self.vk.add_topic("Обсуждение")
        self.photo, self.video, self.product = self.vk.add_photo(), self.vk.add_video(), self.vk.add_market_item()
        return self

    async def close(self) -> None:
        await self.platform.close()
        await self.runner.cleanup()

    def calls(self) -> list[dict]:
        return self.vk.calls

    names_method = "users.get"
    users_per_call = 1000  # user_ids one users.get may ask for

    def add_person(self, number: int, first_name: str, last_name: str) -> int:
        """Someone the emulated network knows by name; their numeric id."""
        self.vk.add_user(self.CITIZEN + 1000 + number, first_name, last_name)
        return self.CITIZEN + 1000 + number

    def fail_next(self, method: str, code: int) -> None:
        self.vk.fail_next(method, code)

    _OBJECTS = {"wall_comment": ("wall_reply", "post_id", "owner_id"),
                "board_comment": ("board_post", "topic_id", "topic_owner_id"),
                "photo_comment": ("photo_comment", "photo_id", "photo_owner_id"),
                "video_comment": ("video_comment", "video_id", "video_owner_id"),
                "market_comment": ("market_comment", "item_id", "market_owner_id")}

    def _object_id(self, key: str) -> int:
        return {"post_id": self.post, "topic_id": self.topic, "photo_id": self.photo, "video_id": self.video,
                "item_id": self.product}[key]

    def _comment(self, kind: str, comment_id: int, text: str = "Текст комментария") -> tuple[str, dict]:
        prefix, key, owner_key = self._OBJECTS[kind]
        obj = {"id": comment_id, "from_id": self.CITIZEN, "date": 1767600000, "text": text,
               key: self._object_id(key), owner_key: -self.GROUP, "attachments": []}
        return f"{prefix}_new", obj

    def samples(self) -> list[Sample]:
        found: list[Sample] = []
        for kind, (prefix, _key, _owner) in self._OBJECTS.items():
            _, obj = self._comment(kind, 900)
            for change in ("new", "edit", "restore"):
                found.append(Sample(f"{prefix}_{change}", {"object": obj}, ItemSeen, kind, change))
            gone = {"id": 900, "deleter_id": self.CITIZEN, "owner_id": -self.GROUP, "topic_owner_id": -self.GROUP,
                    _key: obj[_key]}
            found.append(Sample(f"{prefix}_delete", {"object": gone}, ItemGone, kind))
        message = {"message": {"id": 77, "from_id": self.CITIZEN, "peer_id": self.CITIZEN, "date": 1767600000,
                               "text": "Здравствуйте", "conversation_message_id": 7, "out": 0}, "client_info": {}}
        found += [
            Sample("message_new", {"object": message}, ItemSeen, "message", "new"),
            Sample("user_block", {"object": {"user_id": self.CITIZEN, "admin_id": 1, "unblock_date": 0}},
                   AuthorBlocked),
            Sample("user_unblock", {"object": {"user_id": self.CITIZEN, "admin_id": 1, "by_end_date": 0}},
                   AuthorUnblocked),
            Sample("group_join", {"object": {"user_id": self.CITIZEN}}, Ignored),
            Sample("wall_reply_new", {"object": {**self._comment("wall_comment", 901)[1], "from_id": -self.GROUP}},
                   Ignored),
        ]
        return found

    async def item(self, kind: str) -> Item:
        number = next(_ids)
        if kind == "message":
            obj = {"message": {"id": number, "from_id": self.CITIZEN, "peer_id": self.CITIZEN, "text": "Вопрос",
                               "date": 1767600000, "conversation_message_id": number, "out": 0}}
            self.vk.record_event_object("message_new", obj)
            event_type = "message_new"
        else:
            event_type, obj = self._comment(kind, number)
            self.vk.record_event_object(event_type, obj)
        seen = self.platform.parse(event_type, {"object": obj}, self.GROUP)
        assert isinstance(seen, ItemSeen)
        return as_item(seen, number)

    def expected(self, capability: Capability, item: Item) -> list[Expected]:
        comment = str(item.ref.get("comment_id"))
        section = {"wall_comment": "wall", "board_comment": "board", "photo_comment": "photos",
                   "video_comment": "video", "market_comment": "market"}.get(item.kind)
        author = {"owner_id": str(self.CITIZEN), "group_id": str(self.GROUP)}
        if capability is Capability.DELETE:
            return [Expected(f"{section}.deleteComment", {"comment_id": comment})]
        if capability is Capability.RESTORE:
            return [Expected(f"{section}.restoreComment", {"comment_id": comment})]
        if capability is Capability.BAN:
            deletion = [Expected(f"{section}.deleteComment", {"comment_id": comment})] if section else []
            return [*deletion, Expected("groups.ban", author)]
        if capability is Capability.UNBAN:
            return [Expected("groups.unban", author)]
        if item.kind == "message":
            return [Expected("messages.send", {"peer_id": str(self.CITIZEN)})]
        return [Expected("wall.createComment", {"reply_to_comment": comment})]

    def delete_method(self, item: Item) -> str:
        return self.expected(Capability.DELETE, item)[0].method


class OkHarness:
    network = "ok"
    transient_code = 8
    permanent_code = 102
    GROUP = 70000000000001
    CITIZEN = "575000000001"

    async def start(self) -> OkHarness:
        from bot.sandbox.ok_api import OkEmulator
        from platforms.ok import OkPlatform
        from platforms.ok.config import OkGroup, OkSettings

        self.ok = OkEmulator(group_id=str(self.GROUP), group_name="Группа", application_key="CBAKEY",
                             application_secret_key="SECRET", user_token="-s-user", group_token="tkn1group",
                             admin_user_id="575000000099", enforce_rate_limits=False)
        self.ok.add_user(self.CITIZEN, "Галина", "Орлова")
        self.topic = self.ok.add_topic("Новость района")
        self.runner, base = await serve(self.ok.app)
        self.account = Account("ok", self.GROUP, "Группа", settings=OkGroup("-s-user", "tkn1group",
                                                                            "secret-path-0123456789"))
        self.settings = OkSettings(application_key="CBAKEY", application_secret="SECRET", api_url=f"{base}/",
                                   backfill=True, requests_per_second=50)
        self.platform: Platform = OkPlatform([self.account], self.settings)
        return self

    async def close(self) -> None:
        await self.platform.close()
        await self.runner.cleanup()

    def calls(self) -> list[dict]:
        return self.ok.calls

    names_method = "users.getInfo"
    users_per_call = 100  # uids one users.getInfo may ask for

    def add_person(self, number: int, first_name: str, last_name: str) -> int:
        """Someone the emulated network knows by name; their numeric id."""
        self.ok.add_user(str(int(self.CITIZEN) + 1000 + number), first_name, last_name)
        return int(self.CITIZEN) + 1000 + number

    def fail_next(self, method: str, code: int) -> None:
        self.ok.fail_next(method, code)

    def _comment_payload(self, comment_id: str, author: str = CITIZEN) -> dict:
        return {"topic_id": self.topic, "comment": {"id": comment_id, "author_id": author, "text": "Текст",
                                                    "author_name": "Галина Орлова", "date": "2026-11-30 12:00:00"}}

    def _message_payload(self, mid: str, chat: str, author: str = CITIZEN) -> dict:
        return {"webhookType": "MESSAGE_CREATED", "sender": {"user_id": f"user:{author}", "name": "Галина"},
                "recipient": {"chat_id": chat}, "message": {"text": "Здравствуйте", "seq": 1, "mid": mid},
                "timestamp": int(datetime.now(UTC).timestamp() * 1000)}

    def samples(self) -> list[Sample]:
        return [
            Sample("topic_comment", self._comment_payload("MTIzOjQ1"), ItemSeen, "topic_comment", "new"),
            Sample("topic_comment", self._comment_payload("MTIzOjQ2", author=str(self.GROUP)), Ignored),
            Sample("MESSAGE_CREATED", self._message_payload("mid:C1.1", "chat:C1"), ItemSeen, "message", "new"),
            Sample("CHAT_SYSTEM", {"webhookType": "CHAT_SYSTEM", "recipient": {"chat_id": "chat:C1"}}, Ignored),
        ]

    async def item(self, kind: str) -> Item:
        author = self.ok.new_user_id()  # a fresh citizen each time: a banned one could not write again
        self.ok.add_user(author, "Житель", f"№{author[-3:]}")
        if kind == "message":
            chat, message = self.ok.receive_message(author, "Вопрос")
            payload, event_type = self._message_payload(message["mid"], chat, author), "MESSAGE_CREATED"
        else:
            comment_id = self.ok.add_comment(self.topic, author, "Комментарий")
            payload, event_type = self._comment_payload(comment_id, author), "topic_comment"
        seen = self.platform.parse(event_type, payload, self.GROUP)
        assert isinstance(seen, ItemSeen)
        return as_item(seen, next(_ids))

    def expected(self, capability: Capability, item: Item) -> list[Expected]:
        comment = str(item.ref.get("comment_id"))
        if capability is Capability.DELETE:
            return [Expected("discussions.deleteDiscussionComment", {"comment_id": comment, "block_author": "false"})]
        if capability is Capability.BAN:
            return [Expected("discussions.deleteDiscussionComment", {"comment_id": comment, "block_author": "true"})]
        if item.kind == "message":
            return [Expected("graph.user.messages", {"chat_id": item.ref["chat_id"]})]
        return [Expected("discussions.addDiscussionComment", {"reply_to_comment_id": comment, "as_admin": "true"})]

    def delete_method(self, item: Item) -> str:
        return "discussions.deleteDiscussionComment"


HARNESSES = {"vk": VkHarness, "ok": OkHarness}

KINDS_OF = {
    "vk": ("wall_comment", "board_comment", "photo_comment", "video_comment", "market_comment", "message"),
    "ok": ("topic_comment", "message"),
}
