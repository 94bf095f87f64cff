"""Where a coordinator's press on an approval card is decided, and their answers to it (a comment for the
author, a corrected text, a typed time).

Like moderation, a press wins only at the decision sequence its card was drawn at. Nobody approves,
returns or rejects their own draft. The author hears of every decision in their private chat, after the
decision is committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import asyncpg

from bot import audit, executor
from bot.config import StaffMember
from bot.domain import Permission
from bot.publishing import drafts, model, schedule
from bot.publishing.model import DraftStatus
from bot.publishing.notify import tell_author
from bot.publishing.when import parse_when, shown
from bot.workchat.subjects import Answer, PressContext

if TYPE_CHECKING:
    from bot.services import Services

Later = list[Callable[[], Awaitable[object]]]
LOST = Answer("Карточка уже изменилась. Пожалуйста, посмотрите её новое состояние и нажмите ещё раз.", alert=True)
OWN = Answer("Свою публикацию согласует другой координатор — так требует порядок согласования.", alert=True)
APPROVAL = frozenset({"approve", "menu", "menu_close", "return", "reject", "move", "cancel", "unpublish"})


async def press(services: Services, conn: asyncpg.Connection, ctx: PressContext) -> Answer:
    button, staff = ctx.button, ctx.staff
    action, params, draft_id, seq = button["action"], button["params"], button["subject_id"], button["decision_seq"]
    draft = await model.load(conn, draft_id)
    if draft is None:
        return LOST
    tz = services.config.tz
    if action in ("approve", "return", "reject") and draft.author_id == staff.user_id:
        await audit.record(conn, actor=ctx.actor, actor_name=staff.name, action=f"draft_{action}", result="refused",
                           detail={"draft_id": draft_id, "reason": "own draft"})
        return OWN
    if action == "menu":
        if await drafts.claim(conn, draft_id, seq, menu=str(params.get("menu"))) is None:
            return LOST
        return Answer({"approve_at": "Выберите время публикации.", "return": "Напишите комментарий для автора.",
                       "edit": "Пришлите исправленный текст ответом на карточку.", "move": "Выберите новое время.",
                       "delete": "Подтвердите удаление."}.get(str(params.get("menu")), "Готово."))
    if action == "menu_close":
        return Answer("Хорошо.") if await drafts.claim(conn, draft_id, seq, menu=None) else LOST
    if action == "approve":
        at = datetime.fromisoformat(params["at"]) if params.get("at") else None
        return await approve(services, conn, draft, at=at, staff=staff, actor=ctx.actor, seq=seq, later=ctx.later)
    if action == "return":
        return await give_back(services, conn, draft, comment=None, staff=staff, actor=ctx.actor, seq=seq,
                               later=ctx.later)
    if action == "reject":
        row = await drafts.move(conn, draft_id, "reject", seq=seq,
                                fields={"decided_by": staff.name, "decided_at": datetime.now(UTC)})
        if row is None:
            return LOST
        await _audit(conn, ctx.actor, staff, "draft_rejected", draft_id)
        ctx.later.append(lambda: tell_author(services, draft.author_id, f"Публикация №{draft_id} отклонена"
                                             f" ({staff.name}). Если есть вопросы — свяжитесь с координатором.",
                                             draft_id=draft.id))
        return Answer("Публикация отклонена.")
    if action == "move":
        at = datetime.fromisoformat(params["at"])
        moved = await schedule.move(conn, draft_id, at)
        await _audit(conn, ctx.actor, staff, "draft_moved", draft_id, {"at": at.isoformat()})
        return Answer(f"Перенесено на {shown(at, tz)} ({moved} стр.).")
    if action == "cancel":
        if await schedule.cancel(conn, draft_id, by=staff.name, seq=seq) is None:
            return LOST
        await _audit(conn, ctx.actor, staff, "draft_cancelled", draft_id)
        ctx.later.append(lambda: tell_author(services, draft.author_id,
                                             f"Публикация №{draft_id} отменена координатором ({staff.name}).",
                                             draft_id=draft.id))
        return Answer("Публикация отменена.")
    if action == "unpublish":
        if await drafts.claim(conn, draft_id, seq, menu=None) is None:
            return LOST
        await executor.enqueue(conn, subject_kind=drafts.SUBJECT, subject_id=draft_id, action="unpublish",
                               actor=ctx.actor, actor_name=staff.name)
        await _audit(conn, ctx.actor, staff, "draft_unpublish", draft_id)
        return Answer("Удаляем публикацию со всех страниц…")
    return Answer("Эта кнопка недействительна. Пожалуйста, воспользуйтесь кнопками на актуальной карточке.",
                  alert=True)


async def _audit(conn: asyncpg.Connection, actor: str, staff: StaffMember, action: str, draft_id: int,
                 detail: dict | None = None) -> None:
    await audit.record(conn, actor=actor, actor_name=staff.name, action=action, result="ok",
                       detail={"draft_id": draft_id, **(detail or {})})


async def approve(services: Services, conn: asyncpg.Connection, draft: model.Draft, *, at: datetime | None,
                  staff: StaffMember, actor: str, seq: int, later: Later) -> Answer:
    row = await schedule.approve(conn, draft, at=at, by=staff.name, seq=seq)
    if row is None:
        return LOST
    when = row["publish_at"]
    soon = when <= datetime.now(UTC)
    await _audit(conn, actor, staff, "draft_approved", draft.id, {"at": when.isoformat(),
                                                                  "version": draft.version.number})
    services.publications_ready.set()
    said = "сейчас" if soon else shown(when, services.config.tz)
    later.append(lambda: tell_author(services, draft.author_id,
                                     f"Публикация №{draft.id} одобрена ({staff.name}) и выйдет {said}.",
                                     draft_id=draft.id))
    return Answer(f"Одобрено: публикуем {said}.")


async def give_back(services: Services, conn: asyncpg.Connection, draft: model.Draft, *, comment: str | None,
                    staff: StaffMember, actor: str, seq: int, later: Later) -> Answer:
    row = await drafts.move(conn, draft.id, "return", seq=seq,
                            fields={"decided_by": staff.name, "decided_at": datetime.now(UTC), "comment": comment})
    if row is None:
        return LOST
    await _audit(conn, actor, staff, "draft_returned", draft.id, {"comment": comment})
    said = f"\nКомментарий: «{comment}»" if comment else ""
    later.append(lambda: tell_author(services, draft.author_id,
                                     f"Публикация №{draft.id} возвращена на доработку ({staff.name}).{said}\n"
                                     "Пришлите исправленный текст или фото — и снова отправьте на согласование.",
                                     draft_id=draft.id))
    return Answer("Возвращено автору.")


async def reply(services: Services, draft_id: int, *, staff: StaffMember | None, actor: str, text: str,
                later: Later) -> str | None:
    """A coordinator answers the approval card with a text: what it means depends on the menu open on it."""
    if staff is None or not staff.can(Permission.APPROVE):
        return None  # an ordinary conversation: only coordinators' answers mean something here
    async with services.db.transaction() as conn:
        draft = await model.load(conn, draft_id)
        if draft is None or draft.menu is None:
            return ("Чтобы ответить на карточку публикации, сначала выберите действие: «На доработку», "
                    "«Исправить текст» или «Одобрить на время…».")
        tz = services.config.tz
        if draft.menu in ("approve_at", "move"):
            at = parse_when(text, now=datetime.now(UTC), tz=tz)
            if at is None:
                return "Не понял время. Напишите, например, «завтра 10:00» или «05.12 18:30» (время ещё не прошло)."
            if draft.menu == "move":
                await schedule.move(conn, draft_id, at)
                await _audit(conn, actor, staff, "draft_moved", draft_id, {"at": at.isoformat()})
                return None
            if draft.author_id == staff.user_id:
                return OWN.text
            answer = await approve(services, conn, draft, at=at, staff=staff, actor=actor, seq=draft.decision_seq,
                                   later=later)
            return None if answer is not LOST else LOST.text
        if draft.menu == "return":
            if draft.author_id == staff.user_id:
                return OWN.text
            answer = await give_back(services, conn, draft, comment=text.strip()[:1000], staff=staff, actor=actor,
                                     seq=draft.decision_seq, later=later)
            return None if answer is not LOST else LOST.text
        if draft.menu == "edit" and draft.status is DraftStatus.SUBMITTED:
            await drafts.edit(conn, draft_id, drafts.Change(text=text.strip()), by=actor, by_name=staff.name,
                              new_version=True)
            from bot.publishing.submit import advise

            await conn.execute("UPDATE drafts SET menu = NULL, advice = $2, decision_seq = decision_seq + 1"
                               " WHERE id = $1", draft_id, advise(text.strip()))
            await _audit(conn, actor, staff, "draft_corrected", draft_id)
            return None
    return None
