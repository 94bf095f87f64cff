"""Private chats with the bot in the Telegram emulator: department staff send drafts and press buttons.

A private chat's id is the person's user id. Telegram lets a bot write there only after the person has written
to it ("Forbidden: bot can't initiate conversation with a user"), and not after the person blocked it
("Forbidden: bot was blocked by the user"; the bot also gets a `my_chat_member` update saying "kicked").
Photos arrive as `photo` arrays of sizes; several photos sent together arrive as separate `message` updates
sharing a `media_group_id`, the caption on the first, as Telegram delivers an album.
"""

from __future__ import annotations

import asyncio
import copy
import re
import secrets
import time
from typing import Any

from bot.sandbox.telegram_chats import message_view
from bot.sandbox.telegram_core import Chat, TelegramCore
from bot.sandbox.telegram_html import utf16_len
from bot.sandbox.telegram_markup import TelegramError

BOT_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
MAX_ALBUM = 10


def command_entities(text: str) -> list[dict[str, Any]]:
    """The `bot_command` entities Telegram marks in a person's text (offsets in UTF-16 units)."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for m in BOT_COMMAND.finditer(text)
    ]


class PrivateMethods(TelegramCore):
    """What people do in their private chat with the bot, and what they see there."""

    def block_bot(self, user_id: int) -> None:
        """The person blocks the bot: sends to them fail with 403 until they write again."""
        chat = self._private_chat(user_id)
        was_member = chat.started and not chat.blocked
        chat.blocked = True
        if was_member:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return  # no event loop: nobody can be listening for the update
            self._spawn(self._deliver(self._member_update(chat, "member", "kicked"), deadline=time.monotonic() + 15))

    async def send_private(
        self,
        user_id: int,
        *,
        text: str | None = None,
        photos: list[bytes] | None = None,
        caption: str | None = None,
    ) -> list[dict]:
        """The person writes to the bot: a text, one photo, or an album; one `message` update per message."""
        chat = self._private_chat(user_id)
        if (text is None) == (not photos) or (text is not None and caption is not None):
            raise ValueError("send either text, or photos with an optional caption")
        if photos and len(photos) > MAX_ALBUM:
            raise ValueError(f"Telegram apps send at most {MAX_ALBUM} photos as one album")
        if chat.blocked:  # writing again means unblocking ("Restart")
            chat.blocked = False
            await self._deliver(self._member_update(chat, "kicked", "member"), deadline=time.monotonic() + 15)
        chat.started = True
        sender = self._person(user_id)
        date = int(time.time())
        contents: list[dict[str, Any]] = []
        if text is not None:
            entities = command_entities(text)
            contents.append({"text": text, **({"entities": entities} if entities else {})})
        else:
            group_id = str(secrets.randbits(62)) if len(photos or []) > 1 else None
            for index, data in enumerate(photos or []):
                try:
                    content: dict[str, Any] = {"photo": self._files.add_photo(data)}
                except TelegramError as exc:
                    raise ValueError(f"photo {index} is not a picture a Telegram app would send: {exc}") from None
                if group_id:
                    content["media_group_id"] = group_id
                if caption and index == 0:
                    content["caption"] = caption
                contents.append(content)
        sent = []
        for content in contents:
            message = {
                "message_id": next(self._message_ids[chat.id]),
                "from": sender,
                "chat": chat.as_dict(),
                "date": date,
                **content,
            }
            sent.append(self._keep(chat, message, outgoing=False))
        for message in sent:
            await self._deliver({"message": copy.deepcopy(message)}, deadline=time.monotonic() + 15)
        return sent

    async def press_private(self, user_id: int, message_id: int, callback_data: str, timeout: float = 10) -> dict:
        """The person presses an inline button of a bot message in their private chat; returns the bot's answer."""
        chat = self._private_chat(user_id)
        return await self._press(chat.id, message_id, callback_data, user_id, timeout)

    def private_view(self, user_id: int) -> list[dict]:
        """The private chat as the person sees it: the bot's and their own messages in order."""
        chat = self._private_chat(user_id)
        return [
            {"from": "bot" if stored.outgoing else "user", **message_view(stored)}
            for stored in self._messages.get(chat.id, {}).values()
            if not stored.deleted
        ]

    def _private_chat(self, user_id: int) -> Chat:
        chat = self._private.get(user_id)
        if chat is None:
            raise LookupError(f"unknown Telegram user {user_id}; add_user() first")
        return chat

    def _member_update(self, chat: Chat, old: str, new: str) -> dict[str, Any]:
        """`my_chat_member`: how Telegram tells a bot it was blocked or unblocked in a private chat."""
        bot = dict(self.bot_user)
        return {
            "my_chat_member": {
                "chat": chat.as_dict(),
                "from": self._person(chat.id),
                "date": int(time.time()),
                "old_chat_member": {"status": old, "user": bot} | ({"until_date": 0} if old == "kicked" else {}),
                "new_chat_member": {"status": new, "user": bot} | ({"until_date": 0} if new == "kicked" else {}),
            }
        }
