"""Callback event objects as VK builds them: for events typed on the sandbox page, and for changes made through the
API that VK reports back to the community's Callback server.

Shapes follow VK's Callback schema (`callback/objects.json`) and vk.md §2.1. Deletions differ by kind, and by who
deleted:
- `wall_reply_delete`: `owner_id, id, user_id, deleter_id, post_id` when an administrator deleted the comment;
  `owner_id, id, post_id` only when its author did (captured payloads: vkbottle#33, VKCOM/vk-java-sdk#113);
- `board_post_delete`: `topic_owner_id, topic_id, id`, plus `deleter_id` for an administrator's deletion;
- `photo_comment_delete`, `video_comment_delete`: `owner_id, id, user_id, deleter_id, photo_id|video_id`, where the
  schema requires `deleter_id`; for the author's own deletion it is the author (UNVERIFIED);
- `market_comment_delete`: `owner_id, id, user_id, item_id`, plus `deleter_id` for an administrator (VK.NET's shape).
A deletion by the community itself (a community token) carries no `deleter_id` (UNVERIFIED), and that VK reports
deletions and restores made through its API to the Callback server at all is UNVERIFIED (observed behaviour of
Callback servers, not documented).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot.sandbox.control_input import BadInput, whole
from bot.sandbox.vk_state import COMMENT_EVENTS, Comment

if TYPE_CHECKING:
    from bot.sandbox.vk_api import VkEmulator

CLIENT_INFO = {
    "button_actions": [
        "text",
        "vkpay",
        "open_app",
        "location",
        "open_link",
        "callback",
        "intent_subscribe",
        "intent_unsubscribe",
    ],
    "keyboard": True,
    "inline_keyboard": True,
    "carousel": True,
    "lang_id": 0,
}
PREFIX = {kind: prefix for prefix, (kind, _object, _owner) in COMMENT_EVENTS.items()}


def comment_object(group_id: int, kind: str, parent_id: int, comment: Comment) -> dict:
    """The object of `*_new`, `*_edit` and `*_restore` for a comment of `kind`."""
    _kind, object_key, owner_key = COMMENT_EVENTS[PREFIX[kind]]
    data: dict = {"id": comment.id, "from_id": comment.from_id, "date": comment.date, "text": comment.text,
                  object_key: parent_id, owner_key: -group_id, "attachments": list(comment.attachments)}
    if kind == "wall":
        data.update(post_owner_id=-group_id, parents_stack=list(comment.parents_stack))
        if comment.reply_to_comment:
            data.update(reply_to_comment=comment.reply_to_comment, reply_to_user=comment.reply_to_user)
    return data


def delete_object(group_id: int, kind: str, parent_id: int, comment: Comment, deleter_id: int | None) -> dict:
    """The object of `*_delete`; `deleter_id` is the person who deleted it (None: the community itself)."""
    _kind, object_key, _owner = COMMENT_EVENTS[PREFIX[kind]]
    by_author = deleter_id == comment.from_id
    if kind == "board":
        data: dict = {"topic_owner_id": -group_id, "topic_id": parent_id, "id": comment.id}
        if deleter_id is not None and not by_author:
            data["deleter_id"] = deleter_id
        return data
    data = {"owner_id": -group_id, "id": comment.id}
    if kind in ("photo", "video"):
        data.update(user_id=comment.from_id, deleter_id=deleter_id if deleter_id is not None else comment.from_id)
    elif not by_author:
        data["user_id"] = comment.from_id
        if deleter_id is not None:
            data["deleter_id"] = deleter_id
    data[object_key] = parent_id
    return data


def event_type(kind: str, action: str) -> str:
    return f"{PREFIX[kind]}_{action}"


class EventFiller:
    """Completes an event object typed on the page, the way VK would have built it.

    A comment the sandbox never saw (it exists only on VK) may be edited, deleted or restored too, when the
    object names what VK would: the commented object (`post_id`, `topic_id`…) and, but for a deletion, the author.
    A deletion typed without `deleter_id` names the author as deleter and `user_id` (what the page has always sent);
    `"deleter_id": null` gives VK's own shape for an author's deletion (`delete_object`), e.g. no `user_id` and no
    `deleter_id` on the wall.
    """

    def __init__(self, vk: VkEmulator) -> None:
        self.vk = vk
        self.state = vk.state

    def fill(self, event_type: str, obj: dict) -> dict:
        prefix, _, action = event_type.rpartition("_")
        if prefix in COMMENT_EVENTS:
            return self._comment(prefix, action, dict(obj))
        if event_type == "message_new":
            return self._message(dict(obj))
        return dict(obj)

    def _target(self, kind: str, object_key: str, obj: dict) -> int:
        if obj.get(object_key) not in (None, ""):
            return whole(obj[object_key], object_key)
        items = sorted(self.state.objects[kind])
        if items:
            return items[0]
        if kind == "wall":
            return self.vk.add_post("Новости района")
        raise BadInput(f"Нет объекта для комментария: укажите {object_key}")

    def _comment(self, prefix: str, action: str, obj: dict) -> dict:
        kind, object_key, owner_key = COMMENT_EVENTS[prefix]
        owner = -self.vk.group_id
        if action == "new":
            if obj.get("from_id") in (None, ""):
                raise BadInput("Укажите автора комментария (from_id)")
            obj["from_id"] = whole(obj["from_id"], "from_id")
            obj[object_key] = self._target(kind, object_key, obj)
            if obj.get("id") in (None, ""):
                obj["id"] = self.vk.next_id(kind)
            obj.setdefault("date", int(time.time()))
            obj.setdefault("text", "")
            obj.setdefault(owner_key, owner)
            obj.setdefault("attachments", [])
            if kind == "wall":
                obj.setdefault("post_owner_id", owner)
                self._thread(obj)
            return obj
        if obj.get("id") in (None, ""):
            raise BadInput("Укажите id комментария")
        obj["id"] = whole(obj["id"], "id")
        found = self.state.find_comment(kind, obj["id"])
        if found is None:
            return self._unknown(kind, action, obj)
        parent, comment = found
        if action == "delete":
            if "deleter_id" in obj and obj["deleter_id"] is None:  # the author deleted it: exactly VK's shape
                del obj["deleter_id"]
                return {**delete_object(self.vk.group_id, kind, parent.id, comment, comment.from_id), **obj}
            delete_owner_key = "topic_owner_id" if kind == "board" else "owner_id"
            obj.setdefault(delete_owner_key, owner)
            obj.setdefault(object_key, parent.id)
            if kind != "board":
                obj.setdefault("user_id", comment.from_id)
            obj.setdefault("deleter_id", comment.from_id)
            return obj
        return {**comment_object(self.vk.group_id, kind, parent.id, comment), **obj}

    def _unknown(self, kind: str, action: str, obj: dict) -> dict:
        """An event about a comment that exists only on VK: filled from what the object says, nothing invented."""
        _kind, object_key, owner_key = COMMENT_EVENTS[PREFIX[kind]]
        needed = [object_key] + ([] if action == "delete" else ["from_id"])
        missing = [name for name in needed if obj.get(name) in (None, "")]
        if missing:
            raise BadInput(f"Комментарий {obj['id']} не найден в песочнице; чтобы повторить событие VK о комментарии,"
                           f" которого здесь нет, укажите {', '.join(missing)}")
        for name in needed + [n for n in ("user_id", "deleter_id") if obj.get(n) not in (None, "")]:
            obj[name] = whole(obj[name], name)
        owner = -self.vk.group_id
        if action == "delete":
            obj.setdefault("topic_owner_id" if kind == "board" else "owner_id", owner)
            return {k: v for k, v in obj.items() if v is not None}
        obj.setdefault("date", int(time.time()))
        obj.setdefault("text", "")
        obj.setdefault(owner_key, owner)
        obj.setdefault("attachments", [])
        if kind == "wall":
            obj.setdefault("post_owner_id", owner)
            obj.setdefault("parents_stack", [])
        return obj

    def _thread(self, obj: dict) -> None:
        reply_to = obj.get("reply_to_comment")
        if reply_to in (None, "", 0):
            obj.pop("reply_to_comment", None)
            obj.setdefault("parents_stack", [])
            obj.setdefault(
                "thread",
                {"count": 0, "items": [], "can_post": True, "show_reply_button": True, "groups_can_post": True},
            )
            return
        found = self.state.find_comment("wall", whole(reply_to, "reply_to_comment"))
        if found is None:
            raise BadInput(f"Комментарий {reply_to}, на который отвечают, не найден")
        parent_post, parent = found
        obj["reply_to_comment"] = parent.id
        obj["post_id"] = parent_post.id
        obj.setdefault("reply_to_user", parent.from_id)
        obj.setdefault("parents_stack", [parent.parents_stack[0] if parent.parents_stack else parent.id])

    def _message(self, obj: dict) -> dict:
        message = dict(obj.get("message") or {k: v for k, v in obj.items() if k != "client_info"})
        if message.get("from_id") in (None, ""):
            raise BadInput("Укажите автора сообщения (from_id)")
        from_id = whole(message["from_id"], "from_id")
        if message.get("id") in (None, ""):
            message["id"] = self.vk.next_id("message")
        message_id = whole(message["id"], "id")
        defaults = {
            "date": int(time.time()),
            "from_id": from_id,
            "peer_id": from_id,
            "out": 0,
            "attachments": [],
            "conversation_message_id": message_id,
            "fwd_messages": [],
            "important": False,
            "is_hidden": False,
            "random_id": 0,
            "text": "",
            "version": 10_000_000 + message_id,
        }
        return {
            "message": {**defaults, **message, "from_id": from_id, "id": message_id},
            "client_info": obj.get("client_info", CLIENT_INFO),
        }
