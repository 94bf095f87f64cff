"""Answering citizens from the work chat: a Telegram reply to a card is published as the community."""

from __future__ import annotations

import asyncio

from tests.conftest import GROUP_ID, MODERATOR, OUTSIDER, WORK_CHAT, Stack, labels, message_new, wall_comment


async def test_reply_to_a_wall_comment_card(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(4521, "Когда починят фонарь у школы?"))
    card = await stack.wait_card("починят фонарь")
    hint = await stack.press(card, "Ответить")
    assert hint["show_alert"] is True and "ответьте на эту карточку" in hint["text"]

    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, reply_to_message_id=card["message_id"],
                                     text="Здравствуйте! Фонарь заменят до пятницы.")
    card = await stack.wait_card("починят фонарь", where=lambda c: "Ответ сообщества" in c["text"])
    assert "Мария Захарова" in card["text"] and "Фонарь заменят до пятницы" in card["text"]
    assert "Отвечено —" in card["text"]
    assert labels(card) == ["🗑 Удалить", "⛔ Бан", "💬 Ответить"]
    calls = [c for c in stack.vk.calls if c["method"] == "wall.createComment"]
    assert len(calls) == 1 and calls[0]["token"] == "group" and "response" in calls[0]
    params = calls[0]["params"]
    assert params["owner_id"] == str(-GROUP_ID) and params["post_id"] == "1873"
    assert params["reply_to_comment"] == "4521" and params["message"] == "Здравствуйте! Фонарь заменят до пятницы."
    posted = [c for p in stack.vk.snapshot()["posts"] for c in p["comments"] if c["from_id"] == -GROUP_ID]
    assert [c["text"] for c in posted] == ["Здравствуйте! Фонарь заменят до пятницы."]
    await stack.settled()
    assert not [m for m in stack.cards() if "Ответ не отправлен" in m["text"]], "a reply that went out is not refused"
    assert not await stack.sql("SELECT 1 FROM audit WHERE action = 'reply' AND result = 'refused'")


async def test_reply_to_a_message_card(stack: Stack) -> None:
    obj = message_new("Не вывозят мусор на ул. Садовой")
    await stack.event("message_new", obj)
    card = await stack.wait_card("Не вывозят мусор")
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, reply_to_message_id=card["message_id"],
                                     text="Спасибо, передали в управляющую компанию.")
    await stack.wait_card("Не вывозят мусор", where=lambda c: "Ответ сообщества" in c["text"])
    sends = [c for c in stack.vk.calls if c["method"] == "messages.send"]
    assert len(sends) == 1 and "response" in sends[0]
    assert sends[0]["params"]["peer_id"] == "51234567" and sends[0]["params"]["random_id"]


async def test_reply_by_an_outsider_does_nothing(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(4522, "Вопрос про автобус"))
    card = await stack.wait_card("Вопрос про автобус")
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=OUTSIDER, reply_to_message_id=card["message_id"],
                                     text="Отвечу за администрацию")
    said = await stack.wait_card("Ответ не отправлен")
    assert "только модераторы" in said["text"]
    assert await stack.sql("SELECT result FROM audit WHERE action = 'reply'") == [{"result": "refused"}]
    assert not [c for c in stack.vk.calls if c["method"] == "wall.createComment"]


async def test_reply_to_a_deleted_comment_is_refused_in_the_chat(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(4523, "Реклама, удалим"))
    card = await stack.wait_card("Реклама, удалим")
    await stack.press(card, "Удалить")
    card = await stack.wait_card("Реклама, удалим", where=lambda c: "Удалено —" in c["text"])
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, reply_to_message_id=card["message_id"],
                                     text="Ответ не должен уйти")
    said = await stack.wait_card("Ответ не отправлен")
    assert "комментарий удалён" in said["text"]
    card = stack.card_with("Реклама, удалим")
    assert card is not None and "Удалено —" in card["text"], "the card keeps saying what happened"
    assert not [c for c in stack.vk.calls if c["method"] == "wall.createComment"]


async def test_a_deletion_during_a_reply_waits_for_it_and_is_then_shown(stack: Stack) -> None:
    from bot import executor
    from bot.moderation import intake
    from handlers.context import SERVICES

    await stack.event("wall_reply_new", wall_comment(4530, "Удалю, пока отвечают"))
    card = await stack.wait_card("Удалю, пока отвечают")
    await stack.stop_service()
    await stack.start_service(loops=False)  # the test plays the loops, to hold the reply in flight
    assert stack.service is not None
    services = stack.service.app[SERVICES]
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, reply_to_message_id=card["message_id"],
                                     text="Спасибо за вопрос!")
    # The bot handles updates in the background: the deletion must arrive once the reply is queued.
    for _ in range(200):
        if await stack.sql("SELECT 1 FROM actions WHERE action = 'reply'"):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the reply was never queued")
    await stack.event("wall_reply_delete", {"owner_id": -GROUP_ID, "id": 4530, "user_id": 51234567,
                                            "deleter_id": 51234567, "post_id": 1873})
    assert await intake.process_batch(services) == 1
    waiting = await stack.sql("SELECT status, attempts FROM events WHERE type = 'wall_reply_delete'")
    assert waiting == [{"status": "new", "attempts": 0}], "not an echo of ours: it waits, uncounted"
    assert await executor.run_one(services) is True  # the reply goes out
    await stack.sql("UPDATE events SET retry_at = now()")
    assert await intake.process_batch(services) == 1
    items = await stack.sql("SELECT status, decision, removed_by = author_id AS by_author FROM items")
    assert items == [{"status": "removed", "decision": "removed", "by_author": True}]
