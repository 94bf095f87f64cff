"""OK's events — a comment the poller found, a `MESSAGE_CREATED` webhook — as the core's network events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import Author, Ignored, ItemDraft, ItemSeen, NetworkEvent
from platforms.ok.config import NETWORK

COMMENT = "topic_comment"  # the event type the poller stores
MESSAGE = "MESSAGE_CREATED"
MOSCOW = ZoneInfo("Europe/Moscow")  # OK's REST dates are Moscow time
ATTACHMENT_RU = {"IMAGE": "фото", "VIDEO": "видео", "AUDIO": "аудио", "SHARE": "ссылка", "FILE": "файл",
                 "CONTACT": "контакт", "LOCATION": "геометка", "MUSIC": "музыка", "STICKER": "стикер",
                 "PRESENT": "подарок", "CALL": "звонок"}


class MalformedEvent(ValueError):
    """The event lacks a field we need; stored, marked failed, never retried forever."""


def topic_url(group_id: int, topic_id: str) -> str:
    return f"https://ok.ru/group/{group_id}/topic/{topic_id}"


def _digits(value: Any, what: str) -> int:
    """OK's ids are strings, sometimes prefixed ("user:575662066926")."""
    text = str(value or "").rpartition(":")[2]
    if not text.isdigit():
        raise MalformedEvent(f"{what} must be a numeric id, got {value!r}")
    return int(text)


def _date(value: Any, ms: Any = None) -> datetime:
    if isinstance(ms, int) and not isinstance(ms, bool) and ms > 0:
        return datetime.fromtimestamp(ms / 1000, UTC)
    if isinstance(value, str):
        try:
            return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=MOSCOW)
        except ValueError:
            pass
    return datetime.now(UTC)


def _comment(payload: dict[str, Any], group_id: int) -> NetworkEvent:
    comment = payload.get("comment")
    topic_id = payload.get("topic_id")
    if not isinstance(comment, dict) or not isinstance(topic_id, str) or not comment.get("id"):
        raise MalformedEvent("a polled comment needs topic_id and comment.id")
    author_id = _digits(comment.get("author_id"), "author_id")
    if author_id == group_id:
        return Ignored("written by the group itself")
    text = comment.get("text")
    draft = ItemDraft(
        network=NETWORK, account_id=group_id, kind="topic_comment", ext_id=str(comment["id"]),
        author=Author(author_id, comment.get("author_name") or None),
        text=text if isinstance(text, str) else "", created_at=_date(comment.get("date"), comment.get("date_ms")),
        url=topic_url(group_id, topic_id),
        ref=_context({"topic_id": topic_id, "comment_id": str(comment["id"]), "discussion_type": "GROUP_TOPIC"},
                     comment, group_id, topic_id),
    )
    return ItemSeen(draft, "new")


def _context(ref: dict[str, Any], comment: dict[str, Any], group_id: int, topic_id: str) -> dict[str, Any]:
    """Where the comment sits, in the core's neutral keys: the topic it is under, and the comment it answers."""
    ref |= {"parent_url": topic_url(group_id, topic_id), "parent_title": "тема", "parent_post_id": topic_id}
    answered = comment.get("reply_to_comment_id")
    if isinstance(answered, str | int) and str(answered):
        ref["reply_to_ext_id"] = str(answered)
    user = comment.get("reply_to_id")
    if isinstance(user, str | int) and str(user).isdigit() and int(user):
        ref["reply_to_user"] = int(user)
        if isinstance(comment.get("reply_to_name"), str) and comment["reply_to_name"]:
            ref["reply_to_name"] = comment["reply_to_name"]
    return ref


def _attachments(message: dict[str, Any]) -> tuple[str, ...]:
    found = message.get("attachments")
    if not isinstance(found, list):
        found = [message["attachment"]] if isinstance(message.get("attachment"), dict) else []
    return tuple(ATTACHMENT_RU.get(str(a.get("type")), str(a.get("type", "?")).lower())
                 for a in found if isinstance(a, dict))


def _message(payload: dict[str, Any], group_id: int) -> NetworkEvent:
    message, sender, recipient = payload.get("message"), payload.get("sender"), payload.get("recipient")
    if not isinstance(message, dict) or not isinstance(sender, dict) or not isinstance(recipient, dict):
        raise MalformedEvent("MESSAGE_CREATED needs message, sender and recipient")
    mid, chat_id = message.get("mid"), recipient.get("chat_id")
    if not isinstance(mid, str) or not isinstance(chat_id, str):
        raise MalformedEvent("MESSAGE_CREATED needs message.mid and recipient.chat_id")
    stamp = payload.get("timestamp")
    created = datetime.fromtimestamp(stamp / 1000, UTC) if isinstance(stamp, int) and stamp > 0 else datetime.now(UTC)
    text = message.get("text")
    draft = ItemDraft(
        network=NETWORK, account_id=group_id, kind="message", ext_id=mid,
        author=Author(_digits(sender.get("user_id"), "sender.user_id"), sender.get("name") or None),
        text=text if isinstance(text, str) else "", created_at=created,
        url=f"https://ok.ru/group/{group_id}/messages",
        ref={"chat_id": chat_id, "mid": mid}, attachments=_attachments(message),
    )
    return ItemSeen(draft, "new")


def parse_event(event_type: str, payload: dict[str, Any], group_id: int) -> NetworkEvent:
    if event_type == COMMENT:
        return _comment(payload, group_id)
    if event_type == MESSAGE:
        return _message(payload, group_id)
    return Ignored(f"OK event {event_type!r} needs no moderation")
