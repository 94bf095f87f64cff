"""Every card tells the specialist who they are dealing with: the author's earlier items on the network's pages,
how many were deleted lately, and their bans — a ban in force with its end, or the last one and how it ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.moderation.cards import history_line
from bot.moderation.history import History
from tests.conftest import Stack, labels, wall_comment


async def test_the_card_tells_the_authors_record(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(4801, "Первый раз пишу: когда откроют бассейн?"))
    card = await stack.wait_card("когда откроют бассейн")
    assert "📋 Пишет нам впервые" in card["text"]
    await stack.press(card, "Удалить")
    await stack.wait_card("когда откроют бассейн", where=lambda c: "Удалено —" in c["text"])

    await stack.event("wall_reply_new", wall_comment(4802, "Второй раз пишу, ответьте уже"))
    card = await stack.wait_card("Второй раз пишу")
    assert "📋 Ранее писал(а) 1 раз, 1 удалено за 30 дней" in card["text"], card["text"]

    # Someone else's record is their own.
    stack.vk.add_user(60011122, "Анна", "Смирнова")
    await stack.event("wall_reply_new", wall_comment(4803, "А я просто спасибо скажу", from_id=60011122))
    card = await stack.wait_card("просто спасибо")
    assert "📋 Пишет нам впервые" in card["text"]

    card = await stack.wait_card("Второй раз пишу")
    await stack.press(card, "Бан")
    card = await stack.wait_card("Второй раз пишу", where=lambda c: "⛔ 7 дней" in labels(c))
    await stack.press(card, "7 дней")
    card = await stack.wait_card("Второй раз пишу", where=lambda c: "заблокирован" in c["text"])
    until = datetime.now(stack.config.tz) + timedelta(days=7)

    await stack.event("wall_reply_new", wall_comment(4804, "Третий раз пишу из бана"))
    third = await stack.wait_card("Третий раз пишу")
    assert f"📋 Ранее писал(а) 2 раза, 2 удалено за 30 дней, сейчас в бане до {until:%d.%m.%Y}" in third["text"]

    await stack.press(card, "Разбанить")
    await stack.wait_card("Второй раз пишу", where=lambda c: "Блокировка снята" in c["text"])
    await stack.event("wall_reply_new", wall_comment(4805, "Четвёртый раз, уже без бана"))
    fourth = await stack.wait_card("Четвёртый раз")
    assert f"📋 Ранее писал(а) 3 раза, 2 удалено за 30 дней, бан до {until:%d.%m.%Y} снят" in fourth["text"]


async def test_an_old_deletion_is_not_recent(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(4811, "Давний комментарий"))
    card = await stack.wait_card("Давний комментарий")
    await stack.press(card, "Удалить")
    await stack.wait_card("Давний комментарий", where=lambda c: "Удалено —" in c["text"])
    await stack.sql("UPDATE items SET decided_at = now() - interval '40 days'")  # forty days pass
    await stack.event("wall_reply_new", wall_comment(4812, "Снова здравствуйте"))
    card = await stack.wait_card("Снова здравствуйте")
    assert "📋 Ранее писал(а) 1 раз, за 30 дней ничего не удалено" in card["text"], card["text"]


def test_a_ban_that_ran_out_and_one_for_good() -> None:
    tz = ZoneInfo("Europe/Moscow")
    ended = datetime(2026, 10, 28, 12, tzinfo=UTC)
    assert history_line(History(12, 0, False, None, ended), tz) == \
        "📋 Ранее писал(а) 12 раз, за 30 дней ничего не удалено, бан до 28.10.2026 истёк"
    assert history_line(History(0, 0, True, None, None), tz) == "📋 Сейчас в бане навсегда"
    assert history_line(History(21, 1, False, None, None, lifted_for_good=True), tz) == \
        "📋 Ранее писал(а) 21 раз, 1 удалено за 30 дней, бан навсегда снят"
    assert history_line(None, tz) is None, "a community writing as itself has no record"
