"""What happens on VK after the card is out: edits, deletions, restores and bans made by others."""

from __future__ import annotations

from tests.conftest import GROUP_ID, Stack, labels, wall_comment


async def test_edit_updates_the_card_and_reopens_it(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(11, "Хорошая новость про дорогу"))
    card = await stack.wait_card("Хорошая новость")
    await stack.press(card, "Оставить")
    await stack.wait_card("Хорошая новость", where=lambda c: "Оставлено" in c["text"])

    await stack.event("wall_reply_edit", wall_comment(11, "Исправленный текст про дорогу"))
    card = await stack.wait_card("Исправленный текст")
    assert "(изменено)" in card["text"] and "снова открыта" in card["text"]
    assert labels(card) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"]
    assert stack.card_with("Хорошая новость") is None, "the same card was edited, not a new one sent"
    assert len(stack.cards()) == 1


async def test_deletion_by_someone_else_is_shown(stack: Stack) -> None:
    stack.vk.add_user(100500, "Ольга", "Админова")  # the administrator who deletes in VK's own interface
    await stack.event("wall_reply_new", wall_comment(12, "Удалят не через нас"))
    await stack.wait_card("Удалят не через нас")
    await stack.event("wall_reply_delete", {"owner_id": -GROUP_ID, "id": 12, "user_id": 51234567,
                                            "deleter_id": 100500, "post_id": 1873})
    card = await stack.wait_card("Удалят не через нас", where=lambda c: "удалён в VK" in c["text"])
    assert "Комментарий удалён в VK администратором Ольга Админова" in card["text"]
    assert labels(card) == ["⛔ Бан"]

    await stack.event("wall_reply_restore", wall_comment(12, "Удалят не через нас"))
    card = await stack.wait_card("Удалят не через нас", where=lambda c: "Комментарий восстановлен в VK" in c["text"])
    assert labels(card) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"]


async def test_our_own_deletion_echo_changes_nothing(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(13, "Удалим сами"))
    card = await stack.wait_card("Удалим сами")
    await stack.press(card, "Удалить")
    card = await stack.wait_card("Удалим сами", where=lambda c: "Удалено —" in c["text"])
    edits = card["edits"]
    # VK reports our own deletion back as an event; the card keeps showing our decision.
    await stack.event("wall_reply_delete", {"owner_id": -GROUP_ID, "id": 13, "deleter_id": 100500,
                                            "post_id": 1873})
    rows = []
    for _ in range(100):
        rows = await stack.sql("SELECT status FROM events WHERE type = 'wall_reply_delete'")
        if rows and rows[0]["status"] == "done":
            break
        await __import__("asyncio").sleep(0.05)
    assert rows[0]["status"] == "done"
    card = stack.card_with("Удалим сами")
    assert card is not None and "Удалено —" in card["text"] and "удалён в VK" not in card["text"]
    assert card["edits"] == edits


async def test_ban_made_in_vk_is_shown_on_open_cards(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(14, "Комментарий будущего нарушителя"))
    await stack.wait_card("будущего нарушителя")
    await stack.event("user_block", {"admin_id": 100500, "user_id": 51234567, "unblock_date": 0, "reason": 1,
                                     "comment": "Спам"})
    card = await stack.wait_card("будущего нарушителя", where=lambda c: "заблокирован в VK" in c["text"])
    assert "навсегда" in card["text"]
    bans = await stack.sql("SELECT user_id, until FROM bans")
    assert bans == [{"user_id": 51234567, "until": None}]
    await stack.event("user_unblock", {"admin_id": 100500, "user_id": 51234567, "by_end_date": 0})
    await stack.wait_card("будущего нарушителя", where=lambda c: "разблокирован в VK" in c["text"])
    assert await stack.sql("SELECT * FROM bans") == []


async def test_every_comment_kind_gets_a_card_and_the_right_delete_call(stack: Stack) -> None:
    stack.vk.add_topic("Вопросы главе", topic_id=41)
    stack.vk.add_photo("Субботник", photo_id=457239018)
    stack.vk.add_video("Выступление", video_id=456239020)
    stack.vk.add_market_item("Запись на кружок", item_id=8801234)
    kinds = [
        ("board_post_new", {"id": 310, "from_id": 51234567, "date": 1767600100, "text": "Вопрос в обсуждении",
                            "topic_id": 41, "topic_owner_id": -GROUP_ID}, "board.deleteComment", "group"),
        ("photo_comment_new", {"id": 77, "from_id": 51234567, "date": 1767600200, "text": "Комментарий к фото",
                               "photo_id": 457239018, "photo_owner_id": -GROUP_ID}, "photos.deleteComment", "user"),
        ("video_comment_new", {"id": 12, "from_id": 51234567, "date": 1767600300, "text": "Комментарий к видео",
                               "video_id": 456239020, "video_owner_id": -GROUP_ID}, "video.deleteComment", "user"),
        ("market_comment_new", {"id": 5, "from_id": 51234567, "date": 1767600400, "text": "Комментарий к товару",
                                "market_owner_id": -GROUP_ID, "item_id": 8801234}, "market.deleteComment", "user"),
    ]
    for event_type, obj, method, token in kinds:
        await stack.event(event_type, obj)
        card = await stack.wait_card(obj["text"])
        await stack.press(card, "Удалить")
        await stack.wait_card(obj["text"], where=lambda c: "Удалено —" in c["text"])
        calls = [c for c in stack.vk.calls if c["method"] == method]
        assert len(calls) == 1 and calls[0]["token"] == token and "response" in calls[0], (method, calls)
        params = calls[0]["params"]
        if method == "board.deleteComment":
            assert params["group_id"] == str(GROUP_ID) and params["topic_id"] == "41"
        else:
            assert params["owner_id"] == str(-GROUP_ID)
        assert params["comment_id"] == str(obj["id"])


async def test_author_deleting_their_own_comment_is_not_blamed_on_an_administrator(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(15, "Передумал писать"))
    await stack.wait_card("Передумал писать")
    await stack.event("wall_reply_delete", {"owner_id": -GROUP_ID, "id": 15, "user_id": 51234567,
                                            "deleter_id": 51234567, "post_id": 1873})
    card = await stack.wait_card("Передумал писать", where=lambda c: "Автор удалил свой комментарий в VK" in c["text"])
    assert "администратором" not in card["text"]


async def test_a_deletion_that_overtakes_its_comment_still_wins(stack: Stack) -> None:
    # VK's first delivery of the comment failed; its deletion arrives before VK's retry of the comment.
    stack.vk.add_user(100500, "Ольга", "Админова")
    await stack.event("wall_reply_delete", {"owner_id": -GROUP_ID, "id": 16, "user_id": 51234567,
                                            "deleter_id": 100500, "post_id": 1873})
    await stack.event("wall_reply_new", wall_comment(16, "Уже удалённый спам"))
    card = await stack.wait_card("Уже удалённый спам")
    assert "Комментарий удалён в VK администратором Ольга Админова" in card["text"]
    assert labels(card) == ["⛔ Бан"]
    assert not [c for c in stack.vk.calls if c["method"] == "wall.deleteComment"]


async def test_an_older_edit_applied_late_does_not_revert_the_text(stack: Stack) -> None:
    from bot.moderation import intake
    from handlers.context import SERVICES

    await stack.stop_service()
    await stack.start_service(loops=False)  # the test applies the events itself, in the wrong order
    assert stack.service is not None
    services = stack.service.app[SERVICES]
    await stack.event("wall_reply_new", wall_comment(17, "Первая версия"))
    await stack.event("wall_reply_edit", wall_comment(17, "Вторая версия"))
    await stack.event("wall_reply_edit", wall_comment(17, "Третья версия"))
    rows = await stack.sql("SELECT id FROM events ORDER BY id")
    # Apply the first and the last edit, then the middle one, as a retry would.
    await stack.sql("UPDATE events SET retry_at = now() + interval '1 hour' WHERE id = $1", rows[1]["id"])
    assert await intake.process_batch(services) == 2
    await stack.sql("UPDATE events SET retry_at = now() WHERE id = $1", rows[1]["id"])
    assert await intake.process_batch(services) == 1
    items = await stack.sql("SELECT text FROM items")
    assert items == [{"text": "Третья версия"}]
    outcome = await stack.sql("SELECT result FROM audit WHERE action = 'event_processed' ORDER BY id")
    assert outcome[-1]["result"] == "stale"
