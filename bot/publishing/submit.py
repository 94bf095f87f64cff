"""Submitting a draft for approval: what would stop it on its pages, style advice, and its approval card.

Problems (too long for a caption, too many photos, no page chosen) stop the submission and are said
at once, in Russian, page by page; style advice never stops anything: it goes to the author and, in one
line, onto the approval card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg

from bot import audit
from bot.platform import Photo, Post
from bot.publishing import drafts, model
from bot.publishing.model import Draft, DraftStatus, Target
from bot.workchat import outbox

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True)
class Submitted:
    draft_id: int
    accepted: bool
    problems: list[str] = field(default_factory=list)
    advice: dict[str, Any] = field(default_factory=dict)


def shape(draft: Draft) -> Post:
    """The post as the checks see it (photos counted, not loaded)."""
    version = draft.version
    return Post(version.text, tuple(Photo(m, b"") for m in version.photos), version.poll, version.link)


def page_name(services: Services, target: Target) -> str:
    account = services.account(target.network, target.account_id)
    platform = services.platforms.get(target.network)
    where = platform.words.name_ru if platform else target.network
    return f"{where} («{account.name}»)" if account else f"{where} ({target.account_id})"


def problems(services: Services, draft: Draft) -> list[str]:
    found: list[str] = []
    if not draft.targets:
        found.append("Выберите, где публиковать: хотя бы одну страницу.")
    post = shape(draft)
    for target in draft.targets:
        account = services.account(target.network, target.account_id)
        platform = services.platforms.get(target.network)
        if account is None or platform is None or not platform.publishes:
            found.append(f"{target}: такой страницы нет в настройках Госпаблика.")
            continue
        found += [f"{page_name(services, target)}: {p}." for p in platform.check_post(account, post)]
    if not found and not post.text.strip() and not post.photos and post.poll is None:
        found.append("Публикация пустая: нужен текст, фото или опрос.")
    return found


def advise(text: str) -> dict[str, Any]:
    from bot.style import advise as style_advice

    return style_advice(text).to_dict() if text.strip() else {"hits": [], "summary_ru": "Текста нет"}


async def submit(services: Services, conn: asyncpg.Connection, draft_id: int, *, actor: str) -> Submitted:
    """Sends the draft to the coordinators if nothing stops it; its approval card is then due in the chat."""
    draft = await model.load(conn, draft_id)
    assert draft is not None
    found = problems(services, draft)
    advice = advise(draft.version.text)
    if found:
        return Submitted(draft_id, False, found, advice)
    resubmitted = draft.status is DraftStatus.RETURNED
    row = await drafts.move(conn, draft_id, "submit", fields={"advice": advice, "comment": draft.comment
                                                              if resubmitted else None})
    if row is None:
        return Submitted(draft_id, False, [f"Черновик уже {status_ru(draft.status)}."], advice)
    await outbox.open_card(conn, drafts.SUBJECT, draft_id, chat_id=services.workchat.chat_id)
    if resubmitted:  # a new message, so that the coordinators notice the new version
        await conn.execute("UPDATE cards SET message_id = NULL, sent_revision = 0, in_digest = false"
                           " WHERE subject_kind = $1 AND subject_id = $2", drafts.SUBJECT, draft_id)
    await audit.record(conn, actor=actor, actor_name=draft.author_name, action="draft_submitted", result="ok",
                       detail={"draft_id": draft_id, "version": draft.version.number,
                               "targets": [str(t) for t in draft.targets]})
    return Submitted(draft_id, True, [], advice)


def status_ru(status: DraftStatus) -> str:
    return {"editing": "в работе у автора", "submitted": "на согласовании", "returned": "возвращён на доработку",
            "approved": "одобрен", "rejected": "отклонён", "published": "опубликован",
            "cancelled": "отменён"}[status.value]
