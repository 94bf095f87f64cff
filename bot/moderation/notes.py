"""The lines a card shows under its text, worded from a note's code and parameters when it is drawn.

Notes are stored as codes, so the wording can change (or name another network) without rewriting
stored rows, and each line is written once, here.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import KindSpec, Note
from bot.platform import NetworkWords

LABEL_RU = {"obscene": "мат", "insult": "оскорбление", "spam": "спам", "illegal": "противоправное"}

_DOING = {
    "delete": "удаляем",
    "ban": "удаляем и блокируем автора",
    "restore": "восстанавливаем",
    "unban": "снимаем блокировку",
    "reply": "отправляем ответ",
}
_FAILED = {
    "delete": "Не удалось удалить",
    "ban": "Не удалось удалить и заблокировать",
    "restore": "Не удалось восстановить",
    "unban": "Не удалось снять блокировку",
    "reply": "Не удалось отправить ответ",
}


def doing_ru(action: str, kind: KindSpec) -> str:
    if action == "ban" and kind.conversation:
        return "блокируем автора"
    return _DOING.get(action, action)


def word(note: Note, *, words: NetworkWords, kind: KindSpec, tz: ZoneInfo) -> str:
    p = note.params
    where = words.where_ru
    code = note.code
    if code == "working":
        return f"⏳ {p.get('actor', '')}: {doing_ru(p.get('action', ''), kind)} {where}…"
    if code == "retrying":
        if p.get("at"):
            when = datetime.fromisoformat(p["at"]).astimezone(tz).strftime("%H:%M")
            return (f"⏳ {p.get('error', '')}. Ждём {words.awaited_ru or words.name_ru}: повтор в {when}"
                    f" (попытка {p.get('attempt', 2)}). Можно отменить.")
        return f"⏳ {p.get('error', '')}. Повторим через {p.get('delay', 0):.0f} с (попытка {p.get('attempt', 2)})."
    if code == "cancelled":
        return f"✖️ {p.get('actor', '')} отменил(а): {doing_ru(p.get('action', ''), kind)} — сеть так и не ответила."
    if code == "failed":
        return f"⚠️ {_FAILED.get(p.get('action', ''), 'Не удалось')}: {p.get('error', '')}"
    if code == "uncertain":
        return (f"⚠️ Не удалось убедиться, что действие выполнено: {p.get('error', '')}. Проверьте {where},"
                " прежде чем повторять.")
    if code == "ban_half_done":
        return (f"⚠️ {kind.past('удалён', 'удалено')}, но заблокировать автора не удалось: {p.get('error', '')}")
    if code == "auto":  # with what in the text made the machine act, when the note carries it
        rule = LABEL_RU.get(p.get("label", ""), p.get("label", ""))
        return f"🤖 Удалено автоматически по правилу «{rule}»" + (f": {p['trigger']}" if p.get("trigger") else "")
    if code == "dry_run":
        what = "удалить и заблокировать автора" if p.get("action") == "ban" else "удалить"
        rule = LABEL_RU.get(p.get("label", ""), p.get("label", ""))
        why = f" ({p['trigger']})" if p.get("trigger") else ""
        return f"🧪 Режим проверки: правило «{rule}»{why} велело бы {what}; ничего не сделано."
    if code == "edited":
        return f"✏️ Автор изменил текст {where}" + (" — карточка снова открыта" if p.get("reopened") else "")
    if code == "restored":
        return f"♻️ {kind.past('восстановлен', 'восстановлено')} {where} — карточка снова открыта"
    if code == "author_blocked":
        until = p.get("until")
        term = f" до {datetime.fromisoformat(until).astimezone(tz):%d.%m.%Y}" if until else " навсегда"
        admin = f" администратором id{p['admin_id']}" if p.get("admin_id") else ""
        return f"⛔ Автор заблокирован {where}{term}{admin}"
    if code == "author_unblocked":
        return "✅ Срок блокировки автора истёк" if p.get("expired") else f"✅ Автор разблокирован {where}"
    if code == "replied":
        return f"💬 Ответ {words.page_genitive_ru} ({p.get('actor', '')}): «{p.get('text', '')}»"
    if code == "unbanned":
        return f"🔓 Блокировка автора снята — {p.get('actor', '')}"
    if code == "reply_rejected":
        return f"✖️ Предложенный ответ отклонён — {p.get('actor', '')}: «{p.get('text', '')}»"
    if code == "legacy":
        return str(p.get("text", ""))
    return code
