"""Text messages in any chat: sendMessage, the edits, deleteMessage and copyMessage, with Telegram's rules.

The rules follow TDLib (td/telegram/MessagesManager.cpp), which the Bot API server runs on:
- a bot edits its own messages with no time limit; in a channel it needs `can_edit_messages`, or
  `can_post_messages` for its own posts; anything else is "message can't be edited";
- a bot deletes nothing older than 48 hours. Supergroups and channels answer "message can't be deleted"
  (`can_delete_channel_message`), private chats "message can't be deleted for everyone" (`can_revoke_message`);
  in a channel it needs `can_delete_messages`, or `can_post_messages` for its own posts; in a group it deletes
  its own messages, and others' only as an administrator with `can_delete_messages`.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from bot.sandbox.telegram_chats import group_rights
from bot.sandbox.telegram_core import DELETE_WINDOW, Chat, Stored, TelegramCore
from bot.sandbox.telegram_markup import TelegramError, bad_request, caption_text, inline_keyboard
from bot.sandbox.telegram_media import copied_poll

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class MessageMethods(TelegramCore):
    """sendMessage, editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage, copyMessage."""

    async def _m_sendMessage(self, params: dict) -> dict:
        chat = self._writable(self._param_chat(params), post=True)
        thread_id, replied = self._reply_context(chat, params)
        text, entities = self._text(params)
        keyboard = inline_keyboard(params.get("reply_markup"))
        self._check_flood(chat)
        message = self._new_message(chat, thread_id, replied)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if keyboard is not None:
            message["reply_markup"] = {"inline_keyboard": keyboard}
        return self._keep(chat, message, outgoing=True)

    # ---- finding the message a call names ----
    def _target(self, params: dict, verb: str) -> tuple[Chat, Stored]:
        """The chat and message a call names, with Telegram's errors for each thing missing."""
        chat = self._param_chat(params)
        if chat.type != "private":
            self._writable(chat, post=False)
        message_id = self._int(params, "message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        stored = self._stored(chat.id, message_id)
        if stored is None:
            raise bad_request(f"message to {verb} not found")
        return chat, stored

    def _edit_target(self, params: dict) -> tuple[Chat, Stored]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat, stored = self._target(params, "edit")
        self._writable(chat, post=False)
        if chat.type == "channel":
            allowed = chat.right("can_edit_messages") or (stored.outgoing and chat.right("can_post_messages"))
        else:
            allowed = stored.outgoing
        if not allowed:
            raise bad_request("message can't be edited")
        return chat, stored

    @staticmethod
    def _apply_edit(stored: Stored, fields: dict[str, Any], keyboard: list | None) -> dict:
        """Replaces the edited fields; like Telegram, an edit without reply_markup removes the keyboard."""
        msg = stored.message
        for name, value in fields.items():
            msg.pop(name, None)
            if value:
                msg[name] = value
        msg.pop("reply_markup", None)
        if keyboard:
            msg["reply_markup"] = {"inline_keyboard": keyboard}
        msg["edit_date"] = int(time.time())
        stored.edits += 1
        return copy.deepcopy(msg)

    # ---- edits ----
    async def _m_editMessageText(self, params: dict) -> dict:
        chat, stored = self._edit_target(params)
        if "text" not in stored.message:
            raise bad_request("there is no text in the message to edit")
        try:
            text, entities = self._text(params)
        except TelegramError as exc:  # TDLib checks the length of new messages only; edits meet the server's check
            if exc.description == "Bad Request: message is too long":
                raise bad_request("MESSAGE_TOO_LONG") from None
            raise
        keyboard = inline_keyboard(params.get("reply_markup"))
        new_markup = {"inline_keyboard": keyboard} if keyboard is not None else None
        msg = stored.message
        if msg.get("text") == text and msg.get("entities", []) == entities and msg.get("reply_markup") == new_markup:
            raise bad_request(NOT_MODIFIED)
        self._check_flood(chat)
        return self._apply_edit(stored, {"text": text, "entities": entities}, keyboard)

    async def _m_editMessageCaption(self, params: dict) -> dict:
        chat, stored = self._edit_target(params)
        if "photo" not in stored.message:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = caption_text(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            user_lookup=self.users.get,
            too_long="MEDIA_CAPTION_TOO_LONG",  # edits are checked by Telegram's server, not by TDLib
        )
        keyboard = inline_keyboard(params.get("reply_markup"))
        new_markup = {"inline_keyboard": keyboard} if keyboard is not None else None
        msg = stored.message
        if (
            msg.get("caption", "") == caption
            and msg.get("caption_entities", []) == entities
            and msg.get("reply_markup") == new_markup
        ):
            raise bad_request(NOT_MODIFIED)
        self._check_flood(chat)
        return self._apply_edit(stored, {"caption": caption, "caption_entities": entities}, keyboard)

    async def _m_editMessageReplyMarkup(self, params: dict) -> dict:
        chat, stored = self._edit_target(params)
        keyboard = inline_keyboard(params.get("reply_markup"))
        new_markup = {"inline_keyboard": keyboard} if keyboard else None
        msg = stored.message
        if msg.get("reply_markup") == new_markup:
            raise bad_request(NOT_MODIFIED)
        self._check_flood(chat)
        msg.pop("reply_markup", None)
        if new_markup is not None:
            msg["reply_markup"] = new_markup
        msg["edit_date"] = int(time.time())
        stored.edits += 1
        return copy.deepcopy(msg)

    # ---- deleting ----
    async def _m_deleteMessage(self, params: dict) -> bool:
        chat, stored = self._target(params, "delete")
        too_old = time.time() - stored.message["date"] >= DELETE_WINDOW
        if chat.type == "private":
            if too_old:
                raise bad_request("message can't be deleted for everyone")
        elif too_old:
            raise bad_request("message can't be deleted")
        elif chat.type == "channel" and not (
            chat.right("can_delete_messages") or (stored.outgoing and chat.right("can_post_messages"))
        ):
            raise bad_request("message can't be deleted")
        elif chat.type == "supergroup" and not stored.outgoing and not (group_rights(chat) or {}).get(
                "can_delete_messages"):
            raise bad_request("message can't be deleted")
        stored.deleted = True
        return True

    # ---- copying ----
    async def _m_copyMessage(self, params: dict) -> dict:
        """Sends a copy of a message without the link to the original (e.g. an approved draft into a channel)."""
        if params.get("from_chat_id") in (None, ""):
            raise bad_request('parameter "from_chat_id" is required')
        chat = self._writable(self._param_chat(params), post=True)
        source_chat = self._readable(self._chat(params.get("from_chat_id")))
        message_id = self._int(params, "message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        source = self._stored(source_chat.id, message_id)
        if source is None:
            raise bad_request("message to copy not found")
        thread_id, replied = self._reply_context(chat, params)
        keyboard = inline_keyboard(params.get("reply_markup"))
        original = source.message
        content: dict[str, Any] = {}
        if "text" in original:
            content = {k: copy.deepcopy(original[k]) for k in ("text", "entities") if k in original}
        elif "photo" in original:
            content = {k: copy.deepcopy(original[k]) for k in ("photo", "caption", "caption_entities") if k in original}
            if "caption" in params:
                caption, entities = caption_text(
                    params.get("caption"), params.get("parse_mode"), params.get("caption_entities"),
                    user_lookup=self.users.get,
                )
                content = {"photo": original["photo"], "caption": caption, "caption_entities": entities}
        elif "poll" in original:
            content = {"poll": copied_poll(chat, original["poll"])}
        else:
            raise bad_request("message can't be copied")
        self._check_flood(chat)
        message = self._new_message(chat, thread_id, replied)
        message.update({k: v for k, v in content.items() if v})
        if keyboard is not None:
            message["reply_markup"] = {"inline_keyboard": keyboard}
        self._keep(chat, message, outgoing=True)
        return {"message_id": message["message_id"]}
