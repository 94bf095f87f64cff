"""The coordinator's desk around the content plan: staff from the chat, a corrected text, a typed time, moving and
cancelling, taking a post down, /plan and its calendar feed, reply templates and replies that wait for approval."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest_asyncio

from bot.config import Config
from bot.publishing import authoring
from bot.publishing.model import Target
from handlers.context import SERVICES
from tests.conftest import (
    AUTHOR,
    CHANNEL_ID,
    COORDINATOR,
    GROUP_ID,
    MODERATOR,
    WORK_CHAT,
    Stack,
    labels,
    wall_comment,
)

CALENDAR = "calendar-secret-0123456789"


def with_approval_and_calendar(config: Config) -> Config:
    vk = dataclasses.replace(config.accounts[0], reply_approval=True)
    return dataclasses.replace(config, accounts=(vk, *config.accounts[1:]), calendar_secret=CALENDAR)


@pytest_asyncio.fixture
async def desk(database_url: str, classifier: Any) -> AsyncIterator[Stack]:
    stack = await Stack(database_url=database_url, classifier=classifier, publishing=True,
                        tweak=with_approval_and_calendar).start()
    yield stack
    await stack.close()


async def say(stack: Stack, user_id: int, text: str, reply_to: int | None = None) -> str:
    """Writes in the work chat and returns the bot's answer to it."""
    before = {c["message_id"] for c in stack.cards()}
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=user_id, text=text, reply_to_message_id=reply_to)
    holder: dict[str, str] = {}

    def answered() -> bool:
        for card in stack.cards():
            if card["message_id"] not in before and not card["buttons"] and card["text"] != text:
                holder["text"] = card["text"]
                return True
        return False

    await stack.wait_for(answered, what=f"an answer to {text!r}")
    return holder["text"]


async def submitted(stack: Stack, text: str, targets: list[str], *, at: datetime | None = None) -> int:
    assert stack.service is not None
    services = stack.service.app[SERVICES]
    author = stack.config.staff_member(AUTHOR)
    assert author is not None
    result = await authoring.submit_direct(services, author=author, actor=f"tg:{AUTHOR}", text=text, photos=[],
                                           poll=None, targets=[Target.parse(t) for t in targets], publish_at=at)
    assert result.accepted, result.problems
    return result.draft_id


async def test_staff_are_managed_from_the_chat_by_admins_only(desk: Stack) -> None:
    stack = desk
    answer = await say(stack, MODERATOR, "/staff add 777 author Иван Сидоров | Отдел культуры")
    assert "только администраторы" in answer
    stack.tg.add_user(888, "Ольга", "Админова")
    await stack.sql("INSERT INTO staff (user_id, name, roles, updated_by) VALUES (888, 'Ольга Админова', '{admin}',"
                    " 'test')")
    answer = await say(stack, 888, "/staff add 777 author, viewer Иван Сидоров | Отдел культуры")
    assert "Готово: Иван Сидоров — автор, наблюдатель, отдел «Отдел культуры»" in answer
    listing = await say(stack, 888, "/staff")
    assert "Иван Сидоров (id 777) — автор, наблюдатель, отдел «Отдел культуры»" in listing
    assert "Мария Захарова (id 111) — модератор (в файле настроек)" in listing
    answer = await say(stack, 888, "/staff role 111 viewer")
    assert "файле настроек" in answer
    answer = await say(stack, 888, "/staff remove 777")
    assert "больше нет доступа" in answer
    audit = await stack.sql("SELECT action, result FROM audit WHERE action LIKE 'staff%' ORDER BY id")
    assert [a["action"] for a in audit] == ["staff", "staff_add", "staff_remove"]


async def test_correct_time_move_cancel(desk: Stack) -> None:
    stack = desk
    await submitted(stack, "Данное мероприятие состоится в субботу.", [f"vk:{GROUP_ID}"])
    card = await stack.wait_card("Данное мероприятие")
    await stack.press(card, "Исправить текст", user_id=COORDINATOR)
    card = await stack.wait_card("Данное мероприятие", where=lambda c: "исправленный текст" in c["text"])
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=COORDINATOR, reply_to_message_id=card["message_id"],
                                     text="Праздник будет в субботу, приходите!")
    card = await stack.wait_card("Праздник будет в субботу", where=lambda c: "Версия 2, исправил(а) Ольга Котова"
                                 in c["text"])
    await stack.press(card, "Одобрить на время", user_id=COORDINATOR)
    card = await stack.wait_card("Праздник будет", where=lambda c: "↩️ Отмена" in labels(c))
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=COORDINATOR, reply_to_message_id=card["message_id"],
                                     text="завтра 10:00")
    card = await stack.wait_card("Праздник будет", where=lambda c: "Одобрено" in c["text"])
    [pub] = await stack.sql("SELECT due_at, version FROM publications")
    due = pub["due_at"].astimezone(stack.config.tz)
    tomorrow = (datetime.now(stack.config.tz) + timedelta(days=1)).date()
    assert (due.hour, due.minute) == (10, 0) and due.date() == tomorrow
    assert pub["version"] == 2, "the corrected version is the one published"
    assert labels(card) == ["🕒 Перенести…", "✖️ Отменить публикацию"]
    await stack.press(card, "Перенести", user_id=COORDINATOR)
    card = await stack.wait_card("Праздник будет", where=lambda c: any("Завтра 18:00" in x for x in labels(c)))
    await stack.press(card, "Завтра 18:00", user_id=COORDINATOR)
    await stack.wait_for(lambda: "18:00" in (stack.card_with("Праздник будет") or {}).get("text", ""), what="moved")
    plan = await say(stack, COORDINATOR, "/plan")
    assert "18:00 — №1 «Праздник будет в субботу, приходите!»" in plan and "ВКонтакте" in plan
    async with stack.http.get(f"{stack.base}/calendar/{CALENDAR}.ics") as response:  # type: ignore[union-attr]
        assert response.status == 200 and response.content_type == "text/calendar"
        feed = (await response.text()).replace("\r\n ", "")  # unfolded, as a calendar app reads it
    assert "BEGIN:VEVENT" in feed and "SUMMARY:№1 Праздник будет в субботу\\, приходите!" in feed
    async with stack.http.get(f"{stack.base}/calendar/wrong-secret-000000.ics") as response:  # type: ignore[union-attr]
        assert response.status == 404
    card = await stack.wait_card("Праздник будет")
    await stack.press(card, "Отменить публикацию", user_id=COORDINATOR)
    await stack.wait_card("Праздник будет", where=lambda c: "Публикация отменена" in c["text"])
    assert (await stack.sql("SELECT status FROM publications"))[0]["status"] == "cancelled"
    assert not stack.vk.calls_of("wall.post")


async def test_a_published_post_is_taken_down_everywhere(desk: Stack) -> None:
    stack = desk
    await submitted(stack, "Ярмарка переносится на воскресенье.", [f"vk:{GROUP_ID}", f"telegram:{CHANNEL_ID}"])
    await stack.press(await stack.wait_card("Ярмарка переносится"), "✅ Одобрить", user_id=COORDINATOR)
    card = await stack.wait_card("Ярмарка переносится", where=lambda c: c["text"].count("опубликовано") == 2)
    await stack.press(card, "Удалить публикацию", user_id=COORDINATOR)
    card = await stack.wait_card("Ярмарка переносится", where=lambda c: "Да, удалить везде" in " ".join(labels(c)))
    await stack.press(card, "Да, удалить везде", user_id=COORDINATOR)
    await stack.wait_card("Ярмарка переносится", where=lambda c: c["text"].count("публикация удалена") == 2)
    assert len(stack.vk.calls_of("wall.delete")) == 1
    assert all(p["deleted"] for p in stack.tg.channel_view(CHANNEL_ID))


async def test_templates_and_replies_that_wait_for_a_coordinator(desk: Stack) -> None:
    stack = desk
    answer = await say(stack, MODERATOR, "/templates add Спасибо | {имя}, спасибо за обращение!")
    assert "ведут координаторы" in answer
    answer = await say(stack, COORDINATOR, "/templates add Спасибо | {имя}, спасибо за обращение! Ответим до {дата}.")
    assert "добавлен" in answer
    await stack.event("wall_reply_new", wall_comment(300, "Когда починят фонарь у школы?"))
    card = await stack.wait_card("починят фонарь", where=lambda c: "📋 Шаблон" in labels(c))
    await stack.press(card, "Шаблон")
    card = await stack.wait_card("починят фонарь", where=lambda c: "📋 Спасибо" in labels(c))
    await stack.press(card, "📋 Спасибо")
    # This page wants replies approved: the moderator's reply waits on the card.
    card = await stack.wait_card("починят фонарь", where=lambda c: "Предложен ответ" in c["text"])
    assert "Иван, спасибо за обращение!" in card["text"]
    assert labels(card)[:2] == ["✅ Одобрить ответ", "✖️ Отклонить ответ"]
    assert not stack.vk.calls_of("wall.createComment")
    answer = await stack.press(card, "Одобрить ответ", user_id=MODERATOR)
    assert "только координаторы" not in answer["text"] and answer["show_alert"], answer
    await stack.press(card, "Одобрить ответ", user_id=COORDINATOR)
    await stack.wait_for(lambda: len(stack.vk.calls_of("wall.createComment")) == 1, what="the approved reply")
    [call] = stack.vk.calls_of("wall.createComment")
    assert call["params"]["message"].startswith("Иван, спасибо за обращение! Ответим до ")
    await stack.wait_card("починят фонарь", where=lambda c: "одобрил(а) Ольга Котова" in c["text"])
    await asyncio.sleep(0.2)
    audit = {a["action"] for a in await stack.sql("SELECT action FROM audit")}
    assert {"template_add", "reply_proposed", "reply_approved"} <= audit
