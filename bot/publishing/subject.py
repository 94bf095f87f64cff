"""The content plan's subjects of cards: a draft (its approval card) and a publication (its alert card)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import asyncpg

from bot import audit
from bot.config import StaffMember
from bot.domain import Permission
from bot.publishing import authoring, decisions, model, schedule
from bot.publishing.cards import Page, alert_card, approval_card
from bot.publishing.model import PublicationStatus, Target
from bot.publishing.publisher import settle
from bot.publishing.submit import page_name
from bot.workchat.press import REFUSED
from bot.workchat.subjects import Answer, Drawing, PressContext, StandaloneCards

if TYPE_CHECKING:
    from bot.services import Services

NOT_COORDINATOR = Answer("Извините, согласовывать публикации могут только координаторы. Если вам нужен доступ, "
                         "обратитесь к администратору Госпаблика.", alert=True)


def page(services: Services, target: Target) -> Page:
    account = services.account(target.network, target.account_id)
    platform = services.platforms.get(target.network)
    url = platform.page_url(account) if platform and account else ""
    return Page(page_name(services, target), url)


class DraftSubjects:
    kind = "draft"

    def __init__(self, services: Services) -> None:
        self.services = services

    async def draw(self, conn: asyncpg.Connection, subject_id: int, *, limit: int) -> Drawing:
        draft = await model.load(conn, subject_id)
        assert draft is not None
        pubs = await model.publications(conn, subject_id)
        card = approval_card(draft, [page(self.services, t) for t in draft.targets],
                             [(p, page(self.services, p.target)) for p in pubs], tz=self.services.config.tz,
                             now=datetime.now(UTC), limit=limit)
        return Drawing(card, {draft.id: draft.decision_seq})

    async def draw_digest(self, conn: asyncpg.Connection, subject_ids: list[int], *, limit: int) -> Drawing:
        return await self.draw(conn, subject_ids[0], limit=limit)  # approval cards never go into digests

    def refusal(self, staff: StaffMember | None, action: str) -> Answer | None:
        if action.startswith(authoring.PANEL):
            return None if staff is not None and staff.can(Permission.SUBMIT) else authoring.NOT_STAFF_ANSWER
        return None if staff is not None and staff.can(Permission.APPROVE) else NOT_COORDINATOR

    async def press(self, conn: asyncpg.Connection, press: PressContext) -> Answer:
        if press.button["action"].startswith(authoring.PANEL):
            return await authoring.press(self.services, conn, press)
        return await decisions.press(self.services, conn, press)

    async def perform(self, action: asyncpg.Record) -> None:
        """Takes a published post down from every page (the only queued action of a draft)."""
        services = self.services
        async with services.db.connection() as conn:
            pubs = [p for p in await model.publications(conn, action["subject_id"])
                    if p.status is PublicationStatus.PUBLISHED and p.post_id]
        failed = []
        for pub in pubs:
            platform = services.platforms.get(pub.target.network)
            account = services.account(pub.target.network, pub.target.account_id)
            if platform is None or account is None:
                failed.append(f"{pub.target}: страница не настроена")
                continue
            from bot.platform import PlatformError, Published

            try:
                await platform.unpublish(account, Published(pub.post_id or "", pub.url or ""))
            except PlatformError as exc:
                failed.append(f"{page(services, pub.target).name}: {exc.for_card()}")
                continue
            async with services.db.transaction() as conn:
                await schedule.mark_deleted(conn, pub.id)
        async with services.db.transaction() as conn:
            await conn.execute("UPDATE actions SET status = $2, finished_at = now(), error = $3 WHERE id = $1",
                               action["id"], "failed" if failed else "done", "; ".join(failed) or None)
            await audit.record(conn, actor=action["actor"], actor_name=action["actor_name"], action="unpublish",
                               result="ok" if not failed else "error",
                               detail={"draft_id": action["subject_id"], "failed": failed})
            await settle(conn, action["subject_id"])

    async def reply(self, subject_id: int, *, card: asyncpg.Record, staff: StaffMember | None, actor: str,
                    user_name: str, text: str, later: list[Callable[[], Awaitable[object]]]) -> str | None:
        return await decisions.reply(self.services, subject_id, staff=staff, actor=actor, text=text, later=later)


class PublicationSubjects(StandaloneCards):
    kind = "publication"

    def __init__(self, services: Services) -> None:
        self.services = services

    async def draw(self, conn: asyncpg.Connection, subject_id: int, *, limit: int) -> Drawing:
        row = await conn.fetchrow("SELECT * FROM publications WHERE id = $1", subject_id)
        assert row is not None
        pub = model.publication_from_row(row)
        draft = await model.load(conn, pub.draft_id, version=pub.version)
        assert draft is not None
        resolved = await conn.fetchval(
            "SELECT actor_name FROM audit WHERE action = 'publication_resolved' AND detail->>'publication_id' = $1"
            " ORDER BY id DESC LIMIT 1", str(subject_id))
        card = alert_card(pub, draft, page(self.services, pub.target), tz=self.services.config.tz,
                          resolved_by=resolved)
        return Drawing(card, {pub.id: pub.decision_seq})

    def refusal(self, staff: StaffMember | None, action: str) -> Answer | None:
        return None if staff is not None and staff.can(Permission.APPROVE) else NOT_COORDINATOR

    async def press(self, conn: asyncpg.Connection, press: PressContext) -> Answer:
        how = press.button["action"]
        if how not in ("retry", "was_published", "give_up"):
            return REFUSED
        row = await schedule.resolve(conn, press.button["subject_id"], how, seq=press.button["decision_seq"])
        if row is None:
            return decisions.LOST
        await audit.record(conn, actor=press.actor, actor_name=press.staff.name, action="publication_resolved",
                           result=how, detail={"publication_id": str(row["id"]), "draft_id": row["draft_id"]})
        if how == "retry":
            self.services.publications_ready.set()
        return Answer({"retry": "Публикуем снова.", "was_published": "Отмечено как опубликованное.",
                       "give_up": "Публикация на этой странице отменена."}[how])
