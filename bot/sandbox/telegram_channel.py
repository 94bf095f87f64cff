"""Channels in the Telegram emulator: the administration's channel the service publishes to.

In a channel the bot can only be an administrator (or not there at all), and what it may do depends on its
rights: `can_post_messages` to publish ("Bad Request: need administrator rights in the channel chat" without
it), `can_edit_messages` / `can_delete_messages` for posts, and no right at all once it is removed ("Forbidden:
bot is not a member of the channel chat"; a private channel then hides even getChat, a public one with a
username still answers it). Posts are signed by the channel (`sender_chat`), and message ids start at 2 because
message 1 of every channel is the "channel created" service message.

`set_bot_membership` changes what the bot is anywhere: in a group an administrator (with the rights given, over
the usual set) or a plain member; in a channel an administrator, or gone, since a bot cannot be a plain channel
member (Telegram adds bots to channels only as administrators; that dismissing one removes it from the channel is
the emulator's reading, UNVERIFIED).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from types import MappingProxyType

from bot.sandbox.telegram_chats import ADMIN_FLAGS, GROUP_ADMIN_RIGHTS, GROUP_RIGHTS, message_view
from bot.sandbox.telegram_core import Chat, TelegramCore

DEFAULT_CHANNEL_RIGHTS: Mapping[str, bool] = MappingProxyType(
    {"can_post_messages": True, "can_edit_messages": True, "can_delete_messages": True}
)
CHANNEL_RIGHTS = frozenset(ADMIN_FLAGS) | {"can_post_messages", "can_edit_messages", "can_manage_direct_messages"}


def _rights(rights: Mapping[str, bool] | None) -> dict[str, bool] | None:
    """The bot's rights exactly as given: a right that is not listed is not granted."""
    if rights is None:
        return None
    unknown = set(rights) - CHANNEL_RIGHTS
    if unknown:
        raise ValueError(f"not channel administrator rights: {sorted(unknown)}")
    return {name: bool(value) for name, value in rights.items()}


class ChannelMethods(TelegramCore):
    """Setting channels up and reading what was published there."""

    def add_channel(
        self,
        chat_id: int,
        title: str,
        *,
        username: str | None = None,
        bot_rights: Mapping[str, bool] | None = DEFAULT_CHANNEL_RIGHTS,
    ) -> None:
        """A channel where the bot is an administrator with `bot_rights` (None: the bot is not a member)."""
        rights = _rights(bot_rights)
        self.chats[chat_id] = Chat(chat_id, type="channel", title=title, username=username, bot_rights=rights)
        self._messages.setdefault(chat_id, {})
        self._message_ids.setdefault(chat_id, itertools.count(2))

    def set_bot_rights(self, chat_id: int, rights: Mapping[str, bool] | None) -> None:
        """Changes the bot's administrator rights in a channel; None removes the bot from it."""
        self._channel(chat_id).bot_rights = _rights(rights)

    def set_bot_membership(self, chat_id: int, status: str, rights: Mapping[str, bool] | None = None) -> None:
        """The bot becomes an "administrator" (`rights` over the usual set: the default channel rights, or the
        work chat's) or a "member" (in a channel: not there any more, "left"); unknown rights: ValueError."""
        chat = self.chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise LookupError(f"no group or channel {chat_id}")
        if status not in ("administrator", "member", "left") or (status == "left" and chat.type != "channel"):
            raise ValueError(f"the bot can be made administrator or member, not {status!r}")
        given = dict(rights or {})
        if chat.type == "channel":
            self.set_bot_rights(chat_id, {**DEFAULT_CHANNEL_RIGHTS, **given} if status == "administrator" else None)
            return
        unknown = set(given) - GROUP_RIGHTS
        if unknown:
            raise ValueError(f"not group administrator rights: {sorted(unknown)}")
        chat.bot_status = status
        chat.bot_rights = {**GROUP_ADMIN_RIGHTS, **{k: bool(v) for k, v in given.items()}} \
            if status == "administrator" else None

    def channel_view(self, chat_id: int) -> list[dict]:
        """Every post in order, deleted ones included with `deleted: True` (the service must not lose track)."""
        self._channel(chat_id)
        return [
            {**message_view(stored), "deleted": stored.deleted}
            for stored in self._messages.get(chat_id, {}).values()
        ]

    def backdate(self, chat_id: int, message_id: int, seconds: float) -> None:
        """Pretends a message (in any chat) was sent `seconds` earlier, to reach Telegram's 48-hour rules."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        stored.message["date"] -= int(seconds)

    def _channel(self, chat_id: int) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None or chat.type != "channel":
            raise LookupError(f"no channel {chat_id}; add_channel() first")
        return chat
