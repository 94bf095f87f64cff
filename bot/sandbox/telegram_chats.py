"""The work chat in the Telegram emulator: what moderators see and do, and the chat and member lookups.

Moderators read cards (`chat_view`), press their buttons (`press`, answered through answerCallbackQuery) and
write messages (`send_user_message`). getChat / getChatMember / getChatAdministrators answer for every chat
kind the emulator has (the work chat, channels, private chats), in the shapes aiogram 3 validates.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from bot.sandbox.telegram_core import Chat, Stored, TelegramCore
from bot.sandbox.telegram_html import render_html
from bot.sandbox.telegram_markup import bad_request

MAX_ANSWER_LENGTH = 200
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
# ChatMemberAdministrator's required flags (aiogram 3.31 rejects an answer that lacks any of them).
ADMIN_FLAGS = (
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
)
GROUP_ADMIN_RIGHTS = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_restrict_members": True,
    "can_invite_users": True,
    "can_pin_messages": True,
    "can_manage_topics": True,
}
GROUP_RIGHTS = frozenset(ADMIN_FLAGS) | {"can_pin_messages", "can_manage_topics"}


def group_rights(chat: Chat) -> dict[str, bool] | None:
    """The bot's administrator rights in a group (None: it is a plain member there)."""
    if chat.bot_status != "administrator":
        return None
    return dict(GROUP_ADMIN_RIGHTS) if chat.bot_rights is None else dict(chat.bot_rights)


def administrator(user: dict, rights: dict[str, bool], *, can_be_edited: bool = False) -> dict[str, Any]:
    """A ChatMemberAdministrator: every required flag present, the given rights set."""
    return {
        "status": "administrator",
        "user": dict(user),
        "can_be_edited": can_be_edited,
        **dict.fromkeys(ADMIN_FLAGS, False),
        **rights,
    }


def message_view(stored: Stored) -> dict[str, Any]:
    """What a person sees of one message: text or caption (plain and as safe HTML), buttons, media."""
    msg = stored.message
    body = msg.get("text", msg.get("caption", ""))
    entities = msg.get("entities", msg.get("caption_entities", []))
    buttons = (msg.get("reply_markup") or {}).get("inline_keyboard", [])
    poll = msg.get("poll")
    return {
        "message_id": msg["message_id"],
        "text": msg.get("text", ""),
        "caption": msg.get("caption"),
        "html": render_html(body, entities),
        "photos": 1 if msg.get("photo") else 0,
        "media_group_id": msg.get("media_group_id"),
        "poll": {"question": poll["question"], "options": [o["text"] for o in poll["options"]]} if poll else None,
        "document": ({k: msg["document"].get(k) for k in ("file_name", "file_size", "file_id")}
                     if msg.get("document") else None),
        "buttons": [
            [{k: v for k, v in b.items() if k in ("text", "callback_data", "url")} for b in row] for row in buttons
        ],
        "edits": stored.edits,
        "date": msg["date"],
    }


class WorkChatMethods(TelegramCore):
    """The work chat's people, and the chat / member lookups of the Bot API."""

    # ---- what the humans see and do ----
    def chat_view(self, chat_id: int) -> list[dict]:
        view = []
        for stored in self._messages.get(chat_id, {}).values():
            if stored.deleted:
                continue
            msg = stored.message
            sender = msg.get("from", {})
            item = message_view(stored)
            view.append(
                {
                    "message_id": item["message_id"],
                    "text": item["text"],
                    "caption": item["caption"],
                    "html": item["html"],
                    "buttons": item["buttons"],
                    "edits": stored.edits,
                    "thread_id": msg.get("message_thread_id"),
                    "date": msg["date"],
                    "from": {
                        "id": sender.get("id"),
                        "is_bot": sender.get("is_bot", False),
                        "name": " ".join(filter(None, [sender.get("first_name"), sender.get("last_name")])),
                    },
                    "reply_to_message_id": (msg.get("reply_to_message") or {}).get("message_id"),
                    "document": item["document"],
                }
            )
        return view

    async def press(
        self,
        *,
        chat_id: int,
        message_id: int,
        callback_data: str,
        user_id: int,
        timeout: float = 15,
    ) -> dict:
        """A person presses an inline button; returns the bot's answer {"text", "show_alert"}."""
        return await self._press(chat_id, message_id, callback_data, user_id, timeout)

    async def send_user_message(
        self,
        *,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to_message_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict:
        """A person writes into the chat; the message is delivered to the bot as an update."""
        chat = self._chat(chat_id)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids[chat_id]),
            "from": self._person(user_id),
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "text": text,
        }
        if reply_to_message_id is not None:
            replied = self._stored(chat_id, reply_to_message_id)
            if replied is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {chat_id}")
            message["reply_to_message"] = copy.deepcopy(replied.message)
            thread_id = thread_id or replied.message.get("message_thread_id")
        if thread_id is not None and chat.is_forum:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        self._keep(chat, message, outgoing=False)
        await self._deliver({"message": copy.deepcopy(message)}, deadline=time.monotonic() + 15)
        return message

    # ---- methods ----
    async def _m_getMe(self, params: dict) -> dict:
        return dict(self.bot_user)

    async def _m_answerCallbackQuery(self, params: dict) -> bool:
        query = self._queries.get(str(params.get("callback_query_id") or ""))
        if query is None or query.answered or query.expired:
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        if not query.future.done():
            query.future.set_result({"text": text, "show_alert": self._bool(params, "show_alert")})
        return True

    async def _m_getChat(self, params: dict) -> dict:
        chat = self._readable(self._chat(params.get("chat_id")))
        return {
            **chat.as_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member(self, chat: Chat, user_id: int) -> dict:
        if user_id == self.bot_user["id"]:
            return self._bot_member(chat)
        if user_id not in self.users:
            raise bad_request("user not found")
        status = self.member_status.get((chat.id, user_id), "member")
        user = {k: v for k, v in self.users[user_id].items() if k != "language_code"}
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            return administrator(user, GROUP_ADMIN_RIGHTS)
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        return {"status": status, "user": user}

    def _bot_member(self, chat: Chat) -> dict:
        """The bot itself: in a group an administrator with its rights, or a plain member; in a channel whatever
        its rights say (`set_bot_membership` changes both)."""
        if chat.type == "channel":
            if chat.bot_rights is None:
                return {"status": "left", "user": dict(self.bot_user)}
            return administrator(self.bot_user, {"can_manage_chat": True, **chat.bot_rights})
        if chat.bot_status == "kicked":
            return {"status": "kicked", "user": dict(self.bot_user), "until_date": 0}
        if chat.bot_status == "left":
            return {"status": "left", "user": dict(self.bot_user)}
        rights = group_rights(chat) if chat.type != "private" else None
        if rights is None:
            return {"status": "member", "user": dict(self.bot_user)}
        return administrator(self.bot_user, rights)

    def bot_membership(self, chat_id: int) -> dict:
        """The bot's ChatMember in a group or channel, as getChatMember answers it."""
        return self._bot_member(self._chat(chat_id))

    async def _m_getChatMember(self, params: dict) -> dict:
        chat = self._readable(self._chat(params.get("chat_id")))
        user_id = self._int(params, "user_id")
        if user_id is None:
            raise bad_request("user not found")
        return self._member(chat, user_id)

    async def _m_getChatAdministrators(self, params: dict) -> list[dict]:
        chat = self._readable(self._chat(params.get("chat_id")))
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        admins = []
        bot = self._bot_member(chat)
        if bot["status"] == "administrator":
            admins.append(bot)
        for (chat_id, user_id), status in self.member_status.items():
            if chat_id == chat.id and status in ("creator", "administrator") and user_id in self.users:
                admins.append(self._member(chat, user_id))
        return admins
