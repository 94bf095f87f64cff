"""Where a press on a moderation card is decided: what the button means and who wins a race.

The button's token names the item, the action and the item's `decision_seq` when the card was drawn.
A press wins only if the item is still at that sequence and not busy, in one UPDATE (through
`bot.moderation.transitions`), so two presses at once lead to one action and the second presser is
told who was first. Network actions are queued durably; the press is answered at once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import asyncpg

from bot import audit
from bot.domain import Action, Capability, Item, Note
from bot.moderation import actions, feedback, items, replies, transitions
from bot.moderation.notes import doing_ru
from bot.moderation.transitions import Decision
from bot.publishing import templates
from bot.workchat.press import INVALID
from bot.workchat.subjects import Answer, PressContext

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

_DONE_WORDS = {
    "approve": "оставлено", "handled": "отмечено как обработанное", "delete": "удалено", "restore": "восстановлено",
    "unban": "автор разблокирован", "ban": "автор заблокирован", "reply": "отвечено",
}
_NETWORK_ACTIONS = {"delete": Action.DELETE, "ban": Action.BAN, "restore": Action.RESTORE, "unban": Action.UNBAN}


def ban_reason(labels: tuple[str, ...] | list[str]) -> str | None:
    """The label a deletion or a ban is for; spam first, so that a network that keeps spam statistics hears it."""
    return next((label for label in ("spam", "obscene", "insult") if label in labels), None)


def reply_hint(where: str) -> Answer:
    return Answer("Чтобы ответить от имени страницы, ответьте на эту карточку (свайп или «Ответить» в меню "
                  f"сообщения) текстом ответа — он будет опубликован {where}.", alert=True)


_DOING_WORDS = {"delete": "удаляет", "ban": "блокирует автора", "restore": "восстанавливает",
                "unban": "снимает блокировку", "reply": "отправляет ответ"}


def _who_handled(row: asyncpg.Record, tz: ZoneInfo, doing: asyncpg.Record | None = None) -> Answer:
    if row["busy"]:
        if doing is not None:
            since = doing["created_at"].astimezone(tz).strftime("%H:%M")
            what = _DOING_WORDS.get(doing["action"], "обрабатывает")
            return Answer(f"Этим уже занимается {doing['actor_name']}: {what} (с {since}). Карточка обновится, "
                          "когда сеть ответит.", alert=True)
        return Answer("Действие по этой карточке уже выполняется. Подождите, пожалуйста, карточка обновится.")
    if row["decided_by"]:
        done = _DONE_WORDS.get(row["decision"] or "", "обработано")
        when = row["decided_at"].astimezone(tz).strftime("%H:%M") if row["decided_at"] else ""
        return Answer(f"Уже обработано: {row['decided_by']} — {done}{' в ' + when if when else ''}.", alert=True)
    return Answer("Карточка уже изменилась. Пожалуйста, посмотрите её новое состояние и нажмите ещё раз.",
                  alert=True)


async def press(services: Services, conn: asyncpg.Connection, press: PressContext) -> Answer:
    button, staff = press.button, press.staff
    action = button["action"]
    item_id = button["subject_id"]
    seq = button["decision_seq"]
    actor = press.actor
    tz = services.config.tz

    async def lost() -> Answer:
        doing = await conn.fetchrow(
            "SELECT action, actor_name, created_at FROM actions WHERE subject_kind = 'item' AND subject_id = $1"
            " AND status = 'pending' ORDER BY id DESC LIMIT 1", item_id)
        return _who_handled(await conn.fetchrow("SELECT * FROM items WHERE id = $1", item_id), tz, doing)

    current = await items.load(conn, item_id)
    if current is None:
        return INVALID
    platform = services.platform(current.network)
    spec = platform.kind(current.kind)
    where = platform.words.where_ru

    if action == "reply_hint":
        return reply_hint(where)
    if action == "templates":
        if await transitions.claim(conn, item_id, seq, menu="templates") is None:
            return await lost()
        return Answer("Выберите шаблон ответа.")
    if action == "template":
        return await _template(services, conn, press, current)
    if action in ("approve_reply", "reject_reply"):
        return await _decide_reply(conn, press, current, approve=action == "approve_reply")
    if action == "expand":
        return await _expand(conn, press)
    if action == "cancel_action":
        if seq != current.decision_seq:
            return await lost()
        return await _cancel_waiting(conn, press, current)
    if action in ("ban_menu", "cancel"):
        opened = action == "ban_menu"
        if await transitions.claim(conn, item_id, seq, menu="ban" if opened else None) is None:
            return await lost()
        return Answer("Выберите срок блокировки." if opened else "Хорошо, блокировать не будем.")
    if action in ("approve", "handled"):
        row = await transitions.move(conn, item_id, action, seq=seq, decision=Decision(action, staff.name), note=None)
        if row is None:
            return await lost()
        item = items.item_from_row(row)
        await audit.record(conn, actor=actor, actor_name=staff.name, action=action, result="ok",
                           network=item.network, account_id=item.account_id, item_id=item.id,
                           original_text=item.text)
        await feedback.remember(conn, item, decision="approve", actor=actor, conversation=spec.conversation)
        return Answer("Готово: комментарий оставлен." if action == "approve" else "Отмечено как обработанное.")

    what = _NETWORK_ACTIONS.get(action)
    if what is None:
        log.error("button %s has an unknown action %r", button["token"], action)
        return INVALID
    if not spec.allows(Capability(what.value)):
        return Answer(f"Это нельзя сделать через API {platform.words.short}.", alert=True)
    row = await transitions.claim(conn, item_id, seq, busy_note=Note("working", {"actor": staff.name,
                                                                                 "action": what.value}))
    if row is None:
        return await lost()
    item = items.item_from_row(row)
    params: dict[str, object] = {}
    if what in (Action.BAN, Action.DELETE):
        params["reason"] = ban_reason(item.labels)
    if what is Action.BAN:
        params["days"] = button["params"].get("days")
    await actions.enqueue(conn, item_id=item.id, action=what, actor=actor, actor_name=staff.name, params=params,
                          claimed=True)
    await audit.record(conn, actor=actor, actor_name=staff.name, action=f"decided:{what.value}", result="queued",
                       network=item.network, account_id=item.account_id, item_id=item.id,
                       original_text=item.text, detail=params)
    return Answer(f"Принято, {doing_ru(what.value, spec)} {where}.")


async def _template(services: Services, conn: asyncpg.Connection, press: PressContext, item: Item) -> Answer:
    """A template chosen on the card: filled in, then sent (or proposed) as if the presser had typed it."""
    row = await conn.fetchrow("SELECT * FROM reply_templates WHERE id = $1 AND NOT removed",
                              press.button["params"].get("template"))
    if row is None:
        return Answer("Этого шаблона больше нет.", alert=True)
    await transitions.claim(conn, item.id, press.button["decision_seq"], menu=None)
    text = templates.fill(row["body"], citizen_name=item.author.name, tz=services.config.tz)
    problem = await replies.take(services, conn, item_id=item.id, in_digest=False, staff=press.staff,
                                 user_name=press.staff.name, text=text, actor=press.actor)
    return Answer(problem, alert=True) if problem else Answer("Ответ по шаблону принят.")


async def _decide_reply(conn: asyncpg.Connection, press: PressContext, item: Item, *, approve: bool) -> Answer:
    proposal = await replies.pending(conn, item.id)
    if proposal is None or proposal["id"] != press.button["params"].get("proposal"):
        return Answer("Этот ответ уже рассмотрен.", alert=True)
    if proposal["proposed_by"] == press.actor:
        return Answer("Свой ответ одобряет другой координатор.", alert=True)
    decided = "approved" if approve else "rejected"
    await conn.execute("UPDATE proposed_replies SET status = $2, decided_by = $3, decided_at = now() WHERE id = $1",
                       proposal["id"], decided, press.staff.name)
    await audit.record(conn, actor=press.actor, actor_name=press.staff.name, action=f"reply_{decided}", result="ok",
                       network=item.network, account_id=item.account_id, item_id=item.id,
                       detail={"reply": proposal["text"], "proposed_by": proposal["proposed_by_name"]})
    if not approve:
        await transitions.annotate(conn, [item.id], Note("reply_rejected", {"actor": press.staff.name,
                                                                            "text": proposal["text"]}))
        await conn.execute("UPDATE items SET decision_seq = decision_seq + 1 WHERE id = $1", item.id)
        return Answer("Ответ отклонён.")
    sent = await replies.send(conn, item.id, item.decision_seq, actor=proposal["proposed_by"],
                              actor_name=f"{proposal['proposed_by_name']}, одобрил(а) {press.staff.name}",
                              text=proposal["text"], original=item.text)
    if not sent:
        return Answer("По карточке уже выполняется другое действие — попробуйте через минуту.", alert=True)
    return Answer("Ответ одобрен и отправляется.")


async def _cancel_waiting(conn: asyncpg.Connection, press: PressContext, item: Item) -> Answer:
    """Takes back a decision that waits for a network to come back; never one whose call is under way."""
    row = await conn.fetchrow(
        "UPDATE actions SET status = 'failed', finished_at = now(), error = 'отменено', started_at = NULL"
        " WHERE id = (SELECT id FROM actions WHERE subject_kind = 'item' AND subject_id = $1 AND status = 'pending'"
        " AND started_at IS NULL AND retry_at > now() ORDER BY id DESC LIMIT 1 FOR UPDATE SKIP LOCKED)"
        " RETURNING action", item.id)
    if row is None:
        return Answer("Сейчас идёт попытка — подождите, пожалуйста, карточка обновится.", alert=True)
    await transitions.release(conn, item.id, Note("cancelled", {"actor": press.staff.name, "action": row["action"]}))
    await audit.record(conn, actor=press.actor, actor_name=press.staff.name, action=row["action"], result="cancelled",
                       network=item.network, account_id=item.account_id, item_id=item.id, original_text=item.text)
    return Answer("Отменено: больше не пытаемся.")


async def _expand(conn: asyncpg.Connection, press: PressContext) -> Answer:
    """A digest's item opens as a card of its own (the last one in place of the digest)."""
    item_id = press.button["subject_id"]
    card = await conn.fetchrow("SELECT * FROM cards WHERE subject_kind = 'item' AND subject_id = $1", item_id)
    if card is not None and card["in_digest"]:
        # Lock the digest's cards in id order, as everyone does, then look again: it may have changed.
        await conn.execute("SELECT 1 FROM cards WHERE chat_id = $1 AND message_id = $2 ORDER BY id FOR UPDATE",
                           card["chat_id"], card["message_id"])
        card = await conn.fetchrow("SELECT * FROM cards WHERE id = $1", card["id"])
    if card is None or not card["in_digest"]:
        if card is not None and card["message_id"] is None and card["sending_until"] is not None:
            return Answer("Сводка ещё отправляется. Пожалуйста, нажмите через пару секунд.")
        return Answer("Эта запись уже открыта отдельной карточкой.")
    members = await conn.fetch(
        "SELECT subject_id FROM cards WHERE chat_id = $1 AND message_id = $2 AND in_digest",
        card["chat_id"], card["message_id"])
    if len(members) == 1:
        # The last item of a digest becomes a full card in place: the digest message is edited into it.
        await conn.execute("UPDATE cards SET in_digest = false, expanded = true, sending_until = NULL,"
                           " revision = revision + 1 WHERE id = $1", card["id"])
        return Answer("Открываю запись полной карточкой на месте сводки.")
    # Cleared lease: a digest write already under way must not record this item back into the digest.
    await conn.execute("UPDATE cards SET message_id = NULL, in_digest = false, expanded = true, sent_revision = 0,"
                       " sending_until = NULL, revision = revision + 1 WHERE id = $1", card["id"])
    await conn.execute("UPDATE cards SET revision = revision + 1 WHERE chat_id = $1 AND message_id = $2"
                       " AND in_digest", card["chat_id"], card["message_id"])
    return Answer("Открываю отдельной карточкой — она придёт следующим сообщением.")
