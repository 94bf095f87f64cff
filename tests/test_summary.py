"""Reports people read: the day's summary card (working days only, once), the week's with a chart, `/summary`."""

from __future__ import annotations

from datetime import date, datetime

from bot.summary import send as summary
from handlers.context import SERVICES
from tests.conftest import MODERATOR, WORK_CHAT, Stack, wall_comment


async def _decided_day(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(8001, "Заработок от 5000 в день без вложений! Пиши в телеграм"
                                                          " @easy_money_bot"))
    await stack.event("wall_reply_new", wall_comment(8002, "Спасибо за новую остановку"))
    await stack.event("wall_reply_new", wall_comment(8003, "Когда уберут снег во дворе?"))
    spam = await stack.wait_card("Заработок от 5000")
    thanks = await stack.wait_card("новую остановку")
    await stack.wait_card("уберут снег")
    await stack.press(spam, "Удалить")
    await stack.press(thanks, "Оставить")
    await stack.settled()


async def test_the_day_summary_counts_what_happened_once(stack: Stack) -> None:
    await _decided_day(stack)
    assert stack.service is not None
    services = stack.service.app[SERVICES]
    today = datetime.now(stack.config.tz).date()
    assert await summary.daily(services, day=date(2027, 1, 1)) is False, "no summary on a holiday"
    sent = await summary.daily(services, day=today, force=True)
    assert sent
    card = await stack.wait_card("📊 Итоги дня")
    assert "Пришло: 3 комментария и сообщения, из них с метками классификатора — 1." in card["text"]
    assert "Удалено: 1, заблокировано авторов: 0, оставлено: 1, отвечено: 0." in card["text"]
    assert "Ждут решения сейчас: 1." in card["text"]
    assert "Самое давнее с" in card["text"] and "«Когда уберут снег во дворе?»" in card["text"]
    assert "https://t.me/c/1234567890/" in card["text"], "a link to the waiting card"
    if await summary.daily(services, day=today):  # a working day: the scheduled one goes out once
        assert await summary.daily(services, day=today) is False
        assert sum("📊 Итоги дня" in c["text"] for c in stack.cards()) == 2


async def test_the_week_comes_as_a_chart_and_summary_is_asked_for(stack: Stack) -> None:
    await _decided_day(stack)
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, text="/summary неделя")
    await stack.wait_for(lambda: bool(stack.tg.calls_of("sendPhoto")), what="the chart")
    chart = next(m for m in stack.tg.chat_view(WORK_CHAT) if "Итоги недели" in (m.get("caption") or ""))
    assert "📊 Итоги недели по" in chart["caption"] and "Удалено: 1" in chart["caption"]
    [sent] = stack.tg.calls_of("sendPhoto")
    assert any(data.startswith(b"\x89PNG") for data in sent.uploads.values()), "a picture people look at"
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=999, text="/summary")  # an outsider
    await stack.wait_card("итоги видят только сотрудники")
