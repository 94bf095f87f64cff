"""The OK group as the emulator sees it: topics with comments, the black list, Bot API chats, webhooks.

Pure data and rules, no I/O: `to_json`/`from_json` let the demo persist the state across restarts. Every id comes
from a monotonic counter kept in the state, so ids never repeat within one state, also after a round trip.
Publishing (`ok_publish`) adds topics with media blocks, deleted and deferred topics, and uploaded photos with
their single-use tokens; a deleted or not yet due topic is invisible to every method, as on OK. Tokens and the
group's managers (`ok_access`) travel with the state.

Comment paging model (OK's exact anchor semantics are undocumented, this is the emulator's own): an anchor names
a position in a topic's comment sequence, 0 = before the first comment, n = after the n-th. Deleted comments keep
their position. FORWARD returns comments after the anchor (oldest first) and answers the position after the last
comment returned; BACKWARD returns the comments just before it (still oldest first) and answers the position
before the first one returned. With nothing returned the anchor is answered unchanged.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.ok_access import OkAccess
from bot.sandbox.vk_names import generated_user

MOSCOW = ZoneInfo("Europe/Moscow")
TOPIC_BASE = 155_000_000_000_000  # topic ids: 15 digits
USER_BASE = 575_000_000_000  # user ids: 12 digits
PHOTO_BASE = 931_000_000_000  # uploaded photo ids: 12 digits
CHAT_BASE = 0x3EC9D0000000  # chat ids: "chat:C" + 12 hex digits
MID_BASE = 0x15CEA67D78D0000
SEQ_BASE = 98_211_023_614_180_000
DEFAULT_TOPIC_TEXT = "Новости района"
FORMAT_VERSION = 1


def now_ms() -> int:
    return int(time.time() * 1000)


def moscow_time(ms: int) -> str:
    """OK's comment `date`: local Moscow time, "YYYY-MM-DD HH:MM:SS"."""
    return datetime.fromtimestamp(ms / 1000, MOSCOW).strftime("%Y-%m-%d %H:%M:%S")


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def unb64(value: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def comment_anchor(topic_id: str, position: int) -> str:
    return b64(f"comments:{topic_id}:{position}")


def parse_comment_anchor(anchor: str, topic_id: str) -> int | None:
    """The position an opaque anchor names, or None when it is not an anchor of this topic."""
    kind, _, rest = (unb64(anchor) or "").partition(":")
    anchor_topic, _, position = rest.partition(":")
    if kind != "comments" or anchor_topic != topic_id or not position.isdigit():
        return None
    return int(position)


def topics_anchor(index: int) -> str:
    """Topic paging goes newest first; the anchor is the publication index the next page must stay below."""
    return b64(f"topics:{index}")


def parse_topics_anchor(anchor: str) -> int | None:
    kind, _, index = (unb64(anchor) or "").partition(":")
    return int(index) if kind == "topics" and index.isdigit() else None


@dataclass
class OkComment:
    id: str
    author_id: str
    author_name: str
    text: str
    date_ms: int
    state: str = "present"  # "present" | "deleted"
    deleted_by: str | None = None
    spam: bool = False
    reply_to_comment_id: str | None = None
    reply_to_id: str | None = None
    reply_to_name: str | None = None

    def render(self, keys: set[str]) -> dict[str, Any]:
        """The comment as `discussions.getComments` answers it, restricted to the requested JSON keys."""
        full: dict[str, Any] = {
            "id": self.id,
            "author_id": self.author_id,
            "author_name": self.author_name,
            "text": self.text,
            "date": moscow_time(self.date_ms),
            "date_ms": self.date_ms,
            "reply_to_comment_id": self.reply_to_comment_id,
            "reply_to_id": self.reply_to_id,
            "reply_to_name": self.reply_to_name,
        }
        row = {k: v for k, v in full.items() if k in keys and v is not None}
        if self.state == "deleted":
            row["deleted"] = True
        return row

    def snapshot(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "author_id": self.author_id,
            "author_name": self.author_name,
            "text": self.text,
            "date": moscow_time(self.date_ms),
            "date_ms": self.date_ms,
            "state": self.state,
        }
        if self.deleted_by is not None:
            data["deleted_by"] = self.deleted_by
        if self.spam:
            data["spam"] = True
        if self.reply_to_comment_id is not None:
            data["reply_to_comment_id"] = self.reply_to_comment_id
        return data


@dataclass
class OkTopic:
    id: str
    text: str
    date_ms: int
    comments: list[OkComment] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)  # the blocks mediatopic.post was given, normalised
    author_id: str = ""  # "" = the group (topics made by `add_topic`)
    deleted: bool = False
    scheduled: bool = False  # deferred with publishAt/publishAtMs: hidden until date_ms
    comments_disabled: bool = False

    def visible(self, at_ms: int | None = None) -> bool:
        return not self.deleted and not (self.scheduled and self.date_ms > (now_ms() if at_ms is None else at_ms))

    def present_count(self) -> int:
        return sum(1 for c in self.comments if c.state == "present")

    def find(self, comment_id: str) -> OkComment | None:
        return next((c for c in self.comments if c.id == comment_id), None)


@dataclass
class OkChat:
    chat_id: str
    user_id: str
    messages: list[dict[str, Any]] = field(default_factory=list)


def page_comments(
    topic: OkTopic, position: int, direction: str, count: int, include_removed: bool
) -> tuple[list[OkComment], int, bool]:
    """(comments oldest first, the anchor position to answer, whether more lie further in that direction)."""
    comments = topic.comments

    def visible(c: OkComment) -> bool:
        return include_removed or c.state == "present"

    picked: list[OkComment] = []
    answer = position
    if direction == "FORWARD":
        idx = position
        while idx < len(comments) and len(picked) < count:
            if visible(comments[idx]):
                picked.append(comments[idx])
                answer = idx + 1
            idx += 1
        return picked, answer, any(visible(c) for c in comments[idx:])
    idx = position - 1
    while idx >= 0 and len(picked) < count:
        if visible(comments[idx]):
            picked.append(comments[idx])
            answer = idx
        idx -= 1
    picked.reverse()
    return picked, answer, any(visible(c) for c in comments[: idx + 1])


class OkState:
    """One OK group with its content; `topics` keeps publication order (oldest first)."""

    def __init__(self, group_id: str, group_name: str) -> None:
        if not group_id.isdigit():
            raise ValueError("group_id is OK's numeric group id, as a string")
        self.group_id = group_id
        self.group_name = group_name
        self.users: dict[str, dict[str, str]] = {}
        self.topics: dict[str, OkTopic] = {}
        self.blocked: dict[str, dict[str, Any]] = {}
        self.chats: dict[str, OkChat] = {}
        self.subscriptions: list[dict[str, Any]] = []
        self.counters: dict[str, int] = {"topic": 0, "comment": 0, "user": 0, "chat": 0, "message": 0, "photo": 0}
        self.upload_secret = secrets.token_hex(16)
        self.photos: dict[str, dict[str, Any]] = {}  # photo id -> its upload: gid, expiry, token, size
        self.access = OkAccess()  # tokens and managers: see ok_access

    def new_photo_id(self) -> str:
        return str(PHOTO_BASE + self._next("photo"))

    def _next(self, kind: str) -> int:
        self.counters[kind] += 1
        return self.counters[kind]

    # ---- users
    def new_user_id(self) -> str:
        while True:
            user_id = str(USER_BASE + self._next("user"))
            if user_id not in self.users:
                return user_id

    def add_user(self, user_id: str, first_name: str, last_name: str) -> None:
        if not user_id.isdigit():
            raise ValueError(f"OK user ids are digits: {user_id!r}")
        self.users[user_id] = {"first_name": first_name, "last_name": last_name}

    def user(self, user_id: str) -> dict[str, str]:
        """`{"uid","first_name","last_name","name"}`; unknown users get a stable generated Russian name."""
        known = self.users.get(user_id)
        if known is None:
            made = generated_user(int(user_id))
            known = {"first_name": made["first_name"], "last_name": made["last_name"]}
        return {"uid": user_id, **known, "name": f"{known['first_name']} {known['last_name']}"}

    def author_name(self, author_id: str) -> str:
        return self.group_name if author_id == self.group_id else self.user(author_id)["name"]

    # ---- topics and comments
    def add_topic(self, text: str, *, topic_id: str | None = None, date_ms: int | None = None) -> OkTopic:
        if topic_id is None:
            topic_id = str(TOPIC_BASE + self._next("topic"))
            while topic_id in self.topics:
                topic_id = str(TOPIC_BASE + self._next("topic"))
        elif not topic_id.isdigit() or topic_id in self.topics:
            raise ValueError(f"topic id must be new digits: {topic_id!r}")
        else:
            self.counters["topic"] = max(self.counters["topic"], int(topic_id) - TOPIC_BASE)
        topic = OkTopic(id=topic_id, text=text, date_ms=date_ms if date_ms is not None else now_ms())
        self.topics[topic_id] = topic
        return topic

    def default_topic(self) -> OkTopic:
        """The newest visible topic, or a fresh "Новости района" when the group has none."""
        visible = [t for t in self.topics.values() if t.visible()]
        return visible[-1] if visible else self.add_topic(DEFAULT_TOPIC_TEXT)

    def add_comment(
        self,
        topic: OkTopic,
        author_id: str,
        text: str,
        *,
        reply_to_comment_id: str | None = None,
        date_ms: int | None = None,
    ) -> OkComment:
        if not author_id.isdigit():
            raise ValueError(f"OK user ids are digits: {author_id!r}")
        date_ms = date_ms if date_ms is not None else now_ms()
        comment = OkComment(
            id=b64(f"{date_ms}:{self._next('comment')}"),
            author_id=author_id,
            author_name=self.author_name(author_id),
            text=text,
            date_ms=date_ms,
        )
        if reply_to_comment_id is not None:
            target = topic.find(reply_to_comment_id)
            if target is None:
                raise KeyError(reply_to_comment_id)
            comment.reply_to_comment_id = target.id
            comment.reply_to_id = target.author_id
            comment.reply_to_name = target.author_name
        topic.comments.append(comment)
        return comment

    def find_comment(self, comment_id: str) -> tuple[OkTopic, OkComment] | None:
        for topic in self.topics.values():
            comment = topic.find(comment_id)
            if comment is not None:
                return topic, comment
        return None

    def block(self, user_id: str) -> dict[str, Any]:
        """Adds the user to the group's black list (idempotent: the first date stays)."""
        if user_id not in self.blocked:
            self.blocked[user_id] = {"user_id": user_id, "name": self.user(user_id)["name"], "since": now_ms()}
        return self.blocked[user_id]

    # ---- Bot API chats
    def chat_for_user(self, user_id: str) -> OkChat:
        for chat in self.chats.values():
            if chat.user_id == user_id:
                return chat
        chat = OkChat(chat_id=f"chat:C{CHAT_BASE + self._next('chat') * 0x9D1:012x}", user_id=user_id)
        self.chats[chat.chat_id] = chat
        return chat

    def add_message(self, chat: OkChat, direction: str, text: str) -> dict[str, Any]:
        number = self._next("message")
        message = {
            "mid": f"mid:{chat.chat_id.removeprefix('chat:')}.{MID_BASE + number:x}",
            "seq": SEQ_BASE + number,
            "direction": direction,
            "text": text,
            "timestamp": now_ms(),
        }
        chat.messages.append(message)
        return message

    def subscribe(self, url: str) -> None:
        if all(s["url"] != url for s in self.subscriptions):
            self.subscriptions.append({"time": now_ms(), "url": url})

    def unsubscribe(self, url: str) -> None:
        self.subscriptions = [s for s in self.subscriptions if s["url"] != url]

    # ---- views and persistence
    def snapshot(self) -> dict[str, Any]:
        return {
            "group": {"id": self.group_id, "name": self.group_name},
            "topics": [
                {
                    "id": t.id,
                    "text": t.text,
                    "date": moscow_time(t.date_ms),
                    "date_ms": t.date_ms,
                    "media": [dict(m) for m in t.media],
                    **({"deleted": True} if t.deleted else {}),
                    **({"scheduled": True} if t.scheduled and not t.visible() and not t.deleted else {}),
                    "comments": [c.snapshot() for c in t.comments],
                }
                for t in self.topics.values()
            ],
            "blocked": [dict(b) for b in self.blocked.values()],
            "chats": [
                {"chat_id": c.chat_id, "user_id": c.user_id, "messages": [dict(m) for m in c.messages]}
                for c in self.chats.values()
            ],
            "subscriptions": [dict(s) for s in self.subscriptions],
            "users": [self.user(u) for u in self.users],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "group": {"id": self.group_id, "name": self.group_name},
            "users": {k: dict(v) for k, v in self.users.items()},
            "topics": [asdict(t) for t in self.topics.values()],
            "blocked": [dict(b) for b in self.blocked.values()],
            "chats": [asdict(c) for c in self.chats.values()],
            "subscriptions": [dict(s) for s in self.subscriptions],
            "counters": dict(self.counters),
            "upload_secret": self.upload_secret,
            "photos": {k: dict(v) for k, v in self.photos.items()},
            "access": self.access.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OkState:
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"unsupported OK state version: {data.get('version')!r}")
        state = cls(str(data["group"]["id"]), str(data["group"]["name"]))
        state.users = {str(k): dict(v) for k, v in data.get("users", {}).items()}
        for raw in data.get("topics", []):
            comments = [OkComment(**c) for c in raw.get("comments", [])]
            state.topics[raw["id"]] = OkTopic(**{**raw, "comments": comments})
        state.blocked = {b["user_id"]: dict(b) for b in data.get("blocked", [])}
        for raw in data.get("chats", []):
            state.chats[raw["chat_id"]] = OkChat(raw["chat_id"], raw["user_id"], [dict(m) for m in raw["messages"]])
        state.subscriptions = [dict(s) for s in data.get("subscriptions", [])]
        state.counters.update({k: int(v) for k, v in data.get("counters", {}).items()})
        state.upload_secret = str(data.get("upload_secret", state.upload_secret))
        state.photos = {str(k): dict(v) for k, v in data.get("photos", {}).items()}
        state.access = OkAccess.from_json(data.get("access"))
        return state
