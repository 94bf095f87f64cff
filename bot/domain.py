"""The words of the domain: what citizens write, what staff decide, what the service does.

The core speaks these dataclasses only; network packages translate their wire formats into them,
so that neither vkbottle nor aiogram types leak into moderation logic.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

LABELS = ("obscene", "insult", "spam", "illegal")


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    VIEWER = "viewer"

    @property
    def can_moderate(self) -> bool:
        return self in (Role.ADMIN, Role.MODERATOR)


class PolicyAction(enum.StrEnum):
    NOTIFY = "notify"
    AUTO_DELETE = "auto_delete"
    AUTO_DELETE_AND_BAN = "auto_delete_and_ban"


class ItemKind(enum.StrEnum):
    WALL_COMMENT = "wall_comment"
    BOARD_COMMENT = "board_comment"
    PHOTO_COMMENT = "photo_comment"
    VIDEO_COMMENT = "video_comment"
    MARKET_COMMENT = "market_comment"
    MESSAGE = "message"

    @property
    def is_comment(self) -> bool:
        return self is not ItemKind.MESSAGE

    @property
    def can_reply(self) -> bool:
        """Kinds the community can answer from the work chat."""
        return self in (ItemKind.WALL_COMMENT, ItemKind.MESSAGE)


class ItemStatus(enum.StrEnum):
    """Where an item stands; the card is drawn from this."""

    OPEN = "open"  # waiting for a person
    APPROVED = "approved"  # kept ("Оставить") or, for messages, handled ("Обработано")
    DELETED = "deleted"  # deleted by us
    BANNED = "banned"  # deleted by us and its author banned
    REMOVED = "removed"  # deleted on the network by someone else


class Action(enum.StrEnum):
    """What a person (or the policy) can do to an item."""

    APPROVE = "approve"
    DELETE = "delete"
    BAN = "ban"
    RESTORE = "restore"
    UNBAN = "unban"
    REPLY = "reply"


class BanReason(enum.IntEnum):
    """VK's `groups.ban` reason codes."""

    OTHER = 0
    SPAM = 1
    ABUSE = 2
    PROFANITY = 3
    FLOOD = 4


@dataclass(frozen=True)
class Author:
    id: int
    name: str | None = None


@dataclass(frozen=True)
class ItemDraft:
    """An item as a network reported it: enough to store it, judge it and act on it later."""

    network: str
    community_id: int
    kind: ItemKind
    ext_id: str  # unique within (network, community, kind)
    author: Author
    text: str
    created_at: datetime
    url: str
    ref: dict[str, Any]  # the network's ids needed to act on the item
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """A stored item with its moderation state."""

    id: int
    network: str
    community_id: int
    kind: ItemKind
    ext_id: str
    author: Author
    text: str
    created_at: datetime
    url: str
    ref: dict[str, Any]
    attachments: tuple[str, ...]
    status: ItemStatus
    verdict: dict[str, Any] | None
    revision: int
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision: str | None = None
    note: str | None = None  # a line shown on the card: an error, an outside change, an auto action
    edited: bool = False

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple((self.verdict or {}).get("labels", ()))


# --- what a network event means for us ---------------------------------------------------------


@dataclass(frozen=True)
class ItemSeen:
    """A new, edited or restored item."""

    draft: ItemDraft
    change: str  # "new" | "edit" | "restore"


@dataclass(frozen=True)
class ItemGone:
    """An item was deleted on the network."""

    network: str
    community_id: int
    kind: ItemKind
    ext_id: str
    deleter_id: int | None = None


@dataclass(frozen=True)
class AuthorBlocked:
    network: str
    community_id: int
    user_id: int
    admin_id: int | None
    until: datetime | None
    reason: int | None = None
    comment: str | None = None


@dataclass(frozen=True)
class AuthorUnblocked:
    network: str
    community_id: int
    user_id: int
    admin_id: int | None
    expired: bool = False


@dataclass(frozen=True)
class Ignored:
    """An event we keep for the record but that needs no card (our own reply, an unknown type)."""

    why: str


NetworkEvent = ItemSeen | ItemGone | AuthorBlocked | AuthorUnblocked | Ignored

