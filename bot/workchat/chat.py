"""The work chat interface: where cards go and presses come from. Telegram implements it; MAX can.

Errors are the chat's, not a library's: the outbox decides from them whether to wait, resend, or
give up, without knowing which messenger said so.
"""

from __future__ import annotations

from typing import Protocol

from bot.platform import Credential
from bot.workchat.model import Keyboard, Text

BUTTON_PREFIX = "b:"  # a button's payload is this prefix and an opaque token


class WorkChatError(Exception):
    """The chat did not take a message."""


class RateLimited(WorkChatError):
    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


class MessageGone(WorkChatError):
    """The message to edit is not there any more (someone deleted it)."""


class ChatMigrated(WorkChatError):
    """The group became a supergroup with a new id."""

    def __init__(self, new_chat_id: int, message: str = "") -> None:
        super().__init__(message or f"the chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class Forbidden(WorkChatError):
    """The bot was removed from the chat or may not write there."""


class Refused(WorkChatError):
    """The chat refused this message as it is (markup, length): resending it unchanged will not help."""


class Unavailable(WorkChatError):
    """The chat could not be reached or failed on its side: worth retrying."""


class WorkChat(Protocol):
    chat_id: int  # where cards go and presses count; follows the chat if it moves (ChatMigrated)
    text_limit: int  # the longest message the chat takes, in UTF-16 units
    actor_prefix: str  # how the audit names a person of this chat: "<prefix>:<user id>"

    async def send(self, text: Text, keyboard: Keyboard, *, chat_id: int, topic: int | None) -> int:
        """Posts a message; returns its id."""
        ...

    async def edit(self, message_id: int, text: Text, keyboard: Keyboard, *, chat_id: int) -> None:
        """Replaces a message's text and buttons; an edit that changes nothing counts as done."""
        ...

    async def answer_press(self, press_id: str, text: str, *, alert: bool) -> None: ...

    async def say(self, text: str, *, chat_id: int, reply_to: int | None = None) -> None:
        """A plain message from the bot (an immediate explanation to a person)."""
        ...

    async def send_file(self, name: str, data: bytes, *, chat_id: int, caption: str = "",
                        reply_to: int | None = None) -> None:
        """A document from the bot (a letter to sign and send)."""
        ...

    async def send_picture(self, name: str, data: bytes, *, caption: str = "") -> None:
        """A picture in the work chat (the week's chart)."""
        ...

    def message_link(self, message_id: int) -> str | None:
        """An address that opens a message of the work chat, where the chat has such addresses."""
        ...

    async def check_access(self) -> list[Credential]:
        """The chat's own credential (the bot) and whether it holds what it needs there."""
        ...

    async def close(self) -> None: ...
