"""OK end to end, as for VK: a comment polled → a card → a press → exactly the right signed OK call → the card
says what OK did; a message pushed → a card → a reply through the Bot API; refusals that store nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from bot.config import LabelPolicy
from bot.domain import PolicyAction
from tests.conftest import MODERATOR, OK_CITIZEN, OK_GROUP_ID, OK_WEBHOOK_SECRET, WORK_CHAT, Stack, labels

DELETE = "discussions.deleteDiscussionComment"


async def started(stack: Stack) -> Stack:
    """The first poll takes the group's baseline (it starts from now): comments written after it are news.
    The leader also subscribes the group's messages webhook itself, as it renews it every few hours."""
    await stack.start()
    await stack.ok_ready()
    assert stack.ok is not None
    subscribed = [s["url"] for s in stack.ok.snapshot()["subscriptions"]]
    assert subscribed == [f"{stack.base}/webhooks/ok/{OK_GROUP_ID}/{OK_WEBHOOK_SECRET}"]
    return stack


@pytest_asyncio.fixture
async def ok_stack(database_url: str, classifier: Any) -> AsyncIterator[Stack]:
    stack = await started(Stack(database_url=database_url, classifier=classifier, ok=True))
    yield stack
    await stack.close()


def calls(stack: Stack, method: str) -> list[dict]:
    assert stack.ok is not None
    return [c for c in stack.ok.calls if c["method"] == method]


def comment(stack: Stack, text: str, author: str = OK_CITIZEN) -> str:
    assert stack.ok is not None
    return stack.ok.add_comment(stack.ok_topic, author, text)


def state_of(stack: Stack, comment_id: str) -> dict:
    assert stack.ok is not None
    return next(c for t in stack.ok.snapshot()["topics"] for c in t["comments"] if c["id"] == comment_id)


async def test_a_polled_comment_becomes_a_card_and_delete_makes_one_signed_call(ok_stack: Stack) -> None:
    stack = ok_stack
    comment_id = comment(stack, "Когда расчистят каток от снега?")
    card = await stack.wait_card("расчистят каток")
    assert labels(card) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"]
    assert "Одноклассники" in card["text"] and "комментарий к записи группы" in card["text"]
    assert f"https://ok.ru/profile/{OK_CITIZEN}" in card["html"] and "Галина Орлова" in card["text"]
    assert f"https://ok.ru/group/{OK_GROUP_ID}/topic/{stack.ok_topic}" in card["html"]

    answer = await stack.press(card, "Удалить")
    assert "удаляем в OK" in answer["text"]
    card = await stack.wait_card("расчистят каток", where=lambda c: "Удалено —" in c["text"])
    assert "Мария Захарова" in card["text"]
    assert labels(card) == [], "OK cannot restore a comment, nor can a deleted comment's author be blocked there"
    assert "не даёт восстановить" in card["text"], "the card says how it is instead"
    [call] = calls(stack, DELETE)
    assert "response" in call, "the emulator checked the signature and took the call"
    assert call["token"] == "user"
    assert call["params"] == {"discussionId": stack.ok_topic, "discussionType": "GROUP_TOPIC",
                              "comment_id": comment_id, "mark_as_spam": "false", "block_author": "false",
                              "format": "json", "method": DELETE}
    assert state_of(stack, comment_id)["state"] == "deleted"


async def test_ban_deletes_with_block_author_and_says_what_ok_did(ok_stack: Stack) -> None:
    stack = ok_stack
    comment_id = comment(stack, "Заработок без вложений, пиши в личку")
    card = await stack.wait_card("Заработок без вложений")
    assert "спам" in card["text"]
    await stack.press(card, "Бан")
    card = await stack.wait_card("Заработок без вложений", where=lambda c: "↩️ Отмена" in labels(c))
    assert labels(card) == ["⛔ Навсегда", "↩️ Отмена"], "OK blocks for good only"
    await stack.press(card, "Навсегда")
    card = await stack.wait_card("Заработок без вложений", where=lambda c: "заблокирован" in c["text"])
    assert "Удалено, автор заблокирован (навсегда) — Мария Захарова" in card["text"]
    assert "вместе с удалением комментария, навсегда" in card["text"], "the card says exactly what OK did"
    assert labels(card) == [] and "в чёрном списке" in card["text"], "unblocking is only possible in OK: it says where"
    [call] = calls(stack, DELETE)
    assert call["params"]["block_author"] == "true" and call["params"]["mark_as_spam"] == "true"
    assert stack.ok is not None and [b["user_id"] for b in stack.ok.snapshot()["blocked"]] == [OK_CITIZEN]
    assert state_of(stack, comment_id)["state"] == "deleted"


async def test_a_message_becomes_a_card_and_the_reply_goes_out_through_the_bot_api(ok_stack: Stack) -> None:
    stack = ok_stack
    result = await stack.ok_sender.deliver_message(OK_CITIZEN, "Галина Орлова", "Здравствуйте! Когда вывезут мусор?")
    assert result["status"] == 200 and result["body"] == "ok"
    card = await stack.wait_card("Когда вывезут мусор")
    assert labels(card) == ["✅ Обработано", "💬 Ответить"], "OK's Bot API can neither delete messages nor block"
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, reply_to_message_id=card["message_id"],
                                     text="Завтра до 12:00, спасибо за обращение!")
    card = await stack.wait_card("Когда вывезут мусор", where=lambda c: "Ответ группы" in c["text"])
    assert "Отвечено — Мария Захарова" in card["text"]
    [call] = calls(stack, "graph.user.messages")
    assert call["token"] == "group"
    assert call["params"]["message"] == {"text": "Завтра до 12:00, спасибо за обращение!"}
    assert stack.ok is not None
    [chat] = stack.ok.snapshot()["chats"]
    assert [m["direction"] for m in chat["messages"]] == ["in", "out"]
    again = await stack.ok_sender.deliver_raw(await _same_message(stack, result["mid"]), stack.base + _url())
    assert again["status"] == 200
    assert len(await stack.sql("SELECT 1 FROM events WHERE network = 'ok' AND type = 'MESSAGE_CREATED'")) == 1


async def _same_message(stack: Stack, mid: str) -> dict:
    [row] = await stack.sql("SELECT payload FROM events WHERE event_id = $1", mid)
    return row["payload"]


def _url(secret: str = OK_WEBHOOK_SECRET) -> str:
    return f"/webhooks/ok/{OK_GROUP_ID}/{secret}"


async def test_a_wrong_path_secret_is_404_and_stores_nothing(ok_stack: Stack) -> None:
    stack = ok_stack
    assert stack.http is not None
    body = {"webhookType": "MESSAGE_CREATED", "sender": {"user_id": f"user:{OK_CITIZEN}"},
            "recipient": {"chat_id": "chat:C1"}, "message": {"text": "x", "mid": "mid:C1.1"}, "timestamp": 1}
    for path in (_url("wrong-secret-0123456789"), f"/webhooks/ok/{OK_GROUP_ID}", f"/webhooks/ok/1/{OK_WEBHOOK_SECRET}"):
        async with stack.http.post(stack.base + path, json=body) as response:
            assert response.status == 404, path
    async with stack.http.post(stack.base + _url(), data=b"{broken") as response:
        assert response.status == 400
    assert await stack.sql("SELECT 1 FROM events WHERE network = 'ok'") == []


async def test_a_reply_to_a_comment_is_an_official_answer_and_its_echo_makes_no_card(ok_stack: Stack) -> None:
    stack = ok_stack
    comment_id = comment(stack, "А горка для детей будет?")
    card = await stack.wait_card("горка для детей")
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, reply_to_message_id=card["message_id"],
                                     text="Да, с 15 декабря!")
    await stack.wait_card("горка для детей", where=lambda c: "Ответ группы" in c["text"])
    [call] = calls(stack, "discussions.addDiscussionComment")
    assert call["params"]["reply_to_comment_id"] == comment_id and call["params"]["as_admin"] == "true"
    # The group's own answer is polled back like any comment and makes no card.
    async def echoed() -> list[dict]:
        return await stack.sql("SELECT result FROM audit WHERE action = 'event_processed' AND network = 'ok'"
                               " AND result LIKE 'ignored%'")

    for _ in range(200):
        if await echoed():
            break
        await asyncio.sleep(0.05)
    assert [r["result"] for r in await echoed()] == ["ignored: written by the group itself"]
    assert len(await stack.sql("SELECT 1 FROM items WHERE network = 'ok'")) == 1


async def test_a_restarted_poller_neither_loses_nor_repeats_comments(ok_stack: Stack) -> None:
    stack = ok_stack
    comment(stack, "Первый до перезапуска")
    await stack.wait_card("Первый до перезапуска")
    await stack.stop_service()
    for n in range(3):  # written while the service is down
        comment(stack, f"Пока сервис лежал, №{n}")
    await stack.start_service()
    comment(stack, "После перезапуска")
    await stack.wait_card("После перезапуска")
    for n in range(3):
        await stack.wait_card(f"Пока сервис лежал, №{n}")
    await stack.stop_service()
    await stack.start_service()  # again, with nothing new: nothing is read twice
    comment(stack, "Контрольный")
    await stack.wait_card("Контрольный")
    texts = [c["text"] for c in stack.cards()]
    for fragment in ("Первый до перезапуска", "После перезапуска", "Контрольный",
                     *(f"Пока сервис лежал, №{n}" for n in range(3))):
        assert sum(fragment in t for t in texts) == 1, fragment
    events = await stack.sql("SELECT event_id, deliveries FROM events WHERE network = 'ok'")
    assert len(events) == 6 and all(e["deliveries"] == 1 for e in events), "no comment was even read twice"


async def test_ok_errors_are_retried_or_explained(ok_stack: Stack) -> None:
    stack = ok_stack
    assert stack.ok is not None
    comment(stack, "Флуд-контроль")
    card = await stack.wait_card("Флуд-контроль")
    stack.ok.fail_next(DELETE, 8)  # FLOOD_BLOCKED: transient
    await stack.press(card, "Удалить")
    await stack.wait_card("Флуд-контроль", where=lambda c: "Удалено —" in c["text"], timeout=20)
    assert len(calls(stack, DELETE)) == 2
    comment(stack, "Ключ истёк")
    card = await stack.wait_card("Ключ истёк")
    stack.ok.fail_next(DELETE, 102)  # the access token expired: a configuration problem
    await stack.press(card, "Удалить")
    card = await stack.wait_card("Ключ истёк", where=lambda c: "код OK 102" in c["text"])
    assert "Не удалось удалить: OK не принял ключ доступа" in card["text"]
    assert "🗑 Удалить" in labels(card), "nothing was done, so it can be tried again"


async def test_the_policy_deletes_ok_spam_by_itself(database_url: str, classifier: Any) -> None:
    stack = await started(Stack(database_url=database_url, classifier=classifier, ok=True,
                                ok_policy={"spam": LabelPolicy(PolicyAction.AUTO_DELETE)}))
    try:
        comment_id = comment(stack, "Займ без отказа за 5 минут, пиши в личку, ставка 0%!!!")
        await stack.wait_card("Займ без отказа", where=lambda c: "автоматически" in c["text"])
        [call] = calls(stack, DELETE)
        assert call["params"]["mark_as_spam"] == "true"
        assert state_of(stack, comment_id)["state"] == "deleted"
    finally:
        await stack.close()


async def test_the_first_poll_starts_from_now(database_url: str, classifier: Any) -> None:
    """Connecting a group with years of history must not flood the chat: only what comes after is news."""
    stack = Stack(database_url=database_url, classifier=classifier, ok=True)
    comment(stack, "Старый комментарий, до подключения")
    await started(stack)
    try:
        comment(stack, "Новый комментарий, после подключения")
        await stack.wait_card("Новый комментарий")
        assert stack.card_with("Старый комментарий") is None
    finally:
        await stack.close()
