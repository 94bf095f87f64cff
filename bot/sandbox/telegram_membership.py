"""The bot's place in a group in the Telegram emulator: kicked out and added back, and a group that became a supergroup.

What Telegram does, as bots meet it:
- a bot removed from a group gets 403 "Forbidden: bot was kicked from the supergroup chat" (or "…the group chat")
  on every send and edit there, and "Forbidden: bot is not a member of the supergroup chat" once it merely left;
  each change of its status reaches it as a `my_chat_member` update (old and new ChatMember, who did it, when);
- a basic group upgraded to a supergroup answers every call to its old id with 400 "Bad Request: group chat was
  upgraded to a supergroup chat" and `parameters.migrate_to_chat_id`; the bot gets a service message in the old
  group (`migrate_to_chat_id`) and one in the new supergroup (`migrate_from_chat_id`).
UNVERIFIED: that the new supergroup starts without the old group's messages for the bot (old message ids are
not valid there), that the bot keeps its status and rights across the upgrade, that re-adding a kicked bot is
one update (kicked → member) rather than two, and who signs the `migrate_from_chat_id` message.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from bot.sandbox.telegram_core import Chat, TelegramCore

SUPERGROUP_IDS = -1_000_000_000_000  # supergroup and channel ids are -100… ; basic groups lie above
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
BOT_STATUSES = ("administrator", "member", "left", "kicked")


class MembershipMethods(TelegramCore):
    """Kicking the bot, adding it back, and upgrading a group; each tells the bot as Telegram does."""

    def _bot_member(self, chat: Chat) -> dict:
        raise NotImplementedError  # provided by WorkChatMethods

    def set_bot_status(self, chat_id: int, status: str, *, by: int | None = None) -> dict[str, Any]:
        """The bot becomes "kicked", "left", a "member" or an "administrator" (the usual rights) of a group; `by` is
        the person who did it. Returns the `my_chat_member` update delivered to the bot (none if nothing changed)."""
        chat = self.chats.get(chat_id)
        if chat is None or chat.type not in ("group", "supergroup"):
            raise LookupError(f"no group {chat_id}")
        if status not in BOT_STATUSES:
            raise ValueError(f"the bot's status is one of {', '.join(BOT_STATUSES)}, not {status!r}")
        if chat.migrated_to is not None:
            raise ValueError(f"group {chat_id} was upgraded to the supergroup {chat.migrated_to}")
        old = self._bot_member(chat)
        chat.bot_status = status
        if status != "administrator":
            chat.bot_rights = None
        new = self._bot_member(chat)
        if old == new:
            return {}
        update = {"my_chat_member": {"chat": chat.as_dict(), "from": self._actor(chat_id, by), "date": int(time.time()),
                                     "old_chat_member": old, "new_chat_member": new}}
        self._tell(update)
        return update

    def migrate_chat(self, old_id: int, new_id: int, *, by: int | None = None) -> None:
        """Upgrades the basic group `old_id` to the supergroup `new_id` (-100…), people and the bot's place kept."""
        old = self.chats.get(old_id)
        if old is None or old.type != "group":
            raise LookupError(f"no basic group {old_id} (only a \"group\" can be upgraded)")
        if old.migrated_to is not None:
            raise ValueError(f"group {old_id} was already upgraded to {old.migrated_to}")
        if new_id > SUPERGROUP_IDS or new_id in self.chats:
            raise ValueError(f"{new_id} is not a free supergroup id (-100…)")
        actor = self._actor(old_id, by)
        new = Chat(new_id, type="supergroup", title=old.title, bot_status=old.bot_status, bot_rights=old.bot_rights)
        self.chats[new_id] = new
        self._messages.setdefault(new_id, {})
        self._message_ids.setdefault(new_id, itertools.count(1))
        for (chat_id, user_id), status in list(self.member_status.items()):
            if chat_id == old_id:
                self.member_status[(new_id, user_id)] = status
        now = int(time.time())
        farewell = {"message_id": next(self._message_ids[old_id]), "from": actor, "chat": old.as_dict(), "date": now,
                    "migrate_to_chat_id": new_id}
        greeting = {"message_id": next(self._message_ids[new_id]), "from": actor, "chat": new.as_dict(), "date": now,
                    "migrate_from_chat_id": old_id}
        self._keep(old, farewell, outgoing=False)
        self._keep(new, greeting, outgoing=False)
        old.migrated_to = new_id
        self._tell({"message": dict(farewell)}, {"message": dict(greeting)})

    def _actor(self, chat_id: int, by: int | None) -> dict[str, Any]:
        """Who changed the chat: `by`, else its creator or an administrator, else the anonymous admin."""
        if by is not None:
            return {k: v for k, v in self._person(by).items() if k != "language_code"}
        for status in ("creator", "administrator"):
            for (chat, user_id), held in self.member_status.items():
                if chat == chat_id and held == status and user_id in self.users:
                    return {k: v for k, v in self.users[user_id].items() if k != "language_code"}
        return dict(ANONYMOUS_ADMIN)

    def _tell(self, *updates: dict[str, Any]) -> None:
        """Delivers the updates in order, in the background (nothing listens without a running loop)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return

        async def deliver() -> None:
            for update in updates:
                await self._deliver(update, deadline=time.monotonic() + 15)

        self._spawn(deliver())
