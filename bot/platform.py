"""What the core needs from a social network. Each package in `platforms/` provides one `Platform`.

The core asks, and never branches on a network's name: how to read an inbound call, what an event
means, what each kind of item is called and what can be done with it, how to carry an action out.
A network call either returns (done, including "it was already done") or raises PlatformError that
says whether trying again can help.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from bot.domain import Item, KindSpec, NetworkEvent
from bot.security.rotation import NO_ROTATION, SecretRotation

if TYPE_CHECKING:
    from bot.config import Account

K = TypeVar("K")
V = TypeVar("V")
log = logging.getLogger(__name__)


class PlatformError(Exception):
    """A network refused or could not be reached; `message_ru` is for the card, in plain Russian."""

    def __init__(self, message_ru: str, *, code: int | str | None = None, transient: bool = False,
                 source: str = "", uncertain: bool = False) -> None:
        super().__init__(message_ru)
        self.message_ru = message_ru
        self.code = code
        self.transient = transient
        self.source = source  # the network's short name: who gave the code
        # The request may have been carried out although no answer came (a timeout on a call that is not
        # idempotent): retrying could do it twice, so it is not retried.
        self.uncertain = uncertain
        self.after_delete = False  # set when a ban failed after its item was already deleted

    def for_card(self) -> str:
        if self.code is None:
            return self.message_ru
        source = f"{self.source} " if self.source else ""
        return f"{self.message_ru} (код {source}{self.code})"


@dataclass(frozen=True)
class NetworkWords:
    """How the card names a network and what it cannot do."""

    name_ru: str  # the network's name in Russian, as on the card's first line
    short: str  # its short name: "в …", "Открыть в …", "код … 15"
    # Why a button is missing and what to do instead, by capability: one line under the card.
    cannot_ru: Mapping[str, str] = field(default_factory=dict)
    banned_ru: str = "автор заблокирован"  # what a ban does, as the card says it
    page_genitive_ru: str = "сообщества"  # "Ответ сообщества", "Ответ группы"
    page_kind_ru: str = "сообщество"  # what a page is called in the registry of accounts
    awaited_ru: str = ""  # «Ждём …» while the network is away, in the case the phrase needs; default name_ru

    @property
    def where_ru(self) -> str:
        return f"в {self.short}"


# --- inbound calls -------------------------------------------------------------------------------


class InboundCall(NamedTuple):
    """A webhook request as the core hands it to a platform: already size-checked, JSON-decoded. This and the
    outcomes are tuples (immutable like a frozen dataclass, made several times faster): one of each per request."""

    account: Account
    path_rest: str  # what followed the account id in the path ("" or a secret segment)
    headers: Mapping[str, str]
    peer: str | None  # the TCP peer's address
    payload: dict[str, Any]
    rotation: SecretRotation = NO_ROTATION  # a webhook secret being rotated: the platform's check accepts both


class Store(NamedTuple):
    """Keep this event in the inbox, then acknowledge it."""

    event_id: str
    event_type: str
    payload: dict[str, Any]
    # The payload is the received JSON without this one top-level key (a secret): the inbox may then store the
    # body's own text less that key instead of encoding the payload again (a few per cent of a webhook's time).
    omits: str | None = None


class Respond(NamedTuple):
    """Answer at once without storing anything (a confirmation handshake, a refusal)."""

    status: int
    text: str


InboundOutcome = Store | Respond


# --- publishing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    media_id: int
    data: bytes
    content_type: str = "image/jpeg"
    file_id: str | None = None  # the work chat's id of the same file, where it came through the chat


@dataclass(frozen=True)
class Poll:
    question: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Post:
    """What one publication puts on one page."""

    text: str
    photos: tuple[Photo, ...] = ()
    poll: Poll | None = None
    link: str | None = None
    key: str = ""  # the same on every try of one publication: an idempotency key where the network takes one


@dataclass(frozen=True)
class Published:
    post_id: str
    url: str


# --- account security ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    """One credential of a page as the network sees it today (clause 1.2.3: the pages kept safe)."""

    key: str  # stable across checks: "<network>:<account>:<which>", what an alert is kept by
    title_ru: str  # «ключ доступа сообщества «…»», as the card names it
    valid: bool
    problem_ru: str = ""  # what is wrong, in plain Russian
    advice_ru: str = ""  # what to do about it
    rights_ru: str = ""  # what it may do, as found
    expires_at: datetime | None = None  # where the network or the operator tells
    lifetime: timedelta | None = None  # a token that each use extends by this much (a long-lived session)
    unchecked: bool = False  # the network could not be asked now: shown, never an alert


@dataclass(frozen=True)
class Manager:
    """Someone who administers a page on the network."""

    user_id: str
    role: str  # the network's word: "administrator", "ADMIN"…
    name: str = ""


def with_names(found: list[Manager], names: Mapping[int, str]) -> list[Manager]:
    """Managers named by the names the network gave for their numeric ids."""
    return [Manager(m.user_id, m.role, m.name or (names.get(int(m.user_id), "") if m.user_id.isdigit() else ""))
            for m in found]


def numeric_ids(found: list[Manager]) -> list[int]:
    return [int(m.user_id) for m in found if m.user_id.isdigit()]


NAMES_REMEMBERED = 20_000  # people's names a platform keeps, per process (a few MB)


class Recent(dict[K, V]):
    """A dict of at most `size` keys, the first added the first to go: a platform's memory of names or posts,
    which a spam wave from tens of thousands of new accounts must not grow without end."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key: K, value: V) -> None:
        if key not in self:
            while len(self) >= max(self.size, 1):
                del self[next(iter(self))]
        super().__setitem__(key, value)


async def recall(memory: Recent[K, V], keys: Iterable[K], fetch: Callable[[list[K]], Awaitable[Mapping[K, V]]], *,
                 per_call: int, what: str) -> dict[K, V]:
    """What `memory` holds for `keys`, and what `fetch` finds of the rest, asked `per_call` keys a request (the most
    the network takes at once). The answer keeps everything this call learnt, whatever the memory keeps afterwards.
    A failed request ends the asking: the rest stay unknown this time (the card goes without them), so a batch never
    waits out the network's timeout once per chunk while its events' lease runs down."""
    keys = list(keys)
    found = {key: memory[key] for key in keys if key in memory}
    wanted = [key for key in dict.fromkeys(keys) if key not in found]
    for start in range(0, len(wanted), per_call):
        try:
            fetched = await fetch(wanted[start:start + per_call])
        except PlatformError as exc:
            log.warning("%s failed: %s", what, exc)
            break
        for key, value in fetched.items():
            found[key] = memory[key] = value
    return {key: found[key] for key in keys if key in found}


@dataclass(frozen=True)
class PollStep:
    """Events found by one step of a poll and the cursor to store with them, in one transaction."""

    scope: str
    cursor: Any
    events: list[Store]


class Platform(Protocol):
    network: str  # the key in storage and configuration
    words: NetworkWords
    ack_text: str  # what the webhook answers once an event is committed
    ban_terms: tuple[int | None, ...]  # ban lengths the network offers, in days; None = for good
    poll_interval: float | None  # seconds between polls; None for a network that pushes everything

    def kind(self, kind: str) -> KindSpec: ...

    def profile_url(self, author_id: int) -> str: ...

    def webhook_secret(self, account: Account) -> str | None:
        """The configured secret the network proves itself with (what `gospablik … rotate-secret` changes)."""
        ...

    def check_path(self, account: Account, path_rest: str, headers: Mapping[str, str],
                   peer: str | None, rotation: SecretRotation = NO_ROTATION) -> Respond | None:
        """A refusal before the body is read (a wrong path secret, a foreign address), or None."""
        ...

    async def inbound(self, call: InboundCall) -> InboundOutcome: ...

    def parse(self, event_type: str, payload: dict[str, Any], account_id: int) -> NetworkEvent: ...

    async def delete(self, item: Item, *, reason: str | None) -> None:
        """Deletes the item; `reason` is the label behind the decision ("spam"…), for networks that take it."""
        ...

    async def restore(self, item: Item) -> None: ...

    async def ban(self, item: Item, *, days: int | None, reason: str | None, comment: str) -> None:
        """Restricts the item's author, deleting the item too where the network can."""
        ...

    async def unban(self, item: Item) -> None: ...

    async def reply(self, item: Item, text: str, *, key: int) -> None:
        """Answers the item as the page; `key` makes a retried reply land once where the network allows."""
        ...

    def safe_to_repeat(self, action: str, item: Item) -> bool:
        """Whether `action` may be sent again when it is not known if the first try reached the network."""
        ...

    async def refresh_inbound(self, account: Account, public_url: str | None) -> None:
        """Re-asserts the network's push subscription (some drop a webhook that failed for hours); may be a no-op."""
        ...

    async def names(self, account_id: int, user_ids: Iterable[int]) -> dict[int, str]: ...

    async def post_texts(self, account_id: int, post_ids: Iterable[str]) -> dict[str, str]:
        """The texts of the page's posts by their `parent_post_id`, for «под записью «…»» on cards; cached, and a
        failure (or a network that cannot say) costs only the words."""
        ...

    def poll(self, account: Account, cursors: Mapping[str, Any]) -> AsyncIterator[PollStep] | None:
        """For networks without push: the steps of one poll, or None when the network pushes everything."""
        ...

    # Publishing. A platform that cannot publish says so with `publishes = False`.
    publishes: bool

    def check_post(self, account: Account, post: Post) -> list[str]:
        """What stops the post from being published there, in Russian; empty when it fits the network's rules."""
        ...

    async def publish(self, account: Account, post: Post) -> Published: ...

    async def find_published(self, account: Account, post: Post, since: float) -> Published | None:
        """After a worker died during `publish`: the post if the network has it, None if it surely has not (so
        publishing again is safe). Raises PlatformError(uncertain=True) when the network cannot tell."""
        ...

    async def unpublish(self, account: Account, published: Published) -> None: ...

    def page_url(self, account: Account) -> str: ...

    # Account security: what the daily check asks every page.
    async def check_access(self, account: Account) -> list[Credential]:
        """Each credential of the page: valid or not, its rights, its expiry where known. Never raises."""
        ...

    async def administrators(self, account: Account) -> list[Manager] | None:
        """Who administers the page on the network; None where the network does not tell."""
        ...

    async def close(self) -> None: ...
