"""The words of the content plan: a department's draft, its versions, and its publications on each page."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from bot.platform import Poll


class DraftStatus(enum.StrEnum):
    EDITING = "editing"  # the author is still writing it
    SUBMITTED = "submitted"  # waiting for a coordinator
    RETURNED = "returned"  # sent back with a comment; the author may edit and submit again
    APPROVED = "approved"  # scheduled on its pages
    REJECTED = "rejected"
    PUBLISHED = "published"  # on every page it was meant for (or what is left of them)
    CANCELLED = "cancelled"


class PublicationStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    FAILED = "failed"  # refused for good: a person decides (retry or cancel)
    MISSED = "missed"  # its time passed while the service was down, beyond the grace period
    UNCERTAIN = "uncertain"  # a try was interrupted and the network cannot tell whether it went out
    CANCELLED = "cancelled"
    DELETED = "deleted"  # removed from the page after it was published


@dataclass(frozen=True)
class Target:
    """A page to publish on, written "network:account_id" in storage and the control API."""

    network: str
    account_id: int

    def __str__(self) -> str:
        return f"{self.network}:{self.account_id}"

    @classmethod
    def parse(cls, text: str) -> Target:
        network, _, account = text.partition(":")
        return cls(network, int(account))


@dataclass(frozen=True)
class Version:
    number: int
    text: str
    photos: tuple[int, ...]  # media ids
    poll: Poll | None
    link: str | None
    edited_by: str
    edited_by_name: str
    created_at: datetime


@dataclass(frozen=True)
class Draft:
    id: int
    author_id: int
    author_name: str
    unit: str | None
    status: DraftStatus
    version: Version
    targets: tuple[Target, ...]
    wish_at: datetime | None
    publish_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None
    menu: str | None
    decision_seq: int
    advice: dict[str, Any] | None
    panel_message_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Publication:
    id: int
    draft_id: int
    version: int
    target: Target
    due_at: datetime
    status: PublicationStatus
    attempts: int
    started_at: datetime | None
    post_id: str | None
    url: str | None
    published_at: datetime | None
    error: str | None
    decision_seq: int


def _poll(raw: Any) -> Poll | None:
    if not raw:
        return None
    return Poll(str(raw.get("question", "")), tuple(str(o) for o in raw.get("options", ())))


def poll_json(poll: Poll | None) -> dict[str, Any] | None:
    return {"question": poll.question, "options": list(poll.options)} if poll else None


def version_from_row(row: asyncpg.Record) -> Version:
    return Version(row["version"], row["text"], tuple(row["photos"]), _poll(row["poll"]), row["link"],
                   row["edited_by"], row["edited_by_name"], row["created_at"])


async def load(conn: asyncpg.Connection, draft_id: int, *, version: int | None = None) -> Draft | None:
    row = await conn.fetchrow("SELECT * FROM drafts WHERE id = $1", draft_id)
    if row is None:
        return None
    number = version or row["version"]
    vrow = await conn.fetchrow("SELECT * FROM draft_versions WHERE draft_id = $1 AND version = $2", draft_id, number)
    assert vrow is not None
    return Draft(
        id=row["id"], author_id=row["author_id"], author_name=row["author_name"], unit=row["unit"],
        status=DraftStatus(row["status"]), version=version_from_row(vrow),
        targets=tuple(Target.parse(t) for t in row["targets"]), wish_at=row["wish_at"], publish_at=row["publish_at"],
        decided_by=row["decided_by"], decided_at=row["decided_at"], comment=row["comment"], menu=row["menu"],
        decision_seq=row["decision_seq"], advice=row["advice"], panel_message_id=row["panel_message_id"],
        created_at=row["created_at"],
    )


def publication_from_row(row: asyncpg.Record) -> Publication:
    return Publication(
        id=row["id"], draft_id=row["draft_id"], version=row["version"],
        target=Target(row["network"], row["account_id"]), due_at=row["due_at"],
        status=PublicationStatus(row["status"]), attempts=row["attempts"], started_at=row["started_at"],
        post_id=row["post_id"], url=row["url"], published_at=row["published_at"], error=row["error"],
        decision_seq=row["decision_seq"],
    )


async def publications(conn: asyncpg.Connection, draft_id: int) -> list[Publication]:
    rows = await conn.fetch("SELECT * FROM publications WHERE draft_id = $1 ORDER BY id", draft_id)
    return [publication_from_row(r) for r in rows]
