"""Who works in the desk: the staff from the configuration file and those an admin added from the work chat.

The file's staff always win (the first admin must not be able to lock themselves out from the chat);
everyone else is stored, and `/staff` changes them: add, change roles or department, remove — by
user id or by replying to a person's message. Every change is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import asyncpg

from bot import audit
from bot.config import Config, StaffMember
from bot.domain import Permission, Role

ROLE_WORDS = {r.value: r for r in Role} | {r.title_ru: r for r in Role} | {
    "админ": Role.ADMIN, "модераторы": Role.MODERATOR, "авторы": Role.AUTHOR}
HELP = ("Как управлять сотрудниками:\n"
        "/staff — список\n"
        "/staff add ID роли Имя Фамилия | отдел — добавить (роли через запятую: admin, coordinator, moderator,"
        " author, viewer)\n"
        "/staff role ID роли — сменить роли\n"
        "/staff unit ID отдел — указать отдел\n"
        "/staff remove ID — убрать доступ\n"
        "Вместо ID можно ответить командой на сообщение сотрудника.")


def _member(row: asyncpg.Record) -> StaffMember:
    roles = [Role(r) for r in row["roles"] if r in Role.__members__.values()]
    return StaffMember(row["user_id"], row["name"], roles[0] if roles else Role.VIEWER,
                       frozenset(roles[1:]), row["unit"])


async def lookup(conn: Any, config: Config, user_id: int) -> StaffMember | None:
    """The person's record: the file's, or the one added from the chat (`conn`: a connection or a Database)."""
    listed = config.staff_member(user_id)
    if listed is not None:
        return listed
    row = await conn.fetchrow("SELECT * FROM staff WHERE user_id = $1", user_id)
    return _member(row) if row else None


async def everyone(conn: Any, config: Config) -> list[StaffMember]:
    rows = await conn.fetch("SELECT * FROM staff ORDER BY name")
    listed = {m.user_id for m in config.staff}
    return [*config.staff, *(_member(r) for r in rows if r["user_id"] not in listed)]


def parse_roles(text: str) -> list[Role] | None:
    found = []
    for word in re.split(r"[,\s]+", text.strip().lower()):
        if not word:
            continue
        if word not in ROLE_WORDS:
            return None
        found.append(ROLE_WORDS[word])
    return found or None


def leading_roles(text: str) -> tuple[list[Role], str]:
    """The roles at the start of `text` ("author, viewer Иван Сидоров") and what follows them."""
    roles: list[Role] = []
    words = text.strip().split(" ")
    while words:
        names = [w for w in words[0].lower().split(",") if w]
        if not names or any(n not in ROLE_WORDS for n in names):
            if words[0] == "":
                words.pop(0)
                continue
            break
        roles += [ROLE_WORDS[n] for n in names]
        words.pop(0)
    return roles, " ".join(words)


@dataclass(frozen=True)
class Replied:
    """The person whose message the command answers."""

    user_id: int
    name: str


def _listing(members: list[StaffMember], config: Config) -> str:
    lines = ["Сотрудники Госпаблика:"]
    for m in members:
        unit = f", отдел «{m.unit}»" if m.unit else ""
        mark = " (в файле настроек)" if config.staff_member(m.user_id) is not None else ""
        lines.append(f"• {m.name} (id {m.user_id}) — {m.roles_ru}{unit}{mark}")
    return "\n".join(lines)


async def command(conn: asyncpg.Connection, config: Config, *, actor: StaffMember | None, actor_ref: str,
                  args: str, replied: Replied | None) -> str:
    """Carries out one `/staff …` command and returns the answer for the chat."""
    words = args.split(maxsplit=1)
    verb = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    if not verb:
        return _listing(await everyone(conn, config), config)
    if verb in ("help", "помощь"):
        return HELP
    if actor is None or not actor.can(Permission.MANAGE_STAFF):
        await audit.record(conn, actor=actor_ref, actor_name=actor.name if actor else None, action="staff",
                           result="refused", detail={"command": args[:200]})
        return "Извините, менять список сотрудников могут только администраторы Госпаблика."
    target_id: int | None = replied.user_id if replied else None
    if target_id is None:
        first, _, rest = rest.partition(" ")
        target_id = int(first) if first.lstrip("-").isdigit() else None
    if target_id is None:
        return "Укажите ID сотрудника в Telegram или ответьте командой на его сообщение.\n\n" + HELP
    if config.staff_member(target_id) is not None:
        return ("Этот сотрудник описан в файле настроек (gospablik.toml) — его роли меняются там, "
                "а не из чата.")
    existing = await conn.fetchrow("SELECT * FROM staff WHERE user_id = $1", target_id)
    if verb == "add":
        roles, name_unit = leading_roles(rest)
        if not roles:
            return f"Не понял роли в «{rest.strip()[:40]}». " + HELP
        name, _, unit = name_unit.partition("|")
        name = name.strip() or (replied.name if replied else "")
        if not name:
            return "Укажите имя сотрудника: /staff add ID роли Имя Фамилия"
        await conn.execute(
            "INSERT INTO staff (user_id, name, roles, unit, updated_by) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (user_id) DO UPDATE SET name = $2, roles = $3, unit = $4, updated_by = $5,"
            " updated_at = now()", target_id, name, [r.value for r in roles], unit.strip() or None, actor_ref)
        answer = f"Готово: {name} — {', '.join(r.title_ru for r in roles)}" + (
            f", отдел «{unit.strip()}»" if unit.strip() else "") + "."
    elif existing is None:
        return "Такого сотрудника нет в списке. Добавьте его: /staff add ID роли Имя Фамилия"
    elif verb == "role":
        new_roles = parse_roles(rest)
        if new_roles is None:
            return f"Не понял роли «{rest.strip()}». " + HELP
        roles = new_roles
        await conn.execute("UPDATE staff SET roles = $2, updated_by = $3, updated_at = now() WHERE user_id = $1",
                           target_id, [r.value for r in roles], actor_ref)
        answer = f"Готово: {existing['name']} теперь {', '.join(r.title_ru for r in roles)}."
    elif verb == "unit":
        await conn.execute("UPDATE staff SET unit = $2, updated_by = $3, updated_at = now() WHERE user_id = $1",
                           target_id, rest.strip() or None, actor_ref)
        answer = f"Готово: отдел сотрудника {existing['name']} — «{rest.strip()}»." if rest.strip() else (
            f"Готово: отдел сотрудника {existing['name']} не указан.")
    elif verb == "remove":
        await conn.execute("DELETE FROM staff WHERE user_id = $1", target_id)
        answer = f"Готово: у сотрудника {existing['name']} больше нет доступа к Госпаблику."
    else:
        return f"Не знаю команду «{verb}». " + HELP
    await audit.record(conn, actor=actor_ref, actor_name=actor.name, action=f"staff_{verb}", result="ok",
                       detail={"user_id": target_id, "command": args[:200]})
    return answer
