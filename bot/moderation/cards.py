"""Where an item's card is drawn: its state becomes the card's text and the buttons that still make sense.

A pure function of the item, its platform's words and capabilities, and its author's ban, so the
outbox can redraw any card at any time and the card always shows the truth in storage. The buttons
come from what the network can do (`KindSpec.can`): a button is never offered that would fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.classifier import explain
from bot.domain import Capability, Item, ItemStatus, KindSpec
from bot.moderation.history import RECENT_DAYS, History
from bot.moderation.notes import LABEL_RU, word
from bot.platform import NetworkWords
from bot.russian import plural
from bot.workchat.model import Button, Card, Lines, Rows, Span, bold, cut_utf16, italic, length, link, marked, plain

MAX_TEXT = 2500  # characters of the citizen's text shown at most
MAX_ATTACHMENT = 100
MAX_NOTE = 500
BAN_TERMS_RU = {1: "1 день", 7: "7 дней", 30: "30 дней", None: "навсегда"}


@dataclass(frozen=True)
class Proposal:
    """A reply to the citizen that waits for a coordinator."""

    id: int
    text: str
    by: str


@dataclass(frozen=True)
class Look:
    """What a card needs to know beyond the item: its network's words and the page it belongs to."""

    words: NetworkWords
    kind: KindSpec
    account_name: str
    profile_url: str
    ban_terms: tuple[int | None, ...]
    tz: ZoneInfo


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def term_ru(days: int | None) -> str:
    if days in BAN_TERMS_RU:
        return BAN_TERMS_RU[days]
    return f"{days} дн."


def attachments_text(item: Item) -> str:
    """What a text-less item holds, as its platform worded it ("стикер", "фото (3)", "пересланное сообщение: «…»")."""
    if not item.attachments:
        return ""
    shown = [a if len(a) <= MAX_ATTACHMENT else a[: MAX_ATTACHMENT - 1] + "…" for a in item.attachments[:10]]
    more = f" и ещё {len(item.attachments) - 10}" if len(item.attachments) > 10 else ""
    return "📎 " + ", ".join(shown) + more


def context_lines(item: Item) -> list[list[Span]]:
    """Where the item sits, as its platform and our records put it in `ref`: under what post (its first words,
    linked), and whom it answers, with the first words of the answered comment."""
    ref = item.ref or {}
    lines: list[list[Span]] = []
    url, title, words = ref.get("parent_url"), ref.get("parent_title"), ref.get("parent_words")
    if isinstance(url, str) and url.startswith("https://") and isinstance(title, str):
        shown = f"«{words[:100]}»" if isinstance(words, str) and words else title[:100]
        lines.append([plain("📝 под записью " if words else "📝 "), link(shown, url)])
    answered = ref.get("reply_to_user")
    if isinstance(answered, int) and answered:
        line = [plain(f"↩️ ответ на комментарий: {str(ref.get('reply_to_name') or f'id{answered}')[:100]}")]
        quoted = ref.get("reply_to_words")
        if isinstance(quoted, str) and quoted:
            line.append(plain(f", «{quoted[:100]}»"))
        lines.append(line)
    return lines


def history_line(history: History | None, tz: ZoneInfo) -> str | None:
    """The author's record in a few words: «📋 Ранее писал(а) 5 раз, 2 удалено за 30 дней, бан до 07.12.2026
    снят». Nothing for an author who is not a person."""
    if history is None:
        return None
    if not history.earlier and not history.banned_now:
        return "📋 Пишет нам впервые"
    times = plural(history.earlier, "раз", "раза", "раз")
    parts = [f"писал(а) {history.earlier} {times}"] if history.earlier else []
    if history.deleted:
        parts.append(f"{history.deleted} удалено за {RECENT_DAYS} дней")
    elif history.earlier:
        parts.append(f"за {RECENT_DAYS} дней ничего не удалено")
    if history.banned_now:
        parts.append("сейчас в бане " + (f"до {history.banned_until.astimezone(tz):%d.%m.%Y}"
                                          if history.banned_until else "навсегда"))
    elif history.last_ban_end is not None:
        ended = history.last_ban_end.astimezone(tz)
        gone = "истёк" if history.last_ban_end <= datetime.now(ended.tzinfo) else "снят"
        parts.append(f"бан до {ended:%d.%m.%Y} {gone}")
    elif history.lifted_for_good:
        parts.append("бан навсегда снят")
    return "📋 Ранее " + ", ".join(parts) if history.earlier else "📋 С" + ", ".join(parts)[1:]


def highlighted(text: str, verdict: dict[str, Any] | None, limit: int = MAX_TEXT) -> list[Span]:
    """The text with the spans the classifier flagged marked (merged where they overlap), cut to `limit`."""
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
    shown = cut_utf16(text, limit)
    out, pos = [], 0
    for start, end in merged:
        if start >= len(shown):
            break
        end = min(end, len(shown))
        out += [plain(shown[pos:start]), marked(shown[start:end])]
        pos = end
    out.append(plain(shown[pos:]))
    if len(shown) < len(text):
        out += [plain("… "), italic(f"(ещё {len(text) - len(shown)} симв.)")]
    return [s for s in out if s.text]


def labels_line(verdict: dict[str, Any] | None) -> list[Span]:
    """"⚠️ спам: сокращённая ссылка, «без проверок», «займ»": at most three reasons, the strongest first, grouped
    under their label (`bot.classifier.explain`); the full evidence stays in `classify --explain`."""
    if not verdict or not verdict.get("labels"):
        return []
    out: list[Span] = [plain("⚠️ ")]
    for n, (label, reasons) in enumerate(explain.summary(verdict)):
        if n:
            out.append(plain(" · "))
        out.append(bold(LABEL_RU.get(label, label)))
        if reasons:
            out.append(plain(": " + reasons))
    return out


def decision_line(item: Item, look: Look) -> str | None:
    when = f", {_when(item.decided_at, look.tz)}" if item.decided_at else ""
    who = item.decided_by or ""
    if item.status is ItemStatus.APPROVED:
        words = {"handled": "✅ Обработано", "restore": "♻️ Восстановлено", "reply": "💬 Отвечено",
                 "unban": "🔓 Блокировка автора снята"}
        return f"{words.get(item.decision or '', '✅ Оставлено')} — {who}{when}"
    if item.status is ItemStatus.DELETED:
        done = "🔓 Блокировка снята, комментарий удалён" if item.decision == "unban" else "🗑 Удалено"
        return f"{done} — {who}{when}"
    if item.status is ItemStatus.BANNED:
        what = look.words.banned_ru if look.kind.conversation else f"удалено, {look.words.banned_ru}"
        until = ""
        if item.ban_days and item.decided_at:
            until = f", до {(item.decided_at + timedelta(days=item.ban_days)).astimezone(look.tz):%d.%m.%Y}"
        term = f"на {term_ru(item.ban_days)}" if item.ban_days else term_ru(item.ban_days)
        return f"⛔ {what[:1].upper()}{what[1:]} ({term}{until}) — {who}{when}"
    if item.status is ItemStatus.REMOVED:
        return removal_line(item, look)
    return None


def removal_line(item: Item, look: Look) -> str:
    """Who deleted the item on the network, from the columns `bot.moderation.intake` recorded."""
    where = look.words.where_ru
    if item.removed_by is not None and item.removed_by == item.author.id:
        mine = "своё сообщение" if look.kind.conversation else "свой комментарий"
        return f"🗑 Автор удалил {mine} {where}"
    gone = look.kind.past("удалён", "удалено")
    if item.removed_by and item.removed_by > 0:
        return f"🗑 {gone} {where} администратором {item.removed_by_name or f'id{item.removed_by}'}"
    return f"🗑 {gone} {where}"


def can_ban(item: Item, kind: KindSpec) -> bool:
    """Whether «Бан» can work now: some networks block an author only by deleting their item."""
    if not kind.allows(Capability.BAN):
        return False
    return not kind.ban_deletes_only or item.status in (ItemStatus.OPEN, ItemStatus.APPROVED)


def buttons_for(item: Item, look: Look, *, author_banned: bool = False, proposal: Proposal | None = None,
                templates: tuple[tuple[int, str], ...] = ()) -> Rows:
    """Only the buttons that still make sense for the item's state, its author's, and the network's API."""
    if item.busy:
        # Waiting out a network's outage: the decision can still be taken back.
        return ((Button("✖️ Отменить", "cancel_action"),),) if item.note and item.note.code == "retrying" else ()
    if item.menu == "templates" and templates:
        choices = [(Button(f"📋 {title[:40]}", "template", {"template": number}),) for number, title in templates]
        return (*choices, (Button("↩️ Отмена", "cancel"),))
    if proposal is not None:
        decide = (Button("✅ Одобрить ответ", "approve_reply", {"proposal": proposal.id}),
                  Button("✖️ Отклонить ответ", "reject_reply", {"proposal": proposal.id}))
        return (decide, *_moderation_rows(item, look, author_banned, templates=False))
    return _moderation_rows(item, look, author_banned, templates=bool(templates))


def _moderation_rows(item: Item, look: Look, author_banned: bool, *, templates: bool) -> Rows:
    kind = look.kind
    if item.menu == "ban" and not author_banned and can_ban(item, kind):
        terms = [Button(f"⛔ {term_ru(days).capitalize()}", "ban", {"days": days}) for days in look.ban_terms]
        rows: list[tuple[Button, ...]] = [tuple(terms[i:i + 2]) for i in range(0, len(terms), 2)]
        return (*rows, (Button("↩️ Отмена", "cancel"),))
    ban: list[Button] = []
    if author_banned:
        if kind.allows(Capability.UNBAN):
            ban = [Button("🔓 Разбанить", "unban")]
    elif can_ban(item, kind):
        ban = [Button("⛔ Бан", "ban_menu")]
    reply: Rows = ()
    if kind.allows(Capability.REPLY):
        reply = ((Button("💬 Ответить", "reply_hint"), Button("📋 Шаблон", "templates")),) if templates else (
            (Button("💬 Ответить", "reply_hint"),),)
    delete = [Button("🗑 Удалить", "delete")] if kind.allows(Capability.DELETE) else []
    restore = [Button("♻️ Восстановить", "restore")] if kind.allows(Capability.RESTORE) else []
    first = Button("✅ Обработано", "handled") if kind.conversation else Button("✅ Оставить", "approve")
    status = item.status
    if status is ItemStatus.OPEN:
        rows = [(first, *delete, *ban), *reply]
    elif status is ItemStatus.APPROVED:
        rows = [(*delete, *ban), *reply]
    elif status is ItemStatus.DELETED:
        rows = [(*restore, *ban)]
    elif status is ItemStatus.BANNED:
        rows = [(*ban, *restore)]
    else:
        rows = [tuple(ban)]
    return tuple(row for row in rows if row)


def cannot_line(item: Item, look: Look, *, author_banned: bool) -> str | None:
    """One line on what the network's API cannot do and where a person can do it instead."""
    cannot = look.words.cannot_ru
    kind = look.kind
    if item.busy:
        return None
    if author_banned and not kind.allows(Capability.UNBAN):
        return cannot.get(Capability.UNBAN.value)
    if item.status in (ItemStatus.DELETED, ItemStatus.BANNED, ItemStatus.REMOVED) \
            and not kind.conversation and not kind.allows(Capability.RESTORE):
        return cannot.get(Capability.RESTORE.value)
    if item.status is ItemStatus.OPEN and item.labels and not kind.allows(Capability.BAN):
        return cannot.get(Capability.BAN.value)
    return None


def render(item: Item, look: Look, *, author_banned: bool = False, limit: int = 4000, proposal: Proposal | None = None,
           templates: tuple[tuple[int, str], ...] = (), history: History | None = None) -> Card:
    author = item.author
    header = Lines()
    header.line(bold(look.words.name_ru), plain(f" · {look.account_name}"))
    header.line(plain(look.kind.name_ru), *([plain(" "), italic("(изменено)")] if item.edited else []))
    header.line(plain("👤 "), link((author.name or f"id{author.id}")[:100], look.profile_url),
                plain(f" · 🕒 {_when(item.created_at, look.tz)}"))
    for context in context_lines(item):
        header.line(*context)
    record = history_line(history, look.tz)
    if record:
        header.line(plain(record))
    header.blank()
    footer = Lines()
    textless = not item.text.strip()
    if item.attachments and not textless:
        shown = [a if len(a) <= MAX_ATTACHMENT else a[: MAX_ATTACHMENT - 1] + "…" for a in item.attachments[:10]]
        more = f" и ещё {len(item.attachments) - 10}" if len(item.attachments) > 10 else ""
        footer.line(plain("📎 " + ", ".join(shown) + more))
    labels = labels_line(item.verdict)
    if labels:
        footer.blank().line(*labels)
    footer.blank().line(plain("🔗 "), link(f"Открыть {look.words.where_ru}", item.url))
    decision = decision_line(item, look)
    if decision:
        footer.line(plain(decision))
    if item.note:
        note = word(item.note, words=look.words, kind=look.kind, tz=look.tz)
        footer.line(plain(note if len(note) <= MAX_NOTE else note[: MAX_NOTE - 1] + "…"))
    hint = cannot_line(item, look, author_banned=author_banned)
    if hint:
        footer.line(plain(f"ℹ️ {hint}"))
    if proposal is not None:
        footer.line(plain(f"💬 Предложен ответ ({proposal.by}): «{proposal.text[:MAX_NOTE]}» — ждёт одобрения"
                          " координатора"))
    # The citizen's text gets what is left of the chat's budget, so a card is never refused as too long.
    room = limit - length(header.text()) - length(footer.text()) - 40
    body = highlighted(item.text, item.verdict, max(200, min(MAX_TEXT, room))) if not textless \
        else [italic(attachments_text(item) or "(без текста)")]
    text = Lines().extend(header).line(*body).extend(footer)
    return Card(text.text(), buttons_for(item, look, author_banned=author_banned, proposal=proposal,
                                         templates=templates))
