"""`/find` in the work chat: an author's items across the pages, or items by a word, newest first, each with a
link to its card — so a specialist can answer «он уже писал?» without scrolling the chat."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg

from bot.domain import ItemStatus

if TYPE_CHECKING:
    from bot.services import Services

SHOWN = 10
_AUTHOR = re.compile(r"^(?:\S*?\D)?(\d{3,})/?$")  # 51234567, id51234567, or a profile address ending in the id
STATUS_RU = {ItemStatus.OPEN: "ждёт решения", ItemStatus.APPROVED: "оставлено", ItemStatus.DELETED: "удалено",
             ItemStatus.BANNED: "автор в бане", ItemStatus.REMOVED: "удалено в сети"}
USAGE = ("Напишите, что найти: /find Иван Петров, /find 51234567 (номер автора или ссылка на его страницу) "
         "или /find слово из комментария.")

_SELECT = ("SELECT i.id, i.network, i.account_id, i.author_id, i.author_name, i.text, i.attachments, i.status,"
           " i.created_at, i.url, c.message_id, c.chat_id, count(*) OVER () AS total FROM items i"
           " LEFT JOIN cards c ON c.subject_kind = 'item' AND c.subject_id = i.id")


@dataclass(frozen=True)
class Query:
    author_id: int | None
    words: str | None


def parse(args: str) -> Query | None:
    """What the person asked for: an author's number (or their profile's address), or words to look for."""
    wanted = " ".join(args.split())
    if len(wanted) < 2:
        return None
    found = _AUTHOR.match(wanted)
    if found and " " not in wanted:
        return Query(int(found.group(1)), None)
    return Query(None, wanted[:200])


async def search(conn: asyncpg.Connection, query: Query) -> list[asyncpg.Record]:
    if query.author_id is not None:
        return await conn.fetch(f"{_SELECT} WHERE i.author_id = $1 ORDER BY i.id DESC LIMIT {SHOWN}",
                                query.author_id)
    pattern = "%" + query.words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" \
        if query.words else "%"
    return await conn.fetch(f"{_SELECT} WHERE i.text ILIKE $1 OR i.author_name ILIKE $1"
                            f" ORDER BY i.id DESC LIMIT {SHOWN}", pattern)


def _quote(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def answer(services: Services, query: Query, rows: list[asyncpg.Record]) -> str:
    """The found items as a plain message (addresses open as links in the chat)."""
    if not rows:
        what = f"автору id{query.author_id}" if query.author_id is not None else f"по запросу «{query.words}»"
        return f"🔎 {what[0].upper()}{what[1:]} ничего не нашлось."
    total = rows[0]["total"]
    what = f"Автор id{query.author_id}" if query.author_id is not None else f"«{query.words}»"
    lines = [f"🔎 {what}: найдено {total}" + (f", показаны последние {SHOWN}" if total > SHOWN else "")]
    tz = services.config.tz
    for number, row in enumerate(rows, start=1):
        platform = services.platforms.get(row["network"])
        account = services.account(row["network"], row["account_id"])
        network = platform.words.name_ru if platform else row["network"]
        text = row["text"].strip() or ", ".join(row["attachments"]) or "(без текста)"
        author = row["author_name"] or f"id{row['author_id']}"
        lines.append(f"{number}. {row['created_at'].astimezone(tz):%d.%m %H:%M} · {network}"
                     f"{' · ' + account.name if account else ''} · {author} (id{row['author_id']}): «{_quote(text)}» — "
                     f"{STATUS_RU.get(ItemStatus(row['status']), row['status'])}")
        card = services.workchat.message_link(row["message_id"]) if row["message_id"] and \
            row["chat_id"] == services.workchat.chat_id else None
        where = [f"карточка: {card}" if card else (f"карточка — сообщение №{row['message_id']}"
                                                   if row["message_id"] else "карточки ещё нет")]
        if row["url"]:
            where.append(f"в сети: {row['url']}")
        lines.append("   " + " · ".join(where))
    return "\n".join(lines)
