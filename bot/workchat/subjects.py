"""What a card can be about. Each flow (moderation items; later drafts, replies awaiting approval) is a
`SubjectType` registered at assembly, so the outbox, the buttons and the action queue serve them all
without knowing any of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import asyncpg

from bot.workchat.model import Card

if TYPE_CHECKING:
    from bot.config import StaffMember


@dataclass(frozen=True)
class Drawing:
    card: Card
    seqs: dict[int, int]  # subject id -> the decision sequence its buttons are valid for
    topic: int | None = None  # forum topic of the work chat


@dataclass(frozen=True)
class Answer:
    """What a presser is told at once (a toast, or an alert that needs a tap)."""

    text: str
    alert: bool = False


@dataclass(frozen=True)
class PressContext:
    button: asyncpg.Record  # the stored button: subject, action, params, decision_seq
    staff: StaffMember
    chat_id: int
    message_id: int
    actor: str  # the audit's name for the presser
    # Things to do once the decision is committed (a message to the author): never inside the transaction.
    later: list[Callable[[], Awaitable[object]]] = field(default_factory=list)


class SubjectType(Protocol):
    kind: str  # "item": the key in cards, buttons and actions

    async def draw(self, conn: asyncpg.Connection, subject_id: int, *, limit: int) -> Drawing: ...

    async def draw_digest(self, conn: asyncpg.Connection, subject_ids: list[int], *, limit: int) -> Drawing: ...

    def refusal(self, staff: StaffMember | None, action: str) -> Answer | None:
        """None when this person may press this button; otherwise the polite refusal to show them."""
        ...

    async def press(self, conn: asyncpg.Connection, press: PressContext) -> Answer: ...

    async def perform(self, action: asyncpg.Record) -> None:
        """Carries out one queued action (claimed by the executor) and records its outcome."""
        ...

    async def reply(self, subject_id: int, *, card: asyncpg.Record, staff: StaffMember | None, actor: str,
                    user_name: str, text: str, later: list[Callable[[], Awaitable[object]]]) -> str | None:
        """A person answered the subject's card with a text; None, or a polite explanation for the chat."""
        ...


class StandaloneCards:
    """What most subjects share: a card of its own (never in a digest), no queued network action, no meaning in a
    text answer. A subject overrides what it does differently."""

    async def draw(self, conn: asyncpg.Connection, subject_id: int, *, limit: int) -> Drawing:
        raise NotImplementedError

    async def draw_digest(self, conn: asyncpg.Connection, subject_ids: list[int], *, limit: int) -> Drawing:
        return await self.draw(conn, subject_ids[0], limit=limit)

    async def perform(self, action: asyncpg.Record) -> None:
        return None

    async def reply(self, subject_id: int, *, card: asyncpg.Record, staff: StaffMember | None, actor: str,
                    user_name: str, text: str, later: list[Callable[[], Awaitable[object]]]) -> str | None:
        return None
