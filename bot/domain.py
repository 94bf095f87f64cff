"""The words of the domain: what citizens write, what staff decide, what the service can do about it.

The core speaks these dataclasses only. A platform package (`platforms/<network>/`) translates its
wire formats into them, and says through `KindSpec` what each kind of item is and what the network
lets us do with it, so that no moderation rule has to know which network an item came from.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

LABELS = ("obscene", "insult", "spam", "illegal")


class Permission(enum.StrEnum):
    """What a person may press or send; roles grant them (`GRANTS`)."""

    MODERATE = "moderate"  # moderation buttons, answers to citizens
    APPROVE = "approve"  # approve, return, reject publications and proposed replies; reply templates
    SUBMIT = "submit"  # submit drafts and proposed replies
    MANAGE_STAFF = "manage_staff"  # /staff
    REGISTRY = "registry"  # the registry of accounts, the reports to the committee, the security checklist


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"  # approves publications and the texts of replies (regulation cl. 1.2.4)
    MODERATOR = "moderator"
    AUTHOR = "author"  # a department's employee: drafts and proposed replies, sees only their own
    VIEWER = "viewer"

    @property
    def can_moderate(self) -> bool:
        return Permission.MODERATE in GRANTS[self]

    @property
    def title_ru(self) -> str:
        return {"admin": "администратор", "coordinator": "координатор", "moderator": "модератор",
                "author": "автор", "viewer": "наблюдатель"}[self.value]


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.COORDINATOR: frozenset({Permission.APPROVE, Permission.SUBMIT, Permission.REGISTRY}),
    Role.MODERATOR: frozenset({Permission.MODERATE}),
    Role.AUTHOR: frozenset({Permission.SUBMIT}),
    Role.VIEWER: frozenset(),
}


class PolicyAction(enum.StrEnum):
    NOTIFY = "notify"
    AUTO_DELETE = "auto_delete"
    AUTO_DELETE_AND_BAN = "auto_delete_and_ban"


class ItemStatus(enum.StrEnum):
    """Where an item stands; the card is drawn from this."""

    OPEN = "open"  # waiting for a person
    APPROVED = "approved"  # kept ("Оставить") or, for messages, handled ("Обработано")
    DELETED = "deleted"  # deleted by us
    BANNED = "banned"  # its author restricted by us (and the item deleted, where it can be)
    REMOVED = "removed"  # deleted on the network by someone else


class Action(enum.StrEnum):
    """What a person (or the policy) can do to an item."""

    APPROVE = "approve"
    DELETE = "delete"
    BAN = "ban"
    RESTORE = "restore"
    UNBAN = "unban"
    REPLY = "reply"


class Capability(enum.StrEnum):
    """What a network lets the service do with one kind of item through its API.

    A ban of an item that can be deleted always deletes it too: a restricted author's offending
    comment never stays up.
    """

    DELETE = "delete"
    RESTORE = "restore"
    BAN = "ban"
    UNBAN = "unban"
    REPLY = "reply"


NETWORK_ACTIONS = {Action.DELETE: Capability.DELETE, Action.RESTORE: Capability.RESTORE, Action.BAN: Capability.BAN,
                   Action.UNBAN: Capability.UNBAN, Action.REPLY: Capability.REPLY}


@dataclass(frozen=True)
class KindSpec:
    """One kind of item as its platform describes it: the words for the card and what can be done."""

    name_ru: str  # "комментарий к записи"
    noun_ru: str  # "Комментарий" — the subject of "… удалён", "… восстановлен"
    neuter: bool = False  # "Сообщение удалено" rather than "Комментарий удалён"
    conversation: bool = False  # a private dialogue with the page, not a public comment
    can: frozenset[Capability] = frozenset()
    ban_deletes_only: bool = False  # the network blocks an author only by deleting their item

    def allows(self, capability: Capability) -> bool:
        return capability in self.can

    def past(self, masculine: str, neuter: str) -> str:
        """'Комментарий удалён' / 'Сообщение удалено': the participle agreeing with the noun."""
        return f"{self.noun_ru} {neuter if self.neuter else masculine}"


@dataclass(frozen=True)
class Author:
    id: int
    name: str | None = None


@dataclass(frozen=True)
class ItemDraft:
    """An item as a network reported it: enough to store it, judge it and act on it later."""

    network: str
    account_id: int
    kind: str  # one of the platform's kinds
    ext_id: str  # unique within (network, account, kind)
    author: Author
    text: str
    created_at: datetime
    url: str
    ref: dict[str, Any]  # the network's ids needed to act on the item
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Note:
    """A line on the card, stored as a code with parameters and worded only when the card is drawn."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    """A stored item with its moderation state."""

    id: int
    network: str
    account_id: int
    kind: str
    ext_id: str
    author: Author
    text: str
    created_at: datetime
    url: str
    ref: dict[str, Any]
    attachments: tuple[str, ...]
    status: ItemStatus
    verdict: dict[str, Any] | None
    decision: str | None = None  # what was decided last: an Action's value, "handled" or "removed"
    decided_by: str | None = None
    decided_at: datetime | None = None
    ban_days: int | None = None  # with decision "ban": the term; None = forever
    removed_by: int | None = None  # with decision "removed": who deleted it on the network, if known
    removed_by_name: str | None = None  # their name, where the network told it
    note: Note | None = None
    edited: bool = False
    busy: bool = False  # an action is under way on the network
    menu: str | None = None  # a sub-menu open on the card ("ban")
    decision_seq: int = 1

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple((self.verdict or {}).get("labels", ()))

    @property
    def account(self) -> tuple[str, int]:
        return (self.network, self.account_id)


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
    account_id: int
    kind: str
    ext_id: str
    deleter_id: int | None = None


@dataclass(frozen=True)
class AuthorBlocked:
    network: str
    account_id: int
    user_id: int
    admin_id: int | None
    until: datetime | None
    reason: int | None = None
    comment: str | None = None


@dataclass(frozen=True)
class AuthorUnblocked:
    network: str
    account_id: int
    user_id: int
    admin_id: int | None
    expired: bool = False


@dataclass(frozen=True)
class Ignored:
    """An event we keep for the record but that needs no card (our own reply, an unknown type)."""

    why: str


NetworkEvent = ItemSeen | ItemGone | AuthorBlocked | AuthorUnblocked | Ignored
