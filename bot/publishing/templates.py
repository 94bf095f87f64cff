"""Reply templates: texts a coordinator keeps for answers citizens often need, chosen from a card's button.

`/templates` lists them; coordinators add, edit and remove them. Placeholders: {имя} — the citizen's first
name, {дата} — today's date.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asyncpg

from bot import audit
from bot.config import StaffMember
from bot.domain import Permission

HELP = ("Шаблоны ответов:\n"
        "/templates — список\n"
        "/templates add Название | Текст — добавить (в тексте можно {имя} и {дата})\n"
        "/templates edit номер | Текст — изменить\n"
        "/templates remove номер — удалить")
MAX_SHOWN = 8


async def listing(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM reply_templates WHERE NOT removed ORDER BY id")


def fill(body: str, *, citizen_name: str | None, tz: ZoneInfo) -> str:
    first = (citizen_name or "").split(" ")[0] or "житель"
    return body.replace("{имя}", first).replace("{дата}", datetime.now(UTC).astimezone(tz).strftime("%d.%m.%Y"))


async def command(conn: asyncpg.Connection, *, actor: StaffMember | None, actor_ref: str, args: str) -> str:
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if not verb:
        rows = await listing(conn)
        if not rows:
            return "Шаблонов пока нет.\n\n" + HELP
        return "Шаблоны ответов:\n" + "\n".join(f"{r['id']}. {r['title']} — «{r['body'][:80]}»" for r in rows)
    if actor is None or not actor.can(Permission.APPROVE):
        await audit.record(conn, actor=actor_ref, actor_name=actor.name if actor else None, action="templates",
                           result="refused", detail={"command": args[:200]})
        return "Извините, шаблоны ответов ведут координаторы."
    if verb == "add":
        title, _, body = rest.partition("|")
        if not title.strip() or not body.strip():
            return "Нужно название и текст: /templates add Название | Текст"
        try:
            number = await conn.fetchval("INSERT INTO reply_templates (title, body, updated_by) VALUES ($1, $2, $3)"
                                         " RETURNING id", title.strip(), body.strip(), actor_ref)
        except asyncpg.UniqueViolationError:
            return "Шаблон с таким названием уже есть."
        answer = f"Шаблон {number} «{title.strip()}» добавлен."
    elif verb in ("edit", "remove"):
        head, _, body = rest.partition("|")
        if not head.strip().isdigit():
            return f"Укажите номер шаблона. {HELP}"
        number = int(head.strip())
        if verb == "edit":
            if not body.strip():
                return "Нужен новый текст: /templates edit номер | Текст"
            done = await conn.execute("UPDATE reply_templates SET body = $2, updated_by = $3, updated_at = now()"
                                      " WHERE id = $1 AND NOT removed", number, body.strip(), actor_ref)
        else:
            done = await conn.execute("UPDATE reply_templates SET removed = true, updated_by = $2, updated_at = now()"
                                      " WHERE id = $1 AND NOT removed", number, actor_ref)
        if done == "UPDATE 0":
            return "Такого шаблона нет."
        answer = f"Шаблон {number} {'изменён' if verb == 'edit' else 'удалён'}."
    else:
        return HELP
    await audit.record(conn, actor=actor_ref, actor_name=actor.name, action=f"template_{verb}", result="ok",
                       detail={"command": args[:500]})
    return answer
