"""Where the card is drawn: an item's state becomes the work-chat text and its buttons.

A pure function of the item, so the notifier can redraw any card at any time and the card always
shows the truth in storage. Text is Telegram HTML with every piece of citizen text escaped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import Item, ItemKind, ItemStatus

MAX_TEXT = 2500  # characters of the comment shown at most
MAX_CARD = 4000  # Telegram refuses a message over 4096 characters (counted after the markup is parsed)
MAX_ATTACHMENT = 100
MAX_NOTE = 500
_TAG = re.compile(r"<[^>]+>")

KIND_RU = {
    ItemKind.WALL_COMMENT: "комментарий к записи",
    ItemKind.BOARD_COMMENT: "сообщение в обсуждении",
    ItemKind.PHOTO_COMMENT: "комментарий к фото",
    ItemKind.VIDEO_COMMENT: "комментарий к видео",
    ItemKind.MARKET_COMMENT: "комментарий к товару",
    ItemKind.MESSAGE: "личное сообщение сообществу",
}
NETWORK_RU = {"vk": "ВКонтакте", "ok": "Одноклассники"}
LABEL_RU = {"obscene": "мат", "insult": "оскорбление", "spam": "спам", "illegal": "противоправное"}
BAN_DAYS_RU = {1: "1 день", 7: "7 дней", 30: "30 дней", None: "навсегда"}


@dataclass(frozen=True)
class Button:
    text: str
    action: str  # approve | handled | delete | ban_menu | ban | cancel | restore | unban | expand | reply_hint
    params: dict[str, Any] = field(default_factory=dict)
    item_id: int | None = None  # set on digest buttons, which act on one of several items


@dataclass(frozen=True)
class Card:
    html: str
    buttons: tuple[tuple[Button, ...], ...]


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def visible_length(markup: str) -> int:
    """Length of the text Telegram will count: tags parsed away, entities decoded, in UTF-16 units."""
    return len(html.unescape(_TAG.sub("", markup)).encode("utf-16-le")) // 2


def _cut_utf16(text: str, limit: int) -> str:
    """The longest prefix of at most `limit` UTF-16 units: the unit the card budget is counted in."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def _highlighted(text: str, verdict: dict[str, Any] | None, limit: int = MAX_TEXT) -> str:
    """Escapes the text and underlines the spans the classifier flagged (merged where they overlap)."""
    spans = sorted(
        (r["start"], r["end"]) for r in (verdict or {}).get("reasons", ())
        if isinstance(r.get("start"), int) and isinstance(r.get("end"), int) and 0 <= r["start"] < r["end"]
    )
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    shown = _cut_utf16(text, limit)
    out, pos = [], 0
    for start, end in merged:
        if start >= len(shown):
            break
        end = min(end, len(shown))
        out.append(html.escape(shown[pos:start], quote=False))
        out.append(f"<u><b>{html.escape(shown[start:end], quote=False)}</b></u>")
        pos = end
    out.append(html.escape(shown[pos:], quote=False))
    if len(shown) < len(text):
        out.append(f"… <i>(ещё {len(text) - len(shown)} симв.)</i>")
    return "".join(out)


def _labels_line(verdict: dict[str, Any] | None) -> str | None:
    if not verdict or not verdict.get("labels"):
        return None
    parts = []
    for label in verdict["labels"]:
        notes = []
        for reason in verdict.get("reasons", ()):
            if reason.get("label") == label:
                note = reason.get("note_ru") or reason.get("rule") or ""
                fragment = reason.get("fragment")
                if fragment and len(fragment) > 60:
                    fragment = fragment[:59] + "…"
                piece = f"{note} «{fragment}»" if fragment else note
                if piece and piece not in notes:
                    notes.append(piece)
        title = LABEL_RU.get(label, label)
        parts.append(f"<b>{title}</b>" + (f": {html.escape('; '.join(notes[:3]), quote=False)}" if notes else ""))
    return "⚠️ " + " · ".join(parts)


def _decision_line(item: Item, tz: ZoneInfo) -> str | None:
    when = f", {_when(item.decided_at, tz)}" if item.decided_at else ""
    who = html.escape(item.decided_by or "", quote=False)
    if item.status is ItemStatus.APPROVED:
        word = {"handled": "✅ Обработано", "restore": "♻️ Восстановлено", "reply": "💬 Отвечено",
                "unban": "🔓 Блокировка автора снята"}.get(
            item.decision or "", "✅ Оставлено")
        return f"{word} — {who}{when}"
    if item.status is ItemStatus.DELETED:
        word = "🔓 Блокировка снята, комментарий удалён" if item.decision == "unban" else "🗑 Удалено"
        return f"{word} — {who}{when}"
    if item.status is ItemStatus.BANNED:
        days = (item.decision or "ban:forever").split(":", 1)[1]
        term = BAN_DAYS_RU.get(int(days)) if days.isdigit() else "навсегда"
        what = "удалено, автор заблокирован" if item.kind.is_comment else "автор заблокирован"
        return f"⛔ {what.capitalize()} ({term or days + ' дн.'}) — {who}{when}"
    if item.status is ItemStatus.REMOVED:
        return _removal_line(item)
    return None


def _removal_line(item: Item) -> str:
    """Who deleted the item on the network, from the decision `bot.intake` recorded."""
    message = item.kind is ItemKind.MESSAGE
    what = {ItemKind.MESSAGE: "Сообщение удалено", ItemKind.BOARD_COMMENT: "Сообщение в обсуждении удалено"}.get(
        item.kind, "Комментарий удалён")
    _, _, who = (item.decision or "removed").partition(":")
    if who == "author":
        return "🗑 Автор удалил своё сообщение в VK" if message else "🗑 Автор удалил свой комментарий в VK"
    if who.isdigit():
        return f"🗑 {what} в VK администратором id{who}"
    return f"🗑 {what} в VK"


def buttons_for(item: Item, *, busy: bool, menu: str | None,
                author_banned: bool = False) -> tuple[tuple[Button, ...], ...]:
    """Only the buttons that still make sense for the item's state and its author's."""
    if busy:
        return ()
    if menu == "ban" and not author_banned:
        return (
            (Button("⛔ 1 день", "ban", {"days": 1}), Button("⛔ 7 дней", "ban", {"days": 7})),
            (Button("⛔ 30 дней", "ban", {"days": 30}), Button("⛔ Навсегда", "ban", {"days": None})),
            (Button("↩️ Отмена", "cancel"),),
        )
    ban = Button("🔓 Разбанить", "unban") if author_banned else Button("⛔ Бан", "ban_menu")
    comment = item.kind.is_comment
    reply = ((Button("💬 Ответить", "reply_hint"),),) if item.kind.can_reply else ()
    restore = Button("♻️ Восстановить", "restore")
    if item.status is ItemStatus.OPEN:
        if comment:
            return ((Button("✅ Оставить", "approve"), Button("🗑 Удалить", "delete"), ban), *reply)
        return ((Button("✅ Обработано", "handled"), ban), *reply)
    if item.status is ItemStatus.APPROVED:
        return (((Button("🗑 Удалить", "delete"), ban),) if comment else ((ban,),)) + reply
    if item.status is ItemStatus.DELETED:
        return ((restore, ban),)
    if item.status is ItemStatus.BANNED:
        return ((ban, restore),) if comment else ((ban,),)
    if item.status is ItemStatus.REMOVED:
        return ((ban,),)
    return ()


def render(item: Item, *, community_name: str, tz: ZoneInfo, busy: bool = False, menu: str | None = None,
           author_banned: bool = False) -> Card:
    author = item.author
    name = html.escape((author.name or f"id{author.id}")[:100], quote=False)
    profile = f"https://vk.com/id{author.id}" if author.id > 0 else f"https://vk.com/club{-author.id}"
    header = [
        f"<b>{NETWORK_RU.get(item.network, item.network)}</b> · {html.escape(community_name, quote=False)}"
        f"\n{KIND_RU[item.kind]}" + (" <i>(изменено)</i>" if item.edited else ""),
        f"👤 <a href=\"{html.escape(profile)}\">{name}</a> · 🕒 {_when(item.created_at, tz)}",
        "",
    ]
    footer = []
    if item.attachments:
        shown = [a if len(a) <= MAX_ATTACHMENT else a[: MAX_ATTACHMENT - 1] + "…" for a in item.attachments[:10]]
        more = f" и ещё {len(item.attachments) - 10}" if len(item.attachments) > 10 else ""
        footer.append("📎 " + html.escape(", ".join(shown), quote=False) + more)
    labels = _labels_line(item.verdict)
    if labels:
        footer += ["", labels]
    footer += ["", f"🔗 <a href=\"{html.escape(item.url)}\">Открыть в VK</a>"]
    decision = _decision_line(item, tz)
    if decision:
        footer.append(decision)
    if item.note:
        note = item.note if len(item.note) <= MAX_NOTE else item.note[: MAX_NOTE - 1] + "…"
        footer.append(html.escape(note, quote=False))
    # The citizen's text gets what is left of Telegram's budget, so a card is never refused as too long.
    room = MAX_CARD - visible_length("\n".join(header + footer)) - 40
    limit = max(200, min(MAX_TEXT, room))
    body = _highlighted(item.text, item.verdict, limit) if item.text.strip() else "<i>(без текста)</i>"
    return Card("\n".join([*header, body, *footer]), buttons_for(item, busy=busy, menu=menu,
                                                                   author_banned=author_banned))
