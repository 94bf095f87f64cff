"""`/find` in the work chat: staff find an author's items across pages, or items by a word, with their cards."""

from __future__ import annotations

from bot.moderation.find import Query, parse
from tests.conftest import GROUP_ID, MODERATOR, WORK_CHAT, Stack, wall_comment


def test_what_is_asked_for() -> None:
    assert parse("51234567") == Query(51234567, None)
    assert parse("id51234567") == Query(51234567, None)
    assert parse("https://vk.com/id51234567") == Query(51234567, None)
    assert parse("  мусор   во дворе ") == Query(None, "мусор во дворе")
    assert parse("Иван Петров") == Query(None, "Иван Петров")
    assert parse(" ") is None and parse("я") is None


async def test_staff_find_an_authors_items_and_words(stack: Stack) -> None:
    stack.vk.add_user(60011122, "Анна", "Смирнова")
    await stack.event("wall_reply_new", wall_comment(8101, "Не вывозят мусор на ул. Садовой"))
    await stack.event("wall_reply_new", wall_comment(8102, "Опять мусор, третий день"))
    await stack.event("wall_reply_new", wall_comment(8103, "Спасибо за новую остановку", from_id=60011122))
    first = await stack.wait_card("Не вывозят мусор")
    await stack.wait_card("Опять мусор")
    await stack.wait_card("новую остановку")
    await stack.press(first, "Удалить")
    await stack.wait_card("Не вывозят мусор", where=lambda c: "Удалено —" in c["text"])

    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, text="/find id51234567")
    found = await stack.wait_card("🔎 Автор id51234567")
    assert "найдено 2" in found["text"] and "новую остановку" not in found["text"]
    lines = found["text"].splitlines()
    assert "«Опять мусор, третий день» — ждёт решения" in lines[1], "newest first"
    assert "«Не вывозят мусор на ул. Садовой» — удалено" in lines[3]
    assert f"карточка: https://t.me/c/1234567890/{first['message_id']}" in lines[4]
    assert f"в сети: https://vk.com/wall-{GROUP_ID}_1873?reply=8101" in lines[4]

    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, text="/find МУСОР")
    found = await stack.wait_card("🔎 «МУСОР»: найдено 2")
    assert "Иван Петров" in found["text"]
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, text="/find 100%_скидка")
    await stack.wait_card("🔎 По запросу «100%_скидка» ничего не нашлось.")
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, text="/find")
    await stack.wait_card("Напишите, что найти")

    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=999, text="/find мусор")  # an outsider
    await stack.wait_card("искать по комментариям и сообщениям могут только сотрудники")
