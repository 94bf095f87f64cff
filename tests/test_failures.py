"""When the networks or the service itself fail: errors shown or retried, nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import Stack, labels, wall_comment


def vk_calls(stack: Stack, method: str) -> list[dict]:
    return [c for c in stack.vk.calls if c["method"] == method]


async def test_permanent_vk_error_is_shown_in_plain_russian(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(21, "Нет прав на удаление"))
    card = await stack.wait_card("Нет прав на удаление")
    stack.vk.fail_next("wall.deleteComment", 15)
    await stack.press(card, "Удалить")
    card = await stack.wait_card("Нет прав", where=lambda c: "Не удалось удалить" in c["text"])
    assert "доступ запрещён" in card["text"] and "код VK 15" in card["text"]
    assert labels(card) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"], "the decision can be tried again"
    assert len(vk_calls(stack, "wall.deleteComment")) == 1, "a permanent error is not retried"
    audit = await stack.sql("SELECT result, detail FROM audit WHERE action = 'delete'")
    assert audit[0]["result"] == "error" and audit[0]["detail"]["code"] == 15
    # Trying again after the cause is fixed works.
    await stack.press(card, "Удалить")
    await stack.wait_card("Нет прав", where=lambda c: "Удалено —" in c["text"])


async def test_transient_vk_error_is_retried(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(22, "VK занят"))
    card = await stack.wait_card("VK занят")
    stack.vk.fail_next("wall.deleteComment", 6)
    await stack.press(card, "Удалить")
    await stack.wait_card("VK занят", where=lambda c: "Удалено —" in c["text"], timeout=20)
    calls = vk_calls(stack, "wall.deleteComment")
    assert [("error" in c) for c in calls] == [True, False]
    assert calls[0]["error"]["error_code"] == 6


async def test_not_found_means_already_done(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(23, "Уже удалён кем-то"))
    card = await stack.wait_card("Уже удалён кем-то")
    stack.vk.fail_next("wall.deleteComment", 104)
    await stack.press(card, "Удалить")
    card = await stack.wait_card("Уже удалён", where=lambda c: "Удалено —" in c["text"])
    assert "Не удалось" not in card["text"]


async def test_vk_outage_is_retried_until_it_answers(database_url: str, classifier: object) -> None:
    stack = await Stack(database_url=database_url, classifier=classifier, vk_gateway=True).start()
    try:
        await stack.event("wall_reply_new", wall_comment(24, "Сеть пропала"))
        card = await stack.wait_card("Сеть пропала")
        assert stack.outage is not None
        stack.outage.down = True  # VK's front end answers HTML 502 pages
        await stack.press(card, "Удалить")
        card = await stack.wait_card("Сеть пропала", where=lambda c: "Ждём ВКонтакте: повтор в" in c["text"])
        assert "не в формате JSON" in card["text"]
        assert not vk_calls(stack, "wall.deleteComment")
        stack.outage.down = False
        await stack.wait_card("Сеть пропала", where=lambda c: "Удалено —" in c["text"], timeout=20)
        assert len(vk_calls(stack, "wall.deleteComment")) == 1
    finally:
        await stack.close()


async def test_telegram_429_is_retried_and_no_card_is_lost_or_doubled(stack: Stack) -> None:
    stack.tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    stack.tg.fail_next("sendMessage", 502, "Bad Gateway")
    for number in range(3):
        await stack.event("wall_reply_new", wall_comment(30 + number, f"Карточка номер {number}"))
    for number in range(3):
        await stack.wait_card(f"Карточка номер {number}", timeout=20)
    await stack.settled()
    texts = [c["text"] for c in stack.cards()]
    assert len(texts) == 3
    for number in range(3):
        assert sum(f"Карточка номер {number}" in t for t in texts) == 1
    sends = stack.tg.calls_of("sendMessage")
    assert len(sends) == 5  # three cards, two refused attempts


@pytest.mark.parametrize("stack_kw", [{"tg_per_minute": 3, "service_per_minute": 3}])
async def test_notifier_stays_within_the_chat_limit(database_url: str, classifier: object, stack_kw: dict) -> None:
    stack = await Stack(database_url=database_url, classifier=classifier, **stack_kw).start()
    try:
        for number in range(5):
            await stack.event("wall_reply_new", wall_comment(40 + number, f"Поток {number}"))
        await stack.wait_for(lambda: len(stack.cards()) >= 3, what="three cards")
        await asyncio.sleep(1.5)
        # Three messages a minute allowed: three cards now, the rest wait, and Telegram never said 429.
        assert len(stack.cards()) == 3
        assert len(stack.tg.calls_of("sendMessage")) == 3
        waiting = await stack.sql("SELECT count(*) AS n FROM cards WHERE message_id IS NULL")
        assert waiting[0]["n"] == 2
    finally:
        await stack.close()


async def test_service_killed_and_restarted_loses_nothing_and_doubles_nothing(stack: Stack) -> None:
    # 1. Cards already out before the restart.
    await stack.event("wall_reply_new", wall_comment(50, "До перезапуска"))
    card = await stack.wait_card("До перезапуска")
    # 2. The service answers VK but dies before it processes anything (only its routes run).
    await stack.stop_service()
    await stack.start_service(loops=False)
    for number in range(3):
        answer = await stack.event("wall_reply_new", wall_comment(51 + number, f"Принято до падения {number}"))
        assert answer["body"] == "ok"
    # A press is recorded, but its VK action has not run yet.
    answer = await stack.press(card, "Удалить")
    assert "удаляем" in answer["text"].lower()
    assert not vk_calls(stack, "wall.deleteComment")
    # 3. Killed while VK sends more: VK's retries reach the service once it is back.
    await stack.stop_service()
    down = await stack.event("wall_reply_new", wall_comment(60, "Пока сервис лежит"))
    assert down["status"] != 200
    # 4. Back up: every event becomes exactly one card, the queued press runs once.
    await stack.start_service()
    for text in ["Принято до падения 0", "Принято до падения 1", "Принято до падения 2", "Пока сервис лежит"]:
        await stack.wait_card(text, timeout=20)
    await stack.wait_card("До перезапуска", where=lambda c: "Удалено —" in c["text"], timeout=20)
    await stack.settled()
    texts = [c["text"] for c in stack.cards()]
    assert len(texts) == 5, texts
    assert len(vk_calls(stack, "wall.deleteComment")) == 1
    assert len(await stack.sql("SELECT 1 FROM events WHERE type = 'wall_reply_new'")) == 5


async def test_crash_between_telegram_and_the_record_leaves_working_buttons(stack: Stack) -> None:
    """The card's buttons are committed before it is sent: if the service dies after Telegram took the
    card but before the message id was stored, the card is sent again and both copies work."""
    from bot import executor
    from bot.moderation import intake
    from bot.workchat.outbox import Outbox
    from handlers.context import SERVICES

    await stack.stop_service()
    await stack.start_service(loops=False)  # nothing runs by itself: the test plays the loops
    assert stack.service is not None
    services = stack.service.app[SERVICES]
    await stack.event("wall_reply_new", wall_comment(70, "Карточка, пережившая сбой"))
    assert await intake.process_batch(services) == 1
    try:
        notifier = Outbox(services, services.workchat)
        async with services.db.transaction() as conn:
            delivery = await notifier._prepare(conn)
        assert delivery is not None
        assert isinstance(await notifier._write(delivery), int)  # Telegram has it; then the "crash"
        assert await notifier.sync_one() is False, "the card is leased while its outcome is unknown"
        await stack.sql("UPDATE cards SET sending_until = now() - interval '1 second'")
        assert await notifier.sync_one() is True
        copies = [c for c in stack.cards() if "пережившая сбой" in c["text"]]
        assert len(copies) == 2
        answer = await stack.press(copies[0], "Удалить")
        assert "удаляем" in answer["text"].lower()
        assert await executor.run_one(services) is True
        assert len(vk_calls(stack, "wall.deleteComment")) == 1
    finally:
        pass


async def test_ban_that_fails_after_the_delete_shows_the_comment_deleted(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(80, "Полубан"))
    card = await stack.wait_card("Полубан")
    stack.vk.fail_next("groups.ban", 15)  # e.g. the user token lacks the `groups` scope
    await stack.press(card, "Бан")
    card = await stack.wait_card("Полубан", where=lambda c: "⛔ Навсегда" in labels(c))
    await stack.press(card, "Навсегда")
    card = await stack.wait_card("Полубан", where=lambda c: "заблокировать автора не удалось" in c["text"])
    assert "Удалено —" in card["text"] and "код VK 15" in card["text"]
    assert labels(card) == ["♻️ Восстановить", "⛔ Бан"]
    assert len(vk_calls(stack, "wall.deleteComment")) == 1


async def test_a_card_works_the_moment_the_chat_shows_it(stack: Stack) -> None:
    """The race CI exposed on a loaded machine: the chat shows a card (and a moderator presses or replies)
    before the outbox has recorded its message id. The button must work then, not answer «недействительна»."""
    from bot.moderation import intake
    from bot.workchat.outbox import Outbox
    from handlers.context import SERVICES

    await stack.stop_service()
    await stack.start_service(loops=False)  # the test plays the loops, to hold the record step back
    assert stack.service is not None
    services = stack.service.app[SERVICES]
    await stack.event("wall_reply_new", wall_comment(90, "Свежая карточка"))
    assert await intake.process_batch(services) == 1
    outbox = Outbox(services, services.workchat)
    async with services.db.transaction() as conn:
        delivery = await outbox._prepare(conn)
    assert delivery is not None
    assert isinstance(await outbox._write(delivery), int)  # the chat shows the card; nothing recorded yet
    [card] = [c for c in stack.cards() if "Свежая карточка" in c["text"]]
    assert (await stack.sql("SELECT message_id FROM cards"))[0]["message_id"] is None
    answer = await stack.press(card, "Бан")
    assert "срок" in answer["text"], answer
    assert (await stack.sql("SELECT menu FROM items"))[0]["menu"] == "ban"


async def test_a_card_that_cannot_be_drawn_does_not_hold_up_the_others(stack: Stack) -> None:
    """A card of a page whose network is no longer configured waits with its error; the chat goes on."""
    rows = await stack.sql(
        "INSERT INTO items (network, account_id, kind, ext_id, author_id, text, original_text, created_at, url, ref)"
        " VALUES ('max', 1, 'message', 'm1', 5, 'Сеть, которую убрали из настроек', 'x', now(), 'https://x', '{}')"
        " RETURNING id")
    await stack.sql("INSERT INTO cards (subject_kind, subject_id, chat_id, revision) VALUES ('item', $1, $2, 1)",
                    rows[0]["id"], stack.config.telegram.work_chat_id)
    await stack.event("wall_reply_new", wall_comment(91, "Обычный комментарий после"))
    await stack.wait_card("Обычный комментарий после")
    [stuck] = await stack.sql("SELECT last_error, retry_at > now() AS later, message_id FROM cards"
                              " WHERE subject_id = $1", rows[0]["id"])
    assert stuck["later"] and stuck["message_id"] is None and "max" in stuck["last_error"]


async def test_an_action_whose_worker_died_mid_call_is_not_repeated_where_that_is_unsafe(database_url: str,
                                                                                       classifier: Any) -> None:
    """A ban on OK whose worker died after calling OK: sent again, it would fail although it worked (and a reply
    would be posted twice). The card asks a person to check instead."""
    from bot import executor
    from handlers.context import SERVICES
    from tests.conftest import OK_CITIZEN

    stack = await Stack(database_url=database_url, classifier=classifier, ok=True).start()
    try:
        assert stack.ok is not None
        await stack.ok_ready()
        stack.ok.add_comment(stack.ok_topic, OK_CITIZEN, "Комментарий для бана")
        card = await stack.wait_card("Комментарий для бана")
        await stack.press(card, "Бан")
        card = await stack.wait_card("Комментарий для бана", where=lambda c: "⛔ Навсегда" in labels(c))
        await stack.stop_service()
        await stack.start_service(loops=False)  # the test plays the executor
        assert stack.service is not None
        services = stack.service.app[SERVICES]
        await stack.press(card, "Навсегда")
        await stack.sql("UPDATE actions SET started_at = now() - interval '3 minutes'")  # a worker died mid-call
        assert await executor.run_one(services) is True
        assert not [c for c in stack.ok.calls if c["method"] == "discussions.deleteDiscussionComment"]
        [item] = await stack.sql("SELECT busy, status, note_code FROM items")
        assert item == {"busy": False, "status": "open", "note_code": "uncertain"}
        [action] = await stack.sql("SELECT status FROM actions")
        assert action["status"] == "failed"
    finally:
        await stack.close()
