"""The VK community as the emulator sees it: wall, board, photos, videos, market, messages, bans, polls.

Callback events and API calls both change this one state, so an API call on a comment behaves as on VK only if
the comment was first "published" (by `record_event_object`, i.e. by a Callback event the sandbox delivered).
Publishing (`vk_publish`) keeps its wall-upload secret, pending uploads, saved photos, polls and post guids here
too, so that `to_json`/`from_json` carry all of it across a demo restart and no id is ever given twice. Tokens,
rights and managers (`vk_access`) travel with it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.vk_access import VkAccess
from bot.sandbox.vk_names import generated_user

# Callback event prefix -> (content kind, key of the commented object, key of its owner in new/edit/restore)
COMMENT_EVENTS: dict[str, tuple[str, str, str]] = {
    "wall_reply": ("wall", "post_id", "owner_id"),
    "board_post": ("board", "topic_id", "topic_owner_id"),
    "photo_comment": ("photo", "photo_id", "photo_owner_id"),
    "video_comment": ("video", "video_id", "video_owner_id"),
    "market_comment": ("market", "item_id", "market_owner_id"),
}
KINDS = ("wall", "board", "photo", "video", "market")


@dataclass
class Comment:
    id: int
    from_id: int
    text: str
    date: int
    state: str = "present"  # "present" | "deleted"
    reply_to_comment: int | None = None
    reply_to_user: int | None = None
    parents_stack: list[int] = field(default_factory=list)
    attachments: list[Any] = field(default_factory=list)
    deleter_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "from_id": self.from_id,
            "text": self.text,
            "date": self.date,
            "state": self.state,
            "parents_stack": list(self.parents_stack),
        }
        if self.reply_to_comment is not None:
            data["reply_to_comment"] = self.reply_to_comment
        if self.reply_to_user is not None:
            data["reply_to_user"] = self.reply_to_user
        if self.attachments:
            data["attachments"] = self.attachments
        if self.deleter_id is not None:
            data["deleter_id"] = self.deleter_id
        return data


@dataclass
class Commentable:
    """A post, board topic, photo, video or market item: something with comments."""

    id: int
    owner_id: int
    text: str = ""
    date: int = 0
    from_id: int = 0
    postponed: bool = False
    comments: dict[int, Comment] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)  # VK attachment objects, wall posts only
    deleted: bool = False

    def as_dict(self, text_key: str = "text") -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "owner_id": self.owner_id,
            text_key: self.text,
            "date": self.date,
        }
        if self.from_id:
            data["from_id"] = self.from_id
        if self.postponed:
            data["postponed"] = True
        if self.deleted:
            data["deleted"] = True
        if self.attachments:
            data["attachments"] = self.attachments
        data["comments"] = [c.as_dict() for c in sorted(self.comments.values(), key=lambda c: c.id)]
        return data


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class VkState:
    """In-memory community content. Ids are per kind; wall posts and comments share one sequence, as on VK."""

    def __init__(self, group_id: int, group_name: str) -> None:
        self.group_id = group_id
        self.group_name = group_name
        self.users: dict[int, dict] = {}
        self.objects: dict[str, dict[int, Commentable]] = {kind: {} for kind in KINDS}
        self.messages: list[dict] = []
        self.can_message: set[int] = set()  # users who wrote to the community and did not deny messages
        self.sent_by_random_id: dict[tuple[int, int], int] = {}
        self.bans: dict[int, dict] = {}
        self.callback_servers: dict[int, dict] = {}
        self.callback_settings: dict[int, dict] = {}
        self.pending_confirmations: list[int] = []  # servers whose address VK is about to check
        self.api_events: list[tuple[str, dict]] = []  # Callback events VK sends about changes made through the API
        self._last_id: dict[str, int] = {kind: 0 for kind in KINDS} | {"message": 0, "poll": 0, "poll_answer": 0}
        # publishing: see vk_publish
        self.upload_secret = secrets.token_hex(16)
        self.upload_server = 800000 + secrets.randbelow(100000)
        self.uploads: dict[str, dict[str, Any]] = {}  # upload key -> the image an upload server received
        self.photo_objects: dict[int, dict[str, Any]] = {}  # saved wall photos, as photos.saveWallPhoto answers
        self.polls: dict[int, dict[str, Any]] = {}
        self.guids: dict[str, int] = {}  # wall.post guid -> the post it made
        self.images: dict[str, tuple[str, bytes]] = {}  # upload key -> (content type, bytes); memory only
        self.access = VkAccess()  # tokens, rights, managers: see vk_access

    # ---- ids
    def _seen_id(self, kind: str, value: int) -> None:
        self._last_id[kind] = max(self._last_id[kind], value)

    def next_id(self, kind: str) -> int:
        """The id VK would give the next post or comment of `kind` ("wall", "board", ..., "message")."""
        self._last_id[kind] += 1
        return self._last_id[kind]

    # ---- users
    def add_user(self, user_id: int, first_name: str, last_name: str) -> None:
        self.users[user_id] = {"id": user_id, "first_name": first_name, "last_name": last_name}

    def user(self, user_id: int) -> dict:
        return dict(self.users.get(user_id) or generated_user(user_id))

    def deactivate(self, user_id: int, how: str | None) -> None:
        """The user's page is "deleted" or "banned" on VK (None: active again); users.get then says so."""
        if how not in (None, "deleted", "banned"):
            raise ValueError(f"a VK page is deactivated as deleted or banned, not {how!r}")
        user = self.users.setdefault(user_id, self.user(user_id))
        user.pop("deactivated", None)
        if how:
            user["deactivated"] = how

    # ---- content
    def owner_id(self) -> int:
        return -self.group_id

    def get_object(self, kind: str, object_id: int, *, create: bool = False) -> Commentable | None:
        items = self.objects[kind]
        if object_id not in items and create:
            items[object_id] = Commentable(id=object_id, owner_id=self.owner_id(), date=int(time.time()))
            self._seen_id(kind, object_id)
        return items.get(object_id)

    def add_object(
        self,
        kind: str,
        text: str = "",
        *,
        object_id: int | None = None,
        date: int | None = None,
        from_id: int | None = None,
        postponed: bool = False,
    ) -> Commentable:
        """Adds a post/topic/photo/video/market item (the things citizens comment on)."""
        object_id = object_id if object_id is not None else self.next_id(kind)
        self._seen_id(kind, object_id)
        obj = Commentable(
            id=object_id,
            owner_id=self.owner_id(),
            text=text,
            date=date or int(time.time()),
            from_id=from_id if from_id is not None else self.owner_id(),
            postponed=postponed,
        )
        self.objects[kind][object_id] = obj
        return obj

    def publish_due(self, now: int | None = None) -> None:
        """Deferred posts whose time has come are on the wall, as VK publishes them on its own."""
        now = int(time.time()) if now is None else now
        for post in self.objects["wall"].values():
            if post.postponed and post.date <= now:
                post.postponed = False

    def find_comment(self, kind: str, comment_id: int) -> tuple[Commentable, Comment] | None:
        for obj in self.objects[kind].values():
            if comment_id in obj.comments:
                return obj, obj.comments[comment_id]
        return None

    def add_comment(self, kind: str, object_id: int, comment: Comment) -> Comment:
        obj = self.get_object(kind, object_id, create=True)
        assert obj is not None
        obj.comments[comment.id] = comment
        self._seen_id(kind, comment.id)
        return comment

    # ---- bans
    def active_bans(self) -> dict[int, dict]:
        now = int(time.time())
        for user_id in [u for u, b in self.bans.items() if b["end_date"] and b["end_date"] <= now]:
            del self.bans[user_id]
        return self.bans

    def ban(
        self,
        user_id: int,
        *,
        end_date: int = 0,
        reason: int = 0,
        comment: str = "",
        comment_visible: bool = False,
        admin_id: int = 0,
    ) -> None:
        self.bans[user_id] = {
            "user_id": user_id,
            "end_date": end_date,
            "reason": reason,
            "comment": comment,
            "comment_visible": comment_visible,
            "admin_id": admin_id,
            "date": int(time.time()),
        }

    # ---- Callback events
    def record_event_object(self, event_type: str, obj: dict) -> None:
        """Applies what a Callback event says happened on VK, so later API calls see it."""
        prefix, _, action = event_type.rpartition("_")
        if prefix in COMMENT_EVENTS:
            self._record_comment_event(prefix, action, obj)
        elif event_type in ("wall_post_new", "wall_repost"):
            self.add_object(
                "wall",
                obj.get("text", ""),
                object_id=_int(obj.get("id")) or None,
                date=_int(obj.get("date")) or None,
                from_id=_int(obj.get("from_id")) or None,
            )
        elif event_type == "message_new":
            self._record_message(obj.get("message", obj))
        elif event_type == "message_allow":
            self.can_message.add(_int(obj.get("user_id")))
        elif event_type == "message_deny":
            self.can_message.discard(_int(obj.get("user_id")))
        elif event_type == "user_block":
            self.ban(
                _int(obj.get("user_id")),
                end_date=_int(obj.get("unblock_date")),
                reason=_int(obj.get("reason")),
                comment=str(obj.get("comment") or ""),
                admin_id=_int(obj.get("admin_id")),
            )
        elif event_type == "user_unblock":
            self.bans.pop(_int(obj.get("user_id")), None)

    def _record_comment_event(self, prefix: str, action: str, obj: dict) -> None:
        kind, object_key, _owner_key = COMMENT_EVENTS[prefix]
        comment_id = _int(obj.get("id"))
        object_id = _int(obj.get(object_key))
        found = self.find_comment(kind, comment_id)
        if action == "delete":
            if found:
                found[1].state = "deleted"
                found[1].deleter_id = _int(obj.get("deleter_id")) or None
            elif comment_id and object_id:  # a comment that exists only on VK: known from now on, deleted
                self.add_comment(kind, object_id, Comment(
                    id=comment_id, from_id=_int(obj.get("user_id")), text="", date=int(time.time()),
                    state="deleted", deleter_id=_int(obj.get("deleter_id")) or None))
            return
        if found and action in ("edit", "restore"):
            comment = found[1]
            comment.text = str(obj.get("text", comment.text))
            comment.state = "present"
            comment.deleter_id = None
            return
        comment = Comment(
            id=comment_id,
            from_id=_int(obj.get("from_id")),
            text=str(obj.get("text", "")),
            date=_int(obj.get("date")) or int(time.time()),
            reply_to_comment=_int(obj.get("reply_to_comment")) or None,
            reply_to_user=_int(obj.get("reply_to_user")) or None,
            parents_stack=[_int(p) for p in obj.get("parents_stack") or []],
            attachments=list(obj.get("attachments") or []),
        )
        self.add_comment(kind, object_id, comment)

    def _record_message(self, message: dict) -> None:
        from_id = _int(message.get("from_id"))
        msg_id = _int(message.get("id")) or self.next_id("message")
        self._last_id["message"] = max(self._last_id["message"], msg_id)
        self.messages.append(
            {
                "id": msg_id,
                "peer_id": _int(message.get("peer_id")) or from_id,
                "from_id": from_id,
                "text": str(message.get("text", "")),
                "date": _int(message.get("date")) or int(time.time()),
                "out": 0,
            }
        )
        if from_id > 0:
            self.can_message.add(from_id)

    # ---- snapshot
    def snapshot(self) -> dict:
        def listing(kind: str, text_key: str = "text") -> list[dict]:
            return [o.as_dict(text_key) for o in sorted(self.objects[kind].values(), key=lambda o: o.id)]

        self.publish_due()
        return {
            "group": {"id": self.group_id, "name": self.group_name, "owner_id": self.owner_id()},
            "posts": [{**post, "attachments": post.get("attachments", [])} for post in listing("wall")],
            "topics": listing("board", "title"),
            "photos": listing("photo"),
            "videos": listing("video"),
            "market": listing("market"),
            "messages": list(self.messages),
            "bans": [dict(b) for b in sorted(self.active_bans().values(), key=lambda b: b["date"])],
            "users": [dict(u) for u in self.users.values()],
        }

    # ---- persistence (the demo keeps the emulated community across restarts, so ids never repeat)
    def to_json(self) -> dict:
        def commentable(obj: Commentable) -> dict:
            data = {k: v for k, v in obj.__dict__.items() if k != "comments"}
            data["comments"] = [dict(c.__dict__) for c in obj.comments.values()]
            return data

        return {
            "group_id": self.group_id,
            "group_name": self.group_name,
            "users": list(self.users.values()),
            "objects": {kind: [commentable(o) for o in objects.values()] for kind, objects in self.objects.items()},
            "messages": list(self.messages),
            "can_message": sorted(self.can_message),
            "sent_by_random_id": [[peer, random_id, message_id]
                                  for (peer, random_id), message_id in self.sent_by_random_id.items()],
            "bans": list(self.bans.values()),
            "callback_servers": list(self.callback_servers.values()),
            "callback_settings": {str(k): v for k, v in self.callback_settings.items()},
            "last_id": dict(self._last_id),
            "publishing": {
                "upload_secret": self.upload_secret,
                "upload_server": self.upload_server,
                "uploads": self.uploads,
                "photos": list(self.photo_objects.values()),
                "polls": list(self.polls.values()),
                "guids": self.guids,
            },
            "access": self.access.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> VkState:
        state = cls(int(data["group_id"]), str(data["group_name"]))
        state.users = {int(u["id"]): dict(u) for u in data.get("users", [])}
        for kind, objects in data.get("objects", {}).items():
            for raw in objects:
                comments = {int(c["id"]): Comment(**c) for c in raw.get("comments", [])}
                obj = Commentable(**{k: v for k, v in raw.items() if k != "comments"})
                obj.comments = comments
                state.objects[kind][obj.id] = obj
        state.messages = list(data.get("messages", []))
        state.can_message = {int(u) for u in data.get("can_message", [])}
        state.sent_by_random_id = {(int(p), int(r)): int(m) for p, r, m in data.get("sent_by_random_id", [])}
        state.bans = {int(b["user_id"]): dict(b) for b in data.get("bans", [])}
        state.callback_servers = {int(s["id"]): dict(s) for s in data.get("callback_servers", [])}
        state.callback_settings = {int(k): v for k, v in data.get("callback_settings", {}).items()}
        state._last_id.update({k: int(v) for k, v in data.get("last_id", {}).items()})
        publishing = data.get("publishing", {})
        state.upload_secret = str(publishing.get("upload_secret", state.upload_secret))
        state.upload_server = int(publishing.get("upload_server", state.upload_server))
        state.uploads = {str(k): dict(v) for k, v in publishing.get("uploads", {}).items()}
        state.photo_objects = {int(p["id"]): dict(p) for p in publishing.get("photos", [])}
        state.polls = {int(p["id"]): dict(p) for p in publishing.get("polls", [])}
        state.guids = {str(k): int(v) for k, v in publishing.get("guids", {}).items()}
        state.access = VkAccess.from_json(data.get("access"))
        return state
