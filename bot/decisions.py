"""Where a button press is decided: who may press, what the button means, and who wins a race.

A button carries only an opaque token; the token names the item, the action and the item's
`decision_seq` when the card was drawn. A press wins only if the item is still at that sequence and
not busy, in one UPDATE, so two presses at once lead to one action and the second presser is told
who was first. Network actions are queued durably (`bot.actions`); the press is answered at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import asyncpg

from bot import actions, audit, feedback, items
from bot.config import StaffMember
from bot.domain import Action, BanReason, Item
from bot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Presser:
    user_id: int
    name: str


@dataclass(frozen=True)
class Answer:
    text: str
    alert: bool = False


REFUSED = Answer("Извините, решения по карточкам принимают только модераторы из списка сотрудников. "
                 "Если вам нужен доступ, обратитесь к администратору gospablik.", alert=True)
INVALID = Answer("Эта кнопка недействительна. Пожалуйста, воспользуйтесь кнопками на актуальной карточке.",
                 alert=True)
REPLY_HINT = Answer("Чтобы ответить от имени сообщества, ответьте на эту карточку (свайп или «Ответить» в меню "
                    "сообщения) текстом ответа — он будет опубликован в VK.", alert=True)
_LABEL_BAN_REASON = {"spam": BanReason.SPAM, "obscene": BanReason.PROFANITY, "insult": BanReason.ABUSE}
_DONE_WORDS = {
    "approve": "оставлено", "handled": "отмечено как обработанное", "delete": "удалено", "restore": "восстановлено",
    "unban": "автор разблокирован", "ban": "автор заблокирован", "reply": "отвечено",
}


def _ban_reason(item: Item) -> BanReason:
    for label in item.labels:
        if label in _LABEL_BAN_REASON:
            return _LABEL_BAN_REASON[label]
    return BanReason.OTHER


def _who_handled(row: asyncpg.Record, tz: ZoneInfo) -> Answer:
    if row["busy"]:
        return Answer("Действие по этой карточке уже выполняется. Подождите, пожалуйста, карточка обновится.")
    if row["decided_by"]:
        word = _DONE_WORDS.get((row["decision"] or "").split(":")[0], row["decision"] or "обработано")
        when = row["decided_at"].astimezone(tz).strftime("%H:%M") if row["decided_at"] else ""
        return Answer(f"Уже обработано: {row['decided_by']} — {word}{' в ' + when if when else ''}.", alert=True)
    return Answer("Карточка уже изменилась. Пожалуйста, посмотрите её новое состояние и нажмите ещё раз.",
                  alert=True)


async def press(services: Services, *, token: str, chat_id: int, message_id: int, presser: Presser) -> Answer:
    """Handles one press in the work chat and returns the answer to show to the presser."""
    config = services.config
    staff: StaffMember | None = config.staff_member(presser.user_id)
    async with services.db.transaction() as conn:
        button = await conn.fetchrow(
            "SELECT b.*, c.chat_id, c.message_id FROM buttons b JOIN cards c ON c.item_id = b.item_id"
            " WHERE b.token = $1", token)
        if staff is None or not staff.role.can_moderate:
            await audit.record(conn, actor=f"tg:{presser.user_id}", actor_name=presser.name, action="press",
                               result="refused", item_id=button["item_id"] if button else None,
                               detail={"reason": "not a moderator", "action": button["action"] if button else None})
            return REFUSED
        # The token is the secret; a press counts from any copy of the card in the card's chat (a copy
        # can exist when Telegram took a card whose sending could not be recorded).
        if button is None or button["chat_id"] != chat_id:
            await audit.record(conn, actor=f"tg:{presser.user_id}", actor_name=staff.name, action="press",
                               result="refused", item_id=button["item_id"] if button else None,
                               detail={"reason": "unknown or foreign button", "chat_id": chat_id,
                                       "message_id": message_id})
            return INVALID
        answer = await _apply(services, conn, button, staff)
    # Wake the executor and the notifier only now that the decision is committed.
    services.actions_ready.set()
    services.cards_ready.set()
    return answer


async def _claim(conn: asyncpg.Connection, button: asyncpg.Record, set_sql: str,
                 *args: object) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"UPDATE items SET {set_sql} WHERE id = $1 AND decision_seq = $2 AND NOT busy RETURNING *",
        button["item_id"], button["decision_seq"], *args)


async def _apply(services: Services, conn: asyncpg.Connection, button: asyncpg.Record, staff: StaffMember) -> Answer:
    action = button["action"]
    params = button["params"]
    actor = f"tg:{staff.user_id}"
    tz = services.config.tz

    if action == "reply_hint":
        return REPLY_HINT

    if action == "expand":
        members = await conn.fetchval(
            "SELECT count(*) FROM cards WHERE chat_id = $1 AND message_id = $2 AND in_digest",
            button["chat_id"], button["message_id"])
        if members == 1:
            # The last item of a digest becomes a full card in place: the digest message is edited into it.
            moved = await conn.execute(
                "UPDATE cards SET in_digest = false, expanded = true, sending_until = NULL"
                " WHERE item_id = $1 AND in_digest", button["item_id"])
        else:
            # Cleared lease: a digest write already under way must not record this item back into the digest.
            moved = await conn.execute(
                "UPDATE cards SET message_id = NULL, in_digest = false, expanded = true, sent_revision = 0,"
                " sending_until = NULL WHERE item_id = $1 AND in_digest", button["item_id"])
        if moved == "UPDATE 0":
            return Answer("Эта запись уже открыта отдельной карточкой.")
        await conn.execute(  # the item and the digest are both drawn again
            "UPDATE items SET revision = revision + 1 WHERE id = $3 OR id IN"
            " (SELECT item_id FROM cards WHERE chat_id = $1 AND message_id = $2 AND in_digest)",
            button["chat_id"], button["message_id"], button["item_id"])
        if members == 1:
            return Answer("Открываю запись полной карточкой на месте сводки.")
        return Answer("Открываю отдельной карточкой — она придёт следующим сообщением.")

    if action in ("ban_menu", "cancel"):
        row = await _claim(conn, button, "menu = $3, revision = revision + 1", "ban" if action == "ban_menu" else None)
        if row is None:
            return _who_handled(await conn.fetchrow("SELECT * FROM items WHERE id = $1", button["item_id"]), tz)
        return Answer("Выберите срок блокировки." if action == "ban_menu" else "Хорошо, блокировать не будем.")

    if action in ("approve", "handled"):
        row = await _claim(
            conn, button, "status = 'approved', decision = $3, decided_by = $4, decided_at = now(), menu = NULL,"
            " note = NULL, decision_seq = decision_seq + 1, revision = revision + 1", action, staff.name)
        if row is None:
            return _who_handled(await conn.fetchrow("SELECT * FROM items WHERE id = $1", button["item_id"]), tz)
        item = items.item_from_row(row)
        await audit.record(conn, actor=actor, actor_name=staff.name, action=action, result="ok",
                           network=item.network, community_id=item.community_id, item_id=item.id,
                           original_text=item.text)
        await feedback.remember(conn, item, decision="approve", actor=actor)
        return Answer("Готово: комментарий оставлен." if action == "approve" else "Отмечено как обработанное.")

    try:
        what = Action(action)
    except ValueError:
        log.error("button %s has an unknown action %r", button["token"], action)
        return INVALID
    row = await _claim(conn, button, "decision_seq = decision_seq + 1")
    if row is None:
        return _who_handled(await conn.fetchrow("SELECT * FROM items WHERE id = $1", button["item_id"]), tz)
    item = items.item_from_row(row)
    action_params: dict[str, object] = {}
    if what is Action.BAN:
        days = params.get("days")
        action_params = {"days": days, "reason": int(_ban_reason(item)),
                         "comment": "Нарушение правил сообщества"}
    await actions.enqueue(conn, item_id=item.id, action=what, actor=actor, actor_name=staff.name,
                          params=action_params)
    await audit.record(conn, actor=actor, actor_name=staff.name, action=f"decided:{what.value}", result="queued",
                       network=item.network, community_id=item.community_id, item_id=item.id,
                       original_text=item.text, detail=action_params)
    if what is Action.BAN and not item.kind.is_comment:
        return Answer("Принято, блокируем автора в VK.")
    return Answer({
        Action.DELETE: "Принято, удаляем комментарий в VK.",
        Action.BAN: "Принято, удаляем и блокируем автора в VK.",
        Action.RESTORE: "Принято, восстанавливаем комментарий в VK.",
        Action.UNBAN: "Принято, снимаем блокировку в VK.",
    }.get(what, "Принято."))

