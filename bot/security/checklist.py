"""What the regulation expects the specialist to have done for each account, ticked with a date on the
`/security` card: two-factor authentication, the Госуслуги confirmation, the recovery contacts, and a review of
the administrators at least every 90 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg

from bot import audit
from bot.registry import desk, store

ITEMS: dict[str, str] = {
    "two_factor": "Двухфакторная аутентификация владельца",
    "gosuslugi": "Подтверждение через Госуслуги («Госорганизация»)",
    "recovery": "Служебные телефон и почта для восстановления",
    "review": "Пересмотр администраторов",
}
SHORT: dict[str, str] = {"two_factor": "2FA", "gosuslugi": "Госуслуги", "recovery": "Восстановление",
                         "review": "Администраторы"}


@dataclass(frozen=True)
class Tick:
    item: str
    done_on: date
    by_name: str | None


async def ticks(conn: asyncpg.Connection) -> dict[int, dict[str, Tick]]:
    found: dict[int, dict[str, Tick]] = {}
    for row in await conn.fetch("SELECT * FROM security_ticks"):
        found.setdefault(row["registry_id"], {})[row["item"]] = Tick(row["item"], row["done_on"], row["by_name"])
    return found


def state(item: str, tick: Tick | None, *, gov_mark: bool, today: date, review_every: timedelta) -> tuple[str, str]:
    """(mark, words) for one item of one account."""
    if item == "gosuslugi" and gov_mark and tick is None:
        return "✅", "отметка есть"
    if tick is None:
        return ("⚠️", "не было") if item == "review" else ("⬜", "не отмечено")
    when = f"{tick.done_on:%d.%m.%Y}"
    if item == "review" and today - tick.done_on > review_every:
        return "⚠️", f"{when} — пора пересмотреть (раз в {review_every.days} дней)"
    return "✅", when


async def tick(conn: asyncpg.Connection, registry_id: int, item: str, *, on: date, by: str, actor: str,
               config: object) -> None:
    await conn.execute(
        "INSERT INTO security_ticks (registry_id, item, done_on, by_name, actor) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (registry_id, item) DO UPDATE SET done_on = $3, by_name = $4, actor = $5, at = now()",
        registry_id, item, on, by, actor)
    await audit.record(conn, actor=actor, actor_name=by, action="security_tick", result="ok",
                       detail={"registry_id": registry_id, "item": item, "done_on": on.isoformat()})
    if item == "gosuslugi":
        account = await store.get(conn, registry_id)
        if account is not None and not account.gov_mark:
            await store.edit(conn, registry_id, {"gov_mark": True}, actor=store.Actor(actor, by),
                             clock=desk.clock(config))  # type: ignore[arg-type]
