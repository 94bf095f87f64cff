"""What the core needs from a social network. Each package in `platforms/` provides one.

The core never sees vkbottle or an HTTP status: a network call either returns (done, including
"it was already done") or raises NetworkError that says whether trying again can help.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from bot.domain import BanReason, Item, NetworkEvent


class NetworkError(Exception):
    def __init__(self, message_ru: str, *, code: int | None = None, transient: bool = False) -> None:
        super().__init__(message_ru)
        self.message_ru = message_ru
        self.code = code
        self.transient = transient
        self.after_delete = False  # set when a ban failed after its comment was already deleted

    def for_card(self) -> str:
        return f"{self.message_ru} (код VK {self.code})" if self.code is not None else self.message_ru


class Network(Protocol):
    name: str

    def parse(self, event_type: str, obj: object, community_id: int) -> NetworkEvent: ...

    async def delete(self, item: Item) -> None: ...

    async def restore(self, item: Item) -> None: ...

    async def ban(self, community_id: int, user_id: int, *, days: int | None, reason: BanReason,
                  comment: str) -> None: ...

    async def unban(self, community_id: int, user_id: int) -> None: ...

    async def reply(self, item: Item, text: str, *, key: int) -> None:
        """Answers the item as the community; `key` makes a retried reply land once."""
        ...

    async def names(self, community_id: int, user_ids: Iterable[int]) -> dict[int, str]: ...

    async def confirmation_code(self, community_id: int) -> str:
        """The string a push (Callback) server must answer to prove it is ours."""
        ...

    async def close(self) -> None: ...
