"""Digest cards: under a flood, several new items share one work-chat message.

Telegram allows about 20 messages a minute in a group. When more cards are waiting than that budget
can clear quickly, the notifier sends up to DIGEST_SIZE items of one community as a single numbered
message with a row of buttons per item: keep, delete, or «Открыть» to get the item as a full card
(for a ban, or a closer look). Decisions made here edit the digest, like any card.
"""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from bot.cards import KIND_RU, LABEL_RU, Button, Card
from bot.domain import Item, ItemStatus

DIGEST_THRESHOLD = 10  # unsent cards waiting before new ones are grouped
DIGEST_SIZE = 8
PREVIEW = 140

_STATUS = {
    ItemStatus.APPROVED: "✅ оставлено",
    ItemStatus.DELETED: "🗑 удалено",
    ItemStatus.BANNED: "⛔ удалено, автор заблокирован",
    ItemStatus.REMOVED: "🗑 удалено в VK",
}


def _records(count: int) -> str:
    """'1 запись', '3 записи', '8 записей'."""
    if count % 10 == 1 and count % 100 != 11:
        word = "запись"
    elif count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        word = "записи"
    else:
        word = "записей"
    return f"{count} {word}"


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def render_digest(entries: list[tuple[Item, bool]], *, community_name: str, tz: ZoneInfo) -> Card:
    """`entries` are (item, busy) in the order they were numbered when the digest was first sent."""
    lines = [f"<b>📥 Поток обращений</b> · {html.escape(community_name, quote=False)}",
             f"<i>{_records(len(entries))} в одном сообщении, чтобы не превысить лимит Telegram.</i>", ""]
    rows: list[tuple[Button, ...]] = []
    for number, (item, busy) in enumerate(entries, start=1):
        author = html.escape(item.author.name or f"id{item.author.id}", quote=False)
        labels = ", ".join(LABEL_RU.get(label, label) for label in item.labels)
        line = (f"<b>{number}.</b> {author} ({KIND_RU[item.kind]}): «{html.escape(_preview(item.text), quote=False)}»"
                + (f" ⚠️ <b>{labels}</b>" if labels else ""))
        if busy:
            line += " — ⏳ выполняется…"
        elif item.status in _STATUS:
            who = html.escape(item.decided_by or "", quote=False)
            line += f" — {_STATUS[item.status]}" + (f" ({who})" if who else "")
        if item.note and not busy and item.status is ItemStatus.OPEN:
            line += f"\n    {html.escape(item.note, quote=False)}"
        lines.append(line)
        if busy:
            continue
        row = []
        if item.status is ItemStatus.OPEN:
            row.append(Button(f"✅ {number}", "approve" if item.kind.is_comment else "handled", item_id=item.id))
            if item.kind.is_comment:
                row.append(Button(f"🗑 {number}", "delete", item_id=item.id))
        elif item.status in (ItemStatus.DELETED, ItemStatus.BANNED) and item.kind.is_comment:
            row.append(Button(f"♻️ {number}", "restore", item_id=item.id))  # a person can undo the machine
        row.append(Button(f"📄 {number}", "expand", item_id=item.id))
        rows.append(tuple(row))
    lines += ["", "✅ — оставить, 🗑 — удалить, ♻️ — восстановить, 📄 — открыть отдельной карточкой"
                  " (там же «Бан» и «Ответить»)."]
    return Card("\n".join(lines), tuple(rows))
