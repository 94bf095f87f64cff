"""Digest cards: under a flood, several new items of one page share one work-chat message.

The outbox decides when to group (`bot.workchat.outbox`); this draws the group: a numbered line per
item with a row of buttons — keep, delete (where the network can), restore, or «📄» to open the item as
a full card (for a ban, a reply, or a closer look). Decisions made here edit the digest, like any card.
"""

from __future__ import annotations

from bot.domain import Capability, Item, ItemStatus
from bot.moderation.cards import Look
from bot.moderation.notes import LABEL_RU, word
from bot.russian import plural
from bot.workchat.model import Button, Card, Lines, bold, italic, plain

PREVIEW = 140


def _records(count: int, kinds: set[bool]) -> str:
    """'8 комментариев', '3 сообщения', '8 комментариев и сообщений' — never "записи" (a network's wall posts) or
    "обращения" (formal appeals under 59-FZ, with deadlines of their own)."""
    if kinds == {True}:
        return f"{count} {plural(count, 'сообщение', 'сообщения', 'сообщений')}"
    if kinds == {False}:
        return f"{count} {plural(count, 'комментарий', 'комментария', 'комментариев')}"
    return f"{count} комментариев и сообщений"


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def _status(item: Item, look: Look) -> str | None:
    return {
        ItemStatus.APPROVED: "✅ оставлено",
        ItemStatus.DELETED: "🗑 удалено",
        ItemStatus.BANNED: f"⛔ удалено, {look.words.banned_ru}",
        ItemStatus.REMOVED: f"🗑 удалено {look.words.where_ru}",
    }.get(item.status)


def render_digest(entries: list[tuple[Item, Look]], *, account_name: str,
                  numbers: dict[int, int | None] | None = None) -> Card:
    """`entries` in the order they were numbered when the digest was first sent; `numbers` are the numbers they
    were given then (an item taken out leaves a gap, so nobody's number changes under their finger)."""
    text = Lines()
    text.line(bold("📥 Поток комментариев и сообщений"), plain(f" · {account_name}"))
    kinds = {look.kind.conversation for _item, look in entries}
    text.line(italic(f"{_records(len(entries), kinds)} в одной карточке, чтобы не превысить лимит сообщений в чате."))
    text.blank()
    rows: list[tuple[Button, ...]] = []
    for position, (item, look) in enumerate(entries, start=1):
        number = (numbers or {}).get(item.id) or position
        author = item.author.name or f"id{item.author.id}"
        labels = ", ".join(LABEL_RU.get(label, label) for label in item.labels)
        shown = f"«{_preview(item.text)}»" if item.text.strip() else (
            _preview(", ".join(item.attachments)) if item.attachments else "(без текста)")
        line = [bold(f"{number}."), plain(f" {author} ({look.kind.name_ru}): {shown}")]
        if labels:
            line += [plain(" ⚠️ "), bold(labels)]
        status = _status(item, look)
        if item.busy:
            line.append(plain(" — ⏳ выполняется…"))
        elif status:
            line.append(plain(f" — {status}" + (f" ({item.decided_by})" if item.decided_by else "")))
        text.line(*line)
        if item.note and not item.busy and item.status is ItemStatus.OPEN:
            text.line(plain("    " + word(item.note, words=look.words, kind=look.kind, tz=look.tz)))
        if item.busy:
            continue
        can = look.kind.can
        row = []
        if item.status is ItemStatus.OPEN:
            row.append(Button(f"✅ {number}", "handled" if look.kind.conversation else "approve",
                              subject_id=item.id))
            if Capability.DELETE in can:
                row.append(Button(f"🗑 {number}", "delete", subject_id=item.id))
        elif item.status in (ItemStatus.DELETED, ItemStatus.BANNED) and Capability.RESTORE in can:
            row.append(Button(f"♻️ {number}", "restore", subject_id=item.id))  # a person can undo the machine
        row.append(Button(f"📄 {number}", "expand", subject_id=item.id))
        rows.append(tuple(row))
    text.blank()
    text.line(plain("✅ — оставить, 🗑 — удалить, ♻️ — восстановить, 📄 — открыть отдельной карточкой"
                    " (там же «Бан» и «Ответить»)."))
    return Card(text.text(), tuple(rows))
