"""Bodies the internet really sends, and what each gets: a signed VK event with U+0000, a lone surrogate or NaN is
stored (the originals kept beside it) and moderated; forged requests — deep JSON, a surrogate in the secret, a
non-ASCII Telegram secret header, a press whose data holds U+0000 — get a 4xx or a refusal, never a 500 or a
silence; an update aiogram cannot read is acknowledged once and logged; a second presser is told who acts."""

from __future__ import annotations

import json
import logging
from typing import Any

from tests.conftest import GROUP_ID, MODERATOR, SECRET, WEBHOOK_SECRET, WORK_CHAT, Stack, wall_comment

SECOND_MODERATOR = 333


async def post(stack: Stack, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
    assert stack.http is not None
    async with stack.http.post(f"{stack.base}{path}", data=body,
                               headers={"Content-Type": "application/json", **(headers or {})}) as response:
        return response.status, await response.text()


def signed(obj: dict[str, Any], event_id: str) -> bytes:
    return json.dumps({"type": "wall_reply_new", "event_id": event_id, "v": "5.199", "object": obj,
                       "group_id": GROUP_ID, "secret": SECRET}).encode()


async def test_a_signed_event_postgres_cannot_store_as_is_is_kept_and_moderated(stack: Stack) -> None:
    obj = wall_comment(9001, "Нулевой\u0000символ и эмодзи пополам \ud83d конец")
    stack.vk.record_event_object("wall_reply_new", dict(obj, text="(emulated)"))
    raw = signed(obj, "n" * 40).replace(b'"post_id": 1873', b'"post_id": 1873, "rating": NaN')
    assert b"\\u0000" in raw and b"\\ud83d" in raw and b"NaN" in raw
    status, text = await post(stack, f"/webhooks/vk/{GROUP_ID}", raw)
    assert (status, text) == (200, "ok"), "a body whose secret is right is acknowledged, never answered 500"
    card = await stack.wait_card("символ и эмодзи пополам")
    assert "Нулевой\ufffdсимвол" in card["text"]
    [event] = await stack.sql("SELECT payload FROM events WHERE event_id = $1", "n" * 40)
    repaired = {r["path"]: r["was"] for r in event["payload"]["_repaired"]}
    assert repaired["object.text"] == json.dumps(obj["text"]), "the original is kept, JSON-escaped"
    assert repaired["object.rating"] == "NaN" and event["payload"]["object"]["rating"] is None
    assert "secret" not in event["payload"]


async def test_forged_requests_get_a_4xx_and_one_line_never_a_traceback(stack: Stack, caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    deep = b'{"type": "wall_reply_new", "secret": "x", "object": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert (await post(stack, f"/webhooks/vk/{GROUP_ID}", deep))[0] == 400
    surrogate = json.dumps({"type": "wall_reply_new", "event_id": "e" * 40, "object": {}, "group_id": GROUP_ID,
                            "secret": "\ud83d"}).encode()
    assert (await post(stack, f"/webhooks/vk/{GROUP_ID}", surrogate))[0] == 403
    update = json.dumps({"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                                                     "text": "x"}}).encode()
    status, _ = await post(stack, "/webhooks/telegram", update, {"X-Telegram-Bot-Api-Secret-Token": "сек\u0440ет"})
    assert status == 401
    status, _ = await post(stack, "/webhooks/telegram", b"[" * 3000,
                           {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert status == 400
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], "no tracebacks"
    assert await stack.sql("SELECT * FROM events") == []


async def test_a_press_whose_data_postgres_would_refuse_is_answered(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(9100, "Карточка для поддельной кнопки"))
    card = await stack.wait_card("поддельной кнопки")
    for data in ("b:\u0000abc", "b:" + "x" * 70, "b:не-токен"):
        answer = await stack.tg.press(chat_id=WORK_CHAT, message_id=card["message_id"], callback_data=data,
                                      user_id=MODERATOR)
        assert "недействительна" in answer["text"], data
    refused = await stack.sql("SELECT detail FROM audit WHERE action = 'press' AND result = 'refused'")
    assert [r["detail"]["reason"] for r in refused] == ["malformed button"] * 3


async def test_an_update_aiogram_cannot_read_is_acknowledged_and_logged_once(stack: Stack, caplog: Any) -> None:
    caplog.set_level(logging.WARNING)
    broken = json.dumps({"update_id": 777, "message": {"message_id": "not a number", "chat": "nowhere"}}).encode()
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    assert (await post(stack, "/webhooks/telegram", broken, headers))[0] == 200
    lines = [r.getMessage() for r in caplog.records if "777" in r.getMessage()]
    assert len(lines) == 1 and "cannot be read" in lines[0]
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


async def test_a_second_presser_is_told_who_is_acting(stack: Stack) -> None:
    stack.vk.fail_next("wall.deleteComment", 10, times=3)  # VK is having trouble: the deletion is retried
    await stack.sql("INSERT INTO staff (user_id, name, roles, updated_by) VALUES ($1, 'Олег Смирнов', '{moderator}',"
                    " 'test')", SECOND_MODERATOR)
    stack.tg.add_user(SECOND_MODERATOR, "Олег", "Смирнов")
    await stack.event("wall_reply_new", wall_comment(9200, "Два модератора жмут одновременно"))
    card = await stack.wait_card("Два модератора")
    first = await stack.press(card, "Удалить", user_id=MODERATOR)
    assert "удаля" in first["text"].lower()
    second = await stack.press(card, "Удалить", user_id=SECOND_MODERATOR)
    assert "Этим уже занимается Мария Захарова: удаляет" in second["text"], second
    await stack.wait_card("Два модератора", where=lambda c: "Удалено —" in c["text"], timeout=30)


ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}


def _anonymous_reply(card: dict[str, Any], text: str, update_id: int) -> bytes:
    chat = {"id": WORK_CHAT, "type": "supergroup", "title": "Модерация госпабликов"}
    return json.dumps({"update_id": update_id, "message": {
        "message_id": 9000 + update_id, "date": 1767600000, "chat": chat, "from": ANONYMOUS_BOT,
        "sender_chat": chat, "text": text,
        "reply_to_message": {"message_id": card["message_id"], "date": 1767600000, "chat": chat,
                             "from": {"id": 123456, "is_bot": True, "first_name": "Госпаблик"}, "text": card["text"]}}
    }).encode()


async def test_an_anonymous_administrator_is_told_why_they_are_refused(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(9300, "Вопрос, на который ответят анонимно"))
    card = await stack.wait_card("ответят анонимно")
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    assert (await post(stack, "/webhooks/telegram", _anonymous_reply(card, "Спасибо, разберёмся!", 1), headers))[0] \
        == 200
    answer = await stack.wait_card("анонимный администратор")
    assert "журнал решений должен это знать" in answer["text"] and "Отключите «Анонимность»" in answer["text"]
    await stack.settled()
    assert not stack.vk.calls_of("wall.createComment"), "nothing is sent to the citizen in nobody's name"
    [refused] = await stack.sql("SELECT actor, detail FROM audit WHERE action = 'message' AND result = 'refused'")
    assert refused["detail"]["reason"] == "anonymous administrator"


async def test_an_old_copy_of_a_card_still_takes_a_reply_and_says_it_is_a_copy(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(9400, "Когда починят фонарь у школы?"))
    first = await stack.wait_card("починят фонарь")
    # The chat took the card but its record was lost (a crash mid-send): the lease ran out and it went out again.
    await stack.sql("UPDATE cards SET message_id = NULL, sent_revision = 0, revision = revision + 1")
    await stack.wait_for(lambda: sum("починят фонарь" in c["text"] for c in stack.cards()) == 2, what="a copy")
    current = [c for c in stack.cards() if "починят фонарь" in c["text"]][-1]
    assert current["message_id"] != first["message_id"]
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, reply_to_message_id=first["message_id"],
                                     text="Заявка передана в службу, починим до пятницы.")
    await stack.wait_for(lambda: len(stack.vk.calls_of("wall.createComment")) == 1, what="the reply sent to VK")
    old = await stack.wait_card("Это старая копия карточки")
    assert old["message_id"] == first["message_id"] and not old["buttons"]
    assert f"сообщение №{current['message_id']}" in old["text"]
    await stack.wait_card("починят фонарь", where=lambda c: "Заявка передана" in c["text"])


async def test_a_compressed_body_is_read_whole_and_its_inflated_size_is_limited(stack: Stack) -> None:
    """aiohttp inflates a gzip body, whose Content-Length is the packed size: the whole event is read, not the
    first Content-Length bytes of it, and a small packed body that inflates past the limit is refused."""
    import gzip

    obj = wall_comment(9101, "Сжатое тело запроса: " + "длинный текст " * 200)
    packed = gzip.compress(signed(obj, "g" * 40))
    assert len(packed) < len(signed(obj, "g" * 40)) / 4
    status, text = await post(stack, f"/webhooks/vk/{GROUP_ID}", packed, {"Content-Encoding": "gzip"})
    assert (status, text) == (200, "ok")
    [event] = await stack.sql("SELECT payload FROM events WHERE event_id = $1", "g" * 40)
    assert event["payload"]["object"]["text"] == obj["text"]
    bomb = gzip.compress(signed(wall_comment(9102, "я" * (stack.config.max_body_bytes + 1)), "h" * 40))
    assert len(bomb) < stack.config.max_body_bytes
    status, text = await post(stack, f"/webhooks/vk/{GROUP_ID}", bomb, {"Content-Encoding": "gzip"})
    assert (status, text) == (413, "body too large")
