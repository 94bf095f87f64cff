"""Moderation items as a subject of cards: how the outbox draws them, who may press, what a press does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import asyncpg

from bot.config import StaffMember
from bot.domain import Item, Permission
from bot.moderation import actions, decisions, history, items, replies
from bot.moderation.cards import Look, Proposal, render
from bot.moderation.digest import render_digest
from bot.publishing import templates
from bot.workchat.press import REFUSED
from bot.workchat.subjects import Answer, Drawing, PressContext

if TYPE_CHECKING:
    from bot.services import Services

NOT_COORDINATOR = Answer("Извините, тексты ответов одобряют координаторы. Если вам нужен доступ, обратитесь к "
                         "администратору Госпаблика.", alert=True)
_ITEMS = (
    "SELECT i.*, EXISTS (SELECT 1 FROM bans b WHERE b.network = i.network AND b.account_id = i.account_id"
    "  AND b.user_id = i.author_id AND (b.until IS NULL OR b.until > now())) AS author_banned"
    " FROM items i WHERE i.id = ANY($1) ORDER BY i.id"
)


class ItemSubjects:
    kind = actions.SUBJECT

    def __init__(self, services: Services) -> None:
        self.services = services

    def look(self, item: Item) -> Look:
        platform = self.services.platform(item.network)
        account = self.services.account(item.network, item.account_id)
        return Look(words=platform.words, kind=platform.kind(item.kind),
                    account_name=account.name if account else str(item.account_id),
                    profile_url=platform.profile_url(item.author.id), ban_terms=platform.ban_terms,
                    tz=self.services.config.tz)

    def _topic(self, item: Item) -> int | None:
        account = self.services.account(item.network, item.account_id)
        return account.topic_id if account else None

    async def draw(self, conn: asyncpg.Connection, subject_id: int, *, limit: int) -> Drawing:
        row = (await conn.fetch(_ITEMS, [subject_id]))[0]
        item = items.item_from_row(row)
        waiting = await replies.pending(conn, item.id)
        proposal = Proposal(waiting["id"], waiting["text"], waiting["proposed_by_name"]) if waiting else None
        shown = tuple((r["id"], r["title"]) for r in (await templates.listing(conn))[:templates.MAX_SHOWN])
        card = render(item, self.look(item), author_banned=row["author_banned"], limit=limit, proposal=proposal,
                      templates=shown, history=await history.of_author(conn, item))
        return Drawing(card, {item.id: item.decision_seq}, self._topic(item))

    async def draw_digest(self, conn: asyncpg.Connection, subject_ids: list[int], *, limit: int) -> Drawing:
        found = [items.item_from_row(r) for r in await conn.fetch(_ITEMS, subject_ids)]
        first = found[0]
        look = self.look(first)
        numbers = {r["subject_id"]: r["digest_number"] for r in await conn.fetch(
            "SELECT subject_id, digest_number FROM cards WHERE subject_kind = 'item' AND subject_id = ANY($1)",
            subject_ids)}
        card = render_digest([(item, self.look(item)) for item in found], account_name=look.account_name,
                             numbers=numbers)
        return Drawing(card, {item.id: item.decision_seq for item in found}, self._topic(first))

    def refusal(self, staff: StaffMember | None, action: str) -> Answer | None:
        if action in ("approve_reply", "reject_reply"):
            return None if staff is not None and staff.can(Permission.APPROVE) else NOT_COORDINATOR
        if action in ("templates", "template", "cancel", "reply_hint") and staff is not None and staff.can(
                Permission.SUBMIT):
            return None  # an author may propose a reply from a template
        return None if staff is not None and staff.can(Permission.MODERATE) else REFUSED

    async def press(self, conn: asyncpg.Connection, press: PressContext) -> Answer:
        return await decisions.press(self.services, conn, press)

    async def perform(self, action: asyncpg.Record) -> None:
        await actions.perform(self.services, action)

    async def reply(self, subject_id: int, *, card: asyncpg.Record, staff: StaffMember | None, actor: str,
                    user_name: str, text: str, later: list[Callable[[], Awaitable[object]]]) -> str | None:
        return await replies.submit(self.services, item_id=subject_id, in_digest=card["in_digest"], staff=staff,
                                    user_name=user_name, text=text, actor=actor)
