"""End to end over real HTTP: a VK comment in, a card out; a press in, the exact VK call out, the card edited."""

from __future__ import annotations

from tests.conftest import (
    GROUP_ID,
    MODERATOR,
    OUTSIDER,
    VIEWER,
    Stack,
    labels,
    message_new,
    wall_comment,
)


def vk_calls(stack: Stack, method: str) -> list[dict]:
    return [c for c in stack.vk.calls if c["method"] == method]


async def test_comment_becomes_a_card_with_buttons(stack: Stack) -> None:
    answer = await stack.event("wall_reply_new", wall_comment(4521, "Когда отремонтируют дорогу на ул. Ленина?"))
    assert answer["status"] == 200 and answer["body"] == "ok"
    card = await stack.wait_card("Когда отремонтируют дорогу")
    assert labels(card) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"]
    text = card["text"]
    assert "ВКонтакте" in text and "Администрация Октябрьского района" in text
    assert "Иван Петров" in text  # resolved through users.get with the community token
    assert "комментарий к записи" in text
    html = card["html"]
    assert f'https://vk.com/wall-{GROUP_ID}_1873?reply=4521' in html
    assert "https://vk.com/id51234567" in html
    # callback data is opaque: no VK ids in it
    for row in card["buttons"]:
        for b in row:
            assert "4521" not in b["callback_data"] and len(b["callback_data"].encode()) <= 64


async def test_citizen_text_is_escaped(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(7, "<b>не жирный</b> & <script>alert(1)</script>"))
    card = await stack.wait_card("не жирный")
    assert "<b>не жирный</b> & <script>alert(1)</script>" in card["text"]  # shown literally, not as markup


async def test_delete_press_calls_vk_and_edits_the_card(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(4522, "Реклама окон, звоните"))
    card = await stack.wait_card("Реклама окон")
    answer = await stack.press(card, "Удалить")
    assert "удаляем" in answer["text"].lower()
    card = await stack.wait_card("Реклама окон", where=lambda c: "Удалено" in c["text"])
    assert "Мария Захарова" in card["text"]
    assert labels(card) == ["♻️ Восстановить", "⛔ Бан"]
    calls = vk_calls(stack, "wall.deleteComment")
    assert len(calls) == 1
    assert {k: v for k, v in calls[0]["params"].items() if k != "v"} == {"owner_id": str(-GROUP_ID),
                                                                        "comment_id": "4522"}
    assert calls[0]["token"] == "user" and "response" in calls[0]
    snapshot = stack.vk.snapshot()
    comment = next(c for p in snapshot["posts"] for c in p["comments"] if c["id"] == 4522)
    assert comment["state"] == "deleted"

    answer = await stack.press(card, "Восстановить")
    card = await stack.wait_card("Реклама окон", where=lambda c: "Восстановлено" in c["text"])
    assert len(vk_calls(stack, "wall.restoreComment")) == 1
    assert labels(card) == ["🗑 Удалить", "⛔ Бан", "💬 Ответить"]


async def test_ban_menu_bans_for_seven_days_and_deletes(stack: Stack) -> None:
    spam = "Заработок от 5000 в день без вложений! Пиши в телеграм @easy_money_bot"
    await stack.event("wall_reply_new", wall_comment(4600, spam))
    card = await stack.wait_card("Заработок от 5000")
    answer = await stack.press(card, "Бан")
    assert "срок" in answer["text"]
    card = await stack.wait_card("Заработок от 5000", where=lambda c: "⛔ 7 дней" in labels(c))
    assert labels(card) == ["⛔ 1 день", "⛔ 7 дней", "⛔ 30 дней", "⛔ Навсегда", "↩️ Отмена"]
    await stack.press(card, "7 дней")
    card = await stack.wait_card("Заработок от 5000", where=lambda c: "заблокирован" in c["text"])
    until = (__import__("datetime").datetime.now(stack.config.tz) + __import__("datetime").timedelta(days=7))
    assert f"(на 7 дней, до {until:%d.%m.%Y})" in card["text"] and "Мария Захарова" in card["text"], card["text"]
    assert labels(card) == ["🔓 Разбанить", "♻️ Восстановить"]
    ban = vk_calls(stack, "groups.ban")
    assert len(ban) == 1
    params = ban[0]["params"]
    assert params["group_id"] == str(GROUP_ID) and params["owner_id"] == "51234567"
    assert params["reason"] == "1", "the item was flagged as spam: VK's reason code for spam"
    assert 6.9 * 86400 < int(params["end_date"]) - __import__("time").time() < 7.1 * 86400
    assert vk_calls(stack, "wall.deleteComment"), "a ban also deletes the comment"
    assert any(b["user_id"] == 51234567 for b in stack.vk.snapshot()["bans"])

    await stack.press(card, "Разбанить")
    await stack.wait_card("Заработок от 5000", where=lambda c: "Блокировка снята" in c["text"])
    assert len(vk_calls(stack, "groups.unban")) == 1
    assert not stack.vk.snapshot()["bans"]


async def test_ban_menu_cancel(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(4601, "Передумал банить"))
    card = await stack.wait_card("Передумал")
    await stack.press(card, "Бан")
    menu = await stack.wait_card("Передумал", where=lambda c: "↩️ Отмена" in labels(c))
    await stack.press(menu, "Отмена")
    card = await stack.wait_card("Передумал", where=lambda c: "✅ Оставить" in labels(c))
    assert labels(card) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"]
    stale = await stack.press(menu, "7 дней")  # the menu's term pressed after the cancel
    assert "изменилась" in stale["text"] or "недействительна" in stale["text"], stale
    await stack.settled()
    assert not vk_calls(stack, "groups.ban"), "a cancelled ban menu bans nobody, even from its old buttons"


async def test_approve_keeps_and_shows_who(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(4700, "Администрация опять бездействует, позор!"))
    card = await stack.wait_card("бездействует")
    answer = await stack.press(card, "Оставить")
    assert "оставлен" in answer["text"]
    card = await stack.wait_card("бездействует", where=lambda c: "Оставлено" in c["text"])
    assert "Мария Захарова" in card["text"]
    assert labels(card) == ["🗑 Удалить", "⛔ Бан", "💬 Ответить"]
    assert not vk_calls(stack, "wall.deleteComment")


async def test_outsider_and_viewer_are_refused_and_nothing_happens_on_vk(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(4800, "Чужой палец на кнопке"))
    card = await stack.wait_card("Чужой палец")
    for user in (OUTSIDER, VIEWER):
        answer = await stack.press(card, "Удалить", user_id=user)
        assert answer["show_alert"] is True and "только модераторы" in answer["text"]
    assert not vk_calls(stack, "wall.deleteComment")
    rows = await _audit(stack, "press")
    assert [r["result"] for r in rows] == ["refused", "refused"]
    assert {r["actor"] for r in rows} == {f"tg:{OUTSIDER}", f"tg:{VIEWER}"}


async def test_forged_button_is_refused(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(4900, "Подделка кнопки"))
    card = await stack.wait_card("Подделка кнопки")
    answer = await stack.tg.press(chat_id=card_chat(), message_id=card["message_id"], callback_data="b:forged-token",
                                  user_id=MODERATOR)
    assert answer["show_alert"] is True and "недействительна" in answer["text"]
    answer = await stack.tg.press(chat_id=card_chat(), message_id=card["message_id"], callback_data="other:1",
                                  user_id=MODERATOR)
    assert "недействительна" in answer["text"]
    assert not [c for c in stack.vk.calls if c["method"].endswith("deleteComment")]


async def test_simultaneous_presses_lead_to_one_action(stack: Stack) -> None:
    import asyncio

    await stack.event("wall_reply_new", wall_comment(5000, "Двойное нажатие"))
    card = await stack.wait_card("Двойное нажатие")
    first, second = await asyncio.gather(stack.press(card, "Удалить"), stack.press(card, "Удалить"))
    texts = sorted([first["text"], second["text"]])
    assert sum("удаляем" in t.lower() for t in texts) == 1, texts
    loser = next(t for t in texts if "удаляем" not in t.lower())
    assert "Мария Захарова" in loser or "уже выполняется" in loser.lower(), loser
    await stack.wait_card("Двойное нажатие", where=lambda c: "Удалено" in c["text"])
    assert len(vk_calls(stack, "wall.deleteComment")) == 1
    # A late press of an old button is told who handled it.
    late = await stack.press(card, "Оставить")
    assert "Уже обработано: Мария Захарова" in late["text"]


async def test_message_gets_handled_and_ban_buttons(stack: Stack) -> None:
    obj = message_new("Не вывозят мусор на ул. Садовой")
    await stack.event("message_new", obj)
    card = await stack.wait_card("Не вывозят мусор")
    assert labels(card) == ["✅ Обработано", "⛔ Бан", "💬 Ответить"]
    assert "личное сообщение" in card["text"]
    await stack.press(card, "Обработано")
    card = await stack.wait_card("Не вывозят мусор", where=lambda c: "Обработано —" in c["text"])
    assert labels(card) == ["⛔ Бан", "💬 Ответить"]


async def test_community_own_reply_makes_no_card(stack: Stack) -> None:
    answer = await stack.event("wall_reply_new", wall_comment(5100, "Ответ администрации", from_id=-GROUP_ID))
    assert answer["body"] == "ok"
    await stack.event("wall_reply_new", wall_comment(5101, "Вопрос жителя после ответа"))
    await stack.wait_card("Вопрос жителя после ответа")
    assert stack.card_with("Ответ администрации") is None


def card_chat() -> int:
    from tests.conftest import WORK_CHAT

    return WORK_CHAT


async def _audit(stack: Stack, action: str) -> list[dict]:
    import asyncpg

    conn = await asyncpg.connect(stack.database_url)
    try:
        return [dict(r) for r in await conn.fetch("SELECT * FROM audit WHERE action = $1 ORDER BY id", action)]
    finally:
        await conn.close()




async def test_ban_then_restore_keeps_unban_until_the_author_is_free(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(5200, "Забаним и вернём"))
    card = await stack.wait_card("Забаним и вернём")
    await stack.press(card, "Бан")
    card = await stack.wait_card("Забаним и вернём", where=lambda c: "⛔ 1 день" in labels(c))
    await stack.press(card, "1 день")
    card = await stack.wait_card("Забаним и вернём", where=lambda c: "заблокирован" in c["text"])
    await stack.press(card, "Восстановить")
    card = await stack.wait_card("Забаним и вернём", where=lambda c: "Восстановлено" in c["text"])
    assert labels(card) == ["🗑 Удалить", "🔓 Разбанить", "💬 Ответить"], "the author is still banned"
    await stack.press(card, "Разбанить")
    card = await stack.wait_card("Забаним и вернём", where=lambda c: "⛔ Бан" in labels(c))
    assert "Восстановлено" in card["text"], "unbanning does not touch the restored comment"
    assert not stack.vk.snapshot()["bans"]


async def test_a_huge_card_still_fits_telegram(stack: Stack) -> None:
    obj = wall_comment(5300, "Смотрите ссылки " + "очень " * 900)
    obj["attachments"] = [{"type": "link", "link": {"url": "https://example.com/" + "a" * 300 + str(n)}}
                          for n in range(14)]
    await stack.event("wall_reply_new", obj)
    card = await stack.wait_card("Смотрите ссылки")
    assert len(card["text"].encode("utf-16-le")) // 2 <= 4096
    assert "и ещё 4" in card["text"] and "симв.)" in card["text"]


async def test_two_moderators_racing_different_buttons(database_url: str, classifier: object) -> None:
    import asyncio
    import dataclasses

    from bot.config import StaffMember
    from bot.domain import Role

    def second_moderator(config):  # type: ignore[no-untyped-def]
        return dataclasses.replace(config, staff=(*config.staff, StaffMember(333, "Ольга Котова", Role.ADMIN)))

    stack = await Stack(database_url=database_url, classifier=classifier, tweak=second_moderator).start()
    try:
        stack.tg.add_user(333, "Ольга", "Котова")
        await stack.event("wall_reply_new", wall_comment(5400, "Кто первый нажмёт"))
        card = await stack.wait_card("Кто первый нажмёт")
        keep, delete = await asyncio.gather(stack.press(card, "Оставить", user_id=MODERATOR),
                                            stack.press(card, "Удалить", user_id=333))
        winners = [a for a in (keep, delete) if not a["text"].startswith(("Уже", "Этим уже", "Карточка"))]
        assert len(winners) == 1, (keep, delete)
        loser = delete if winners[0] is keep else keep
        assert "Уже обработано: " in loser["text"] or "Этим уже занимается " in loser["text"], loser
        outcome = "Удалено —" if winners[0] is delete else "Оставлено —"
        await stack.wait_card("Кто первый нажмёт", where=lambda c: outcome in c["text"])
        deletes = len([c for c in stack.vk.calls if c["method"] == "wall.deleteComment"])
        assert deletes == (1 if winners[0] is delete else 0)
    finally:
        await stack.close()


async def test_telegram_webhook_refuses_a_wrong_secret(stack: Stack) -> None:
    assert stack.http is not None
    update = {"update_id": 1, "callback_query": {"id": "q", "chat_instance": "c", "data": "b:x",
                                                 "from": {"id": MODERATOR, "is_bot": False, "first_name": "M"}}}
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
        async with stack.http.post(f"{stack.base}/webhooks/telegram", json=update, headers=headers) as response:
            assert response.status == 401


async def test_a_ban_offers_unban_on_the_authors_other_cards(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(5500, "Первый комментарий нарушителя"))
    await stack.event("wall_reply_new", wall_comment(5501, "Второй комментарий нарушителя"))
    first = await stack.wait_card("Первый комментарий нарушителя")
    await stack.wait_card("Второй комментарий нарушителя")
    await stack.press(first, "Бан")
    first = await stack.wait_card("Первый комментарий", where=lambda c: "⛔ 30 дней" in labels(c))
    await stack.press(first, "30 дней")
    second = await stack.wait_card("Второй комментарий", where=lambda c: "🔓 Разбанить" in labels(c))
    assert labels(second) == ["✅ Оставить", "🗑 Удалить", "🔓 Разбанить", "💬 Ответить"]
