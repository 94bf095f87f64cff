"""VK Callback events (API 5.199) turned into the core's network events.

Field names follow VK's schemas (`callback/objects.json`, `wall/objects.json`); where the sources
disagree (`user_id`/`deleter_id` on deletions, `item_id` on market comments) the fields are optional.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.domain import (
    Author,
    AuthorBlocked,
    AuthorUnblocked,
    Ignored,
    ItemDraft,
    ItemGone,
    ItemSeen,
    NetworkEvent,
)
from platforms.vk.content import describe, message_extras, plain_mentions

NETWORK = "vk"
CHAT_PEERS = 2_000_000_000  # peer ids of group chats ("беседы") start here

# kind, the field holding the parent object's id, the field holding its owner, URL template
_COMMENTS: dict[str, tuple[str, str, str, str]] = {
    "wall_reply": ("wall_comment", "post_id", "owner_id", "https://vk.com/wall{owner}_{parent}?reply={id}"),
    "board_post": ("board_comment", "topic_id", "topic_owner_id", "https://vk.com/topic{owner}_{parent}?post={id}"),
    "photo_comment": ("photo_comment", "photo_id", "photo_owner_id", "https://vk.com/photo{owner}_{parent}"),
    "video_comment": ("video_comment", "video_id", "video_owner_id", "https://vk.com/video{owner}_{parent}"),
    "market_comment": ("market_comment", "item_id", "market_owner_id", "https://vk.com/product{owner}_{parent}"),
}
_CHANGES = {"new": "new", "edit": "edit", "restore": "restore"}


class MalformedEvent(ValueError):
    """The event lacks a field we need; stored, marked failed, never retried forever."""


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedEvent(f"field {key!r} must be an integer, got {value!r}")
    return value


def _opt_int(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _when(obj: dict[str, Any]) -> datetime:
    stamp = obj.get("date")
    if isinstance(stamp, int) and stamp > 0:
        return datetime.fromtimestamp(stamp, UTC)
    return datetime.now(UTC)


def summarize_attachments(attachments: Any) -> tuple[str, ...]:
    """A short phrase per attachment for the card, in Russian ("фото (3)", "стикер", "ссылка: …")."""
    return describe(attachments)[0]


def _ext_id(kind: str, owner: int, obj: dict[str, Any], comment_id: int) -> str:
    # Board comment ids are numbered per topic; other comment ids are unique per owner.
    if kind == "board_comment":
        return f"{owner}_{_opt_int(obj, 'topic_id') or 0}_{comment_id}"
    return f"{owner}_{comment_id}"


def _comment(kind: str, parent_field: str, owner_field: str, url: str, change: str,
             obj: dict[str, Any], group_id: int) -> NetworkEvent:
    comment_id = _int(obj, "id")
    from_id = _int(obj, "from_id")
    if from_id == -group_id:
        return Ignored("written by the community itself")
    owner = _opt_int(obj, owner_field)
    if owner is None:
        owner = _opt_int(obj, "owner_id") or -group_id
    parent = _opt_int(obj, parent_field)
    ref: dict[str, Any] = {"owner_id": owner, "comment_id": comment_id}
    if parent is not None:
        ref[parent_field] = parent
        if kind == "wall_comment":  # under which post: the card links it
            ref["parent_url"] = f"https://vk.com/wall{owner}_{parent}"
            ref["parent_title"] = f"запись {owner}_{parent}"
            if owner == -group_id:  # a post of the page: the core finds its words among what it published
                ref["parent_post_id"] = str(parent)
    reply_to_user, reply_to_comment = _opt_int(obj, "reply_to_user"), _opt_int(obj, "reply_to_comment")
    if reply_to_user:
        ref["reply_to_user"] = reply_to_user  # whom it answers: the core names them
    if reply_to_comment:
        ref["reply_to_comment"] = reply_to_comment
        ref["reply_to_ext_id"] = _ext_id(kind, owner, obj | {"id": reply_to_comment}, reply_to_comment)
    raw = obj["text"] if isinstance(obj.get("text"), str) else ""
    text = plain_mentions(raw)
    if text != raw:
        ref["raw_text"] = raw
    attachments, inside = describe(obj.get("attachments"))
    if inside:
        ref["quoted"] = inside  # a repost's text: judged too
    draft = ItemDraft(
        network=NETWORK,
        account_id=group_id,
        kind=kind,
        ext_id=_ext_id(kind, owner, obj, comment_id),
        author=Author(from_id),
        text=text,
        created_at=_when(obj),
        url=url.format(owner=owner, parent=parent if parent is not None else 0, id=comment_id),
        ref=ref,
        attachments=attachments,
    )
    return ItemSeen(draft=draft, change=change)


def _comment_gone(kind: str, owner_field: str, obj: dict[str, Any], group_id: int) -> NetworkEvent:
    comment_id = _int(obj, "id")
    owner = _opt_int(obj, owner_field) or _opt_int(obj, "owner_id") or -group_id
    return ItemGone(NETWORK, group_id, kind, _ext_id(kind, owner, obj, comment_id), _opt_int(obj, "deleter_id"))


def _message(obj: dict[str, Any], group_id: int) -> NetworkEvent:
    message = obj.get("message")
    if not isinstance(message, dict):
        # Below API 5.103 the object is the bare message; we pin 5.199 but accept both.
        message = obj
    from_id = _int(message, "from_id")
    peer_id = _int(message, "peer_id")
    message_id = _opt_int(message, "id") or 0
    cmid = _opt_int(message, "conversation_message_id")
    if message.get("out") == 1 or from_id == -group_id:
        return Ignored("sent by the community itself")
    chat = peer_id >= CHAT_PEERS
    if chat and isinstance(message.get("action"), dict):
        return Ignored(f"chat service action {message['action'].get('type')!r}")  # a kick, a new title: no card
    raw = message["text"] if isinstance(message.get("text"), str) else ""
    text = plain_mentions(raw)
    attachments, quoted = message_extras(message)
    ref: dict[str, Any] = {"peer_id": peer_id, "message_id": message_id, "conversation_message_id": cmid}
    if text != raw:
        ref["raw_text"] = raw
    if quoted:
        ref["quoted"] = quoted  # forwarded and quoted messages: judged too
    where = f"c{peer_id - CHAT_PEERS}" if chat else str(peer_id)
    draft = ItemDraft(
        network=NETWORK,
        account_id=group_id,
        kind="chat_message" if chat else "message",
        ext_id=f"{peer_id}_{cmid if cmid is not None else message_id}",
        author=Author(from_id),
        text=text,
        created_at=_when(message),
        url=f"https://vk.com/gim{group_id}?sel={where}",
        ref=ref,
        attachments=attachments,
    )
    return ItemSeen(draft=draft, change="new")


def parse_event(event_type: str, obj: Any, group_id: int) -> NetworkEvent:
    """Maps one Callback event to what it means for moderation; unknown types are Ignored."""
    if not isinstance(obj, dict):
        raise MalformedEvent("event object must be a JSON object")
    prefix, _, suffix = event_type.rpartition("_")
    if prefix in _COMMENTS:
        kind, parent_field, owner_field, url = _COMMENTS[prefix]
        if suffix in _CHANGES:
            return _comment(kind, parent_field, owner_field, url, _CHANGES[suffix], obj, group_id)
        if suffix == "delete":
            return _comment_gone(kind, owner_field, obj, group_id)
    if event_type == "message_new":
        return _message(obj, group_id)
    if event_type == "user_block":
        until = _opt_int(obj, "unblock_date")
        return AuthorBlocked(
            NETWORK, group_id, _int(obj, "user_id"), _opt_int(obj, "admin_id"),
            datetime.fromtimestamp(until, UTC) if until else None,
            _opt_int(obj, "reason"), obj.get("comment") if isinstance(obj.get("comment"), str) else None,
        )
    if event_type == "user_unblock":
        return AuthorUnblocked(NETWORK, group_id, _int(obj, "user_id"), _opt_int(obj, "admin_id"),
                               obj.get("by_end_date") == 1)
    return Ignored(f"event type {event_type!r} needs no moderation")
