"""Where the content plan's cards are drawn: the approval card of a draft and the alert card of a publication.

Pure functions of the stored state, like moderation cards: the approval card shows the text as it will
appear, what goes with it, the style advice in one line, and, once approved, where and when it goes out
and then where it went out, with links. The buttons are only those that make sense now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.publishing.model import Draft, DraftStatus, Publication, PublicationStatus
from bot.publishing.when import presets, shown
from bot.workchat.model import Button, Card, Lines, Span, bold, cut_utf16, italic, link, plain

MAX_SHOWN = 2500


@dataclass(frozen=True)
class Page:
    """A target as the card names it."""

    name: str  # the network's name and the page's: "… («Администрация района»)"
    url: str


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return shown(moment, tz) if moment else ""


def _publication_line(pub: Publication, page: Page, tz: ZoneInfo) -> list[Span]:
    status = pub.status
    if status is PublicationStatus.PUBLISHED and pub.published_at:
        return [plain(f"✅ {page.name}: "), link(f"опубликовано {_when(pub.published_at, tz)}", pub.url or page.url)]
    words = {
        PublicationStatus.SCHEDULED: f"🕒 {page.name}: {_when(pub.due_at, tz)}",
        PublicationStatus.FAILED: f"⚠️ {page.name}: не вышло — {pub.error or 'ошибка'}",
        PublicationStatus.MISSED: f"⏰ {page.name}: время прошло, пока сервис не работал",
        PublicationStatus.UNCERTAIN: f"❓ {page.name}: неизвестно, вышел ли пост — {pub.error or ''}".rstrip(" —"),
        PublicationStatus.CANCELLED: f"✖️ {page.name}: отменено",
        PublicationStatus.DELETED: f"🗑 {page.name}: публикация удалена",
    }
    return [plain(words.get(status, f"{page.name}: {status.value}"))]


def _content(lines: Lines, draft: Draft, photos_shown: int, limit: int) -> None:
    version = draft.version
    text = version.text.strip()
    if text:
        shown_text = cut_utf16(text, limit)
        lines.line(plain(shown_text), *([italic(f"… (ещё {len(text) - len(shown_text)} симв.)")]
                                        if len(shown_text) < len(text) else []))
    else:
        lines.line(italic("(без текста)"))
    extras = []
    if version.photos:
        extras.append(f"📷 фото: {len(version.photos)}")
    if version.poll:
        extras.append(f"📊 опрос «{version.poll.question}» ({len(version.poll.options)} вар.)")
    if version.link:
        extras.append(f"🔗 {version.link}")
    if extras:
        lines.blank().line(plain(" · ".join(extras)))


def approval_card(draft: Draft, pages: list[Page], publications: list[tuple[Publication, Page]], *, tz: ZoneInfo,
                  now: datetime, limit: int = 3900) -> Card:
    lines = Lines()
    unit = f" · {draft.unit}" if draft.unit else ""
    lines.line(bold(f"📝 Публикация №{draft.id}"), plain(f"{unit} · {draft.author_name}"))
    lines.line(plain("Куда: " + (", ".join(p.name for p in pages) or "страницы не выбраны")))
    wish = f"{_when(draft.wish_at, tz)} (пожелание автора)" if draft.wish_at else "сразу после одобрения"
    lines.line(plain(f"Когда: {wish}"))
    version = draft.version
    if version.number > 1:
        who = "" if version.edited_by_name == draft.author_name else f", исправил(а) {version.edited_by_name}"
        lines.line(italic(f"Версия {version.number}{who}"))
    lines.blank()
    _content(lines, draft, len(version.photos), min(MAX_SHOWN, max(300, limit - 900)))
    advice = (draft.advice or {}).get("summary_ru")
    if advice:
        lines.blank().line(plain(f"✍️ Стиль: {advice}"))
    lines.blank()
    decided = f"{draft.decided_by or ''}, {_when(draft.decided_at, tz)}".strip(", ")
    status = draft.status
    if status is DraftStatus.SUBMITTED:
        lines.line(plain("⏳ Ждёт согласования"))
    elif status is DraftStatus.RETURNED:
        lines.line(plain(f"↩️ Возвращено на доработку — {decided}"))
    elif status is DraftStatus.REJECTED:
        lines.line(plain(f"✖️ Отклонено — {decided}"))
    elif status is DraftStatus.CANCELLED:
        lines.line(plain(f"✖️ Публикация отменена — {decided}"))
    elif status in (DraftStatus.APPROVED, DraftStatus.PUBLISHED):
        lines.line(plain(f"✅ Одобрено — {decided}"))
    if draft.comment and status in (DraftStatus.RETURNED, DraftStatus.REJECTED, DraftStatus.SUBMITTED):
        lines.line(plain(f"💬 Комментарий: «{draft.comment}»"))
    for pub, page in publications:
        lines.line(*_publication_line(pub, page, tz))
    hint = _menu_hint(draft)
    if hint:
        lines.line(italic(hint))
    return Card(lines.text(), buttons(draft, [p for p, _ in publications], tz=tz, now=now))


def _menu_hint(draft: Draft) -> str | None:
    return {"return": "Напишите комментарий для автора ответом на эту карточку — или верните без комментария.",
            "edit": "Пришлите исправленный текст ответом на эту карточку.",
            "approve_at": "Выберите время или напишите его ответом на эту карточку (например, «завтра 10:00»).",
            "move": "Выберите новое время или напишите его ответом на эту карточку.",
            "delete": "Удалить публикацию со всех страниц? Это нельзя отменить.",
            }.get(draft.menu or "")


def buttons(draft: Draft, publications: list[Publication], *, tz: ZoneInfo,
            now: datetime) -> tuple[tuple[Button, ...], ...]:
    cancel = Button("↩️ Отмена", "menu_close")
    if draft.menu in ("approve_at", "move"):
        action = "approve" if draft.menu == "approve_at" else "move"
        times = [Button(label, action, {"at": moment.isoformat()}) for label, moment in presets(now, tz)]
        return (*(tuple(times[i:i + 2]) for i in range(0, len(times), 2)), (cancel,))
    if draft.menu == "return":
        return ((Button("↩️ Вернуть без комментария", "return"),), (cancel,))
    if draft.menu == "edit":
        return ((cancel,),)
    if draft.menu == "delete":
        return ((Button("🗑 Да, удалить везде", "unpublish"), cancel),)
    if draft.status is DraftStatus.SUBMITTED:
        return ((Button("✅ Одобрить", "approve"), Button("🕒 Одобрить на время…", "menu", {"menu": "approve_at"})),
                (Button("↩️ На доработку", "menu", {"menu": "return"}),
                 Button("✏️ Исправить текст", "menu", {"menu": "edit"})),
                (Button("✖️ Отклонить", "reject"),))
    if draft.status is DraftStatus.APPROVED:
        rows: list[tuple[Button, ...]] = []
        if any(p.status is PublicationStatus.SCHEDULED for p in publications):
            rows.append((Button("🕒 Перенести…", "menu", {"menu": "move"}), Button("✖️ Отменить публикацию", "cancel")))
        if any(p.status is PublicationStatus.PUBLISHED for p in publications):
            rows.append((Button("🗑 Удалить публикацию", "menu", {"menu": "delete"}),))
        return tuple(rows)
    if draft.status is DraftStatus.PUBLISHED and any(p.status is PublicationStatus.PUBLISHED for p in publications):
        return ((Button("🗑 Удалить публикацию", "menu", {"menu": "delete"}),),)
    return ()


def alert_card(pub: Publication, draft: Draft, page: Page, *, tz: ZoneInfo, resolved_by: str | None) -> Card:
    """A publication that needs a person: it failed for good, was missed, or may or may not have gone out."""
    lines = Lines()
    title = {
        PublicationStatus.FAILED: "⚠️ Публикация не вышла",
        PublicationStatus.MISSED: "⏰ Публикация пропущена",
        PublicationStatus.UNCERTAIN: "❓ Неизвестно, вышла ли публикация",
    }.get(pub.status, "📝 Публикация")
    lines.line(bold(title), plain(f" · {page.name}"))
    preview = " ".join(draft.version.text.split())
    lines.line(plain(f"№{draft.id} от {draft.author_name}: «{preview[:120]}{'…' if len(preview) > 120 else ''}»"))
    lines.line(plain(f"Должна была выйти: {_when(pub.due_at, tz)}"))
    buttons_: tuple[tuple[Button, ...], ...] = ()
    if pub.status is PublicationStatus.FAILED:
        lines.line(plain(f"Причина: {pub.error or 'неизвестна'}"))
        lines.line(italic("Устраните причину и нажмите «Повторить» — или отмените публикацию на этой странице."))
        buttons_ = ((Button("🔁 Повторить", "retry"), Button("✖️ Отменить", "give_up")),)
    elif pub.status is PublicationStatus.MISSED:
        lines.line(plain("Сервис не работал в это время, и опоздание больше допустимого."))
        buttons_ = ((Button("📤 Опубликовать сейчас", "retry"), Button("✖️ Отменить", "give_up")),)
    elif pub.status is PublicationStatus.UNCERTAIN:
        lines.line(plain(f"Причина: {pub.error or 'попытка прервалась'}"))
        lines.line(italic(f"Проверьте страницу ({page.url}): если поста там нет — «Опубликовать ещё раз»."))
        buttons_ = ((Button("📤 Опубликовать ещё раз", "retry"), Button("✅ Уже опубликовано", "was_published")),
                    (Button("✖️ Отменить", "give_up"),))
    elif pub.status is PublicationStatus.PUBLISHED:
        lines.line(plain("✅ Опубликовано "), link(_when(pub.published_at, tz) or "", pub.url or page.url))
    elif pub.status is PublicationStatus.SCHEDULED:
        lines.line(plain(f"🔁 Снова в очереди — {resolved_by or ''}".rstrip(" —")))
    elif pub.status is PublicationStatus.CANCELLED:
        lines.line(plain(f"✖️ Отменено — {resolved_by or ''}".rstrip(" —")))
    return Card(lines.text(), buttons_)
