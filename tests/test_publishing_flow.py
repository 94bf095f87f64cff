"""The content plan end to end: a department's draft in the author's private chat → style advice → an approval
card → returned → resubmitted → approved for a time → at that time exactly one post on VK, OK and the channel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from bot.sandbox.sample_photos import SAMPLES
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

TEXT_V1 = ("В целях повышения качества досуга граждан администрацией района осуществляется открытие катка "
           "в парке Победы. Данное мероприятие проведено в рамках реализации муниципальной программы.")
TEXT_V2 = "Открыли каток в парке Победы! Вход свободный, прокат коньков — 150 ₽ в час. Приходите всей семьёй."


@pytest_asyncio.fixture
async def desk(database_url: str, classifier: Any) -> AsyncIterator[Stack]:
    stack = await Stack(database_url=database_url, classifier=classifier, ok=True, publishing=True).start()
    await stack.ok_ready()
    yield stack
    await stack.close()


def bot_messages(stack: Stack, user_id: int) -> list[dict]:
    return [m for m in stack.tg.private_view(user_id) if m["from"] == "bot"]


async def wait_private(stack: Stack, user_id: int, fragment: str, *, after: int = 0, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(bot_messages(stack, user_id)):
            if message["message_id"] > after and fragment in (message.get("text") or ""):
                return message
        await asyncio.sleep(0.05)
    got = [m.get("text") for m in bot_messages(stack, user_id)]
    raise AssertionError(f"no private message with {fragment!r}; got {got}")


def panel_button(stack: Stack, user_id: int, label: str) -> tuple[int, str] | None:
    """The newest bot message in the private chat with a button labelled `label`, and that button's data."""
    for message in reversed(bot_messages(stack, user_id)):
        for row in message.get("buttons") or []:
            for button in row:
                if label in button["text"]:
                    return message["message_id"], button["callback_data"]
    return None


async def press_panel(stack: Stack, user_id: int, label: str) -> dict:
    """Presses that button once there is one: a panel sent afresh under the author's message takes the buttons off
    the old one first, so for a moment none has them."""
    await stack.wait_for(lambda: panel_button(stack, user_id, label) is not None,
                         what=f"a button {label!r} in the private chat")
    found = panel_button(stack, user_id, label)
    assert found is not None
    return await stack.tg.press_private(user_id, *found)


def newest(stack: Stack, user_id: int) -> int:
    messages = bot_messages(stack, user_id)
    return messages[-1]["message_id"] if messages else 0


async def write_draft(stack: Stack) -> None:
    await stack.tg.send_private(AUTHOR, photos=[SAMPLES["park.png"]], caption=TEXT_V1)
    await wait_private(stack, AUTHOR, "📝 Публикация №")
    await press_panel(stack, AUTHOR, "Страницы")
    for page in ("ВКонтакте", "Одноклассники", "Telegram"):
        mark = newest(stack, AUTHOR)
        await press_panel(stack, AUTHOR, f"⬜ {page}")
        await stack.wait_for(lambda m=mark, p=page: any(f"✅ {p}" in b["text"] for msg in bot_messages(stack, AUTHOR)
                                                        for row in msg.get("buttons") or [] for b in row),
                             what=f"{page} chosen")
    await press_panel(stack, AUTHOR, "Готово")
    mark = newest(stack, AUTHOR)
    await press_panel(stack, AUTHOR, "Опрос")
    await wait_private(stack, AUTHOR, "Пришлите опрос", after=mark)
    await stack.tg.send_private(AUTHOR, text="Придёте на каток?\nДа, конечно\nЕщё не знаю")
    await wait_private(stack, AUTHOR, "📊 опрос «Придёте на каток?»")


async def test_a_draft_goes_from_the_author_to_three_pages_at_its_time(desk: Stack) -> None:
    stack = desk
    await write_draft(stack)
    mark = newest(stack, AUTHOR)
    await press_panel(stack, AUTHOR, "На согласование")
    sent = await wait_private(stack, AUTHOR, "Отправлено на согласование", after=mark)
    assert "Советы по стилю" in sent["text"] and "в целях" in sent["text"].lower(), "style advice, never a block"

    card = await stack.wait_card("📝 Публикация №1")
    assert "Отдел ЖКХ" in card["text"] and "Анна Смирнова" in card["text"]
    assert "ВКонтакте" in card["text"] and "Одноклассники" in card["text"] and "Telegram" in card["text"]
    assert "📷 фото: 1" in card["text"] and "Придёте на каток?" in card["text"] and "✍️ Стиль:" in card["text"]
    assert labels(card) == ["✅ Одобрить", "🕒 Одобрить на время…", "↩️ На доработку", "✏️ Исправить текст",
                            "✖️ Отклонить"]

    # The coordinator returns it with a comment, written as an answer to the card.
    await stack.press(card, "На доработку", user_id=COORDINATOR)
    card = await stack.wait_card("📝 Публикация №1", where=lambda c: "Вернуть без комментария" in " ".join(labels(c)))
    mark = newest(stack, AUTHOR)
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=COORDINATOR, reply_to_message_id=card["message_id"],
                                     text="Уберите канцелярит, пожалуйста: скажите просто, что каток открыт")
    returned = await wait_private(stack, AUTHOR, "возвращена на доработку", after=mark)
    assert "Уберите канцелярит" in returned["text"]
    await stack.wait_card("📝 Публикация №1", where=lambda c: "Возвращено на доработку" in c["text"])

    # The author rewrites it and submits again: a new version, a new card.
    await stack.tg.send_private(AUTHOR, text=TEXT_V2)
    await wait_private(stack, AUTHOR, "Открыли каток")
    mark = newest(stack, AUTHOR)
    await press_panel(stack, AUTHOR, "На согласование")
    await wait_private(stack, AUTHOR, "Отправлено на согласование", after=mark)
    card = await stack.wait_card("Открыли каток", where=lambda c: "Версия 2" in c["text"] and "Одобрить" in
                                 " ".join(labels(c)))
    assert "✅ Одобрить" in labels(card)

    # Approved for a moment a few seconds ahead (the author's wished time): nothing goes out before it.
    await stack.sql("UPDATE drafts SET wish_at = now() + interval '3 seconds'")
    await stack.press(card, "✅ Одобрить", user_id=COORDINATOR)
    approved_at = time.monotonic()
    await stack.wait_card("Открыли каток", where=lambda c: "Одобрено" in c["text"])
    assert not stack.vk.calls_of("wall.post") and stack.ok is not None and not stack.ok.calls_of("mediatopic.post")
    await stack.wait_for(lambda: len(stack.vk.calls_of("wall.post")) == 1 and len(stack.ok.calls_of(
        "mediatopic.post")) == 1 and len(stack.tg.channel_view(CHANNEL_ID)) >= 2, timeout=30, what="three pages")
    assert time.monotonic() - approved_at >= 2, "not before its time"

    [wall] = stack.vk.calls_of("wall.post")
    assert wall["token"] == "user" and wall["params"]["from_group"] == "1" and "response" in wall
    attachments = wall["params"]["attachments"].split(",")
    assert attachments[0].startswith("photo") and attachments[1].startswith("poll"), attachments
    assert wall["params"]["message"] == TEXT_V2 and wall["params"]["guid"].startswith("gospablik-pub-")
    [topic] = stack.ok.calls_of("mediatopic.post")
    media = __import__("json").loads(topic["params"]["attachment"])["media"]
    assert [m["type"] for m in media] == ["text", "photo", "poll"] and media[0]["text"] == TEXT_V2
    posts = stack.tg.channel_view(CHANNEL_ID)
    assert posts[0]["caption"] == TEXT_V2 and posts[0]["photos"] == 1
    assert posts[1]["poll"]["question"] == "Придёте на каток?"

    card = await stack.wait_card("Открыли каток", where=lambda c: c["text"].count("опубликовано") == 3)
    assert f"https://vk.com/wall-{GROUP_ID}_" in card["html"] and "https://t.me/adm_rayon/" in card["html"]
    assert labels(card) == ["🗑 Удалить публикацию"]
    await wait_private(stack, AUTHOR, "одобрена")
    # Nothing is posted twice, whatever the loops do next.
    await asyncio.sleep(1)
    assert len(stack.vk.calls_of("wall.post")) == 1 and len(stack.ok.calls_of("mediatopic.post")) == 1
    assert len([p for p in stack.tg.channel_view(CHANNEL_ID) if not p["deleted"]]) == 2

    # A citizen comments under the post: the card quotes the post's first words, linked; a reply quotes the comment.
    post_id = wall["response"]["post_id"]
    await stack.event("wall_reply_new", wall_comment(7001, "А коньки детские есть?", post_id=post_id))
    card = await stack.wait_card("А коньки детские есть?")
    assert "📝 под записью «Открыли каток в парке Победы! Вход свободный, прокат…»" in card["text"]
    assert f'href="https://vk.com/wall-{GROUP_ID}_{post_id}"' in card["html"]
    stack.vk.add_user(60011122, "Анна", "Смирнова")
    answer = dict(wall_comment(7002, "Есть, с 28 размера", from_id=60011122, post_id=post_id),
                  reply_to_user=51234567, reply_to_comment=7001)
    await stack.event("wall_reply_new", answer)
    card = await stack.wait_card("Есть, с 28 размера")
    assert "↩️ ответ на комментарий: Иван Петров, «А коньки детские есть?»" in card["text"]


async def test_roles_own_drafts_and_moderation_buttons(desk: Stack) -> None:
    """Nobody approves their own draft; an author cannot press moderation buttons; a viewer cannot approve."""
    stack = desk
    await stack.event("wall_reply_new", {"id": 77, "from_id": 51234567, "date": 1767600000, "text": "Когда каток?",
                                         "post_id": 1, "owner_id": -GROUP_ID, "post_owner_id": -GROUP_ID,
                                         "attachments": []})
    item = await stack.wait_card("Когда каток?")
    answer = await stack.press(item, "Удалить", user_id=AUTHOR)
    assert answer["show_alert"] and "только модераторы" in answer["text"]

    # The coordinator writes a draft of her own.
    await stack.tg.send_private(COORDINATOR, text="Каток работает до 22:00 каждый день.")
    await wait_private(stack, COORDINATOR, "📝 Публикация №")
    await press_panel(stack, COORDINATOR, "Страницы")
    await press_panel(stack, COORDINATOR, "⬜ ВКонтакте")
    await stack.wait_for(lambda: any("✅ ВКонтакте" in b["text"] for m in bot_messages(stack, COORDINATOR)
                                     for row in m.get("buttons") or [] for b in row), what="VK chosen")
    await press_panel(stack, COORDINATOR, "Готово")
    await press_panel(stack, COORDINATOR, "На согласование")
    card = await stack.wait_card("Каток работает до 22:00")
    answer = await stack.press(card, "✅ Одобрить", user_id=COORDINATOR)
    assert answer["show_alert"] and "другой координатор" in answer["text"]
    answer = await stack.press(card, "✅ Одобрить", user_id=MODERATOR)
    assert answer["show_alert"] and "только координаторы" in answer["text"]
    refusals = await stack.sql("SELECT count(*) AS n FROM audit WHERE result = 'refused'")
    assert refusals[0]["n"] >= 3
    assert not stack.vk.calls_of("wall.post")


async def test_a_draft_that_cannot_go_out_says_why_before_approval(desk: Stack) -> None:
    stack = desk
    long_caption = "Очень подробный рассказ о новом катке. " * 40  # over Telegram's 1024 for a caption
    await stack.tg.send_private(AUTHOR, photos=[SAMPLES["snow.png"]], caption=long_caption.strip())
    await wait_private(stack, AUTHOR, "📝 Публикация №")
    await press_panel(stack, AUTHOR, "Страницы")
    await press_panel(stack, AUTHOR, "⬜ Telegram")
    await stack.wait_for(lambda: any("✅ Telegram" in b["text"] for m in bot_messages(stack, AUTHOR)
                                     for row in m.get("buttons") or [] for b in row), what="channel chosen")
    await press_panel(stack, AUTHOR, "Готово")
    mark = newest(stack, AUTHOR)
    await press_panel(stack, AUTHOR, "На согласование")
    said = await wait_private(stack, AUTHOR, "Пока не отправлено", after=mark)
    assert "1024" in said["text"] and "Telegram" in said["text"]
    assert stack.card_with("Очень подробный рассказ") is None, "no approval card for a draft that cannot go out"


async def test_the_private_chat_serves_staff_only_and_lists_their_drafts(desk: Stack) -> None:
    stack = desk
    stack.tg.add_user(900, "Случайный", "Прохожий")
    await stack.tg.send_private(900, text="Опубликуйте моё объявление")
    refused = await wait_private(stack, 900, "принимает публикации от сотрудников")
    assert "ID в Telegram: 900" in refused["text"]
    assert (await stack.sql("SELECT result FROM audit WHERE action = 'private_message'"))[0]["result"] == "refused"

    await stack.tg.send_private(AUTHOR, text="Первый черновик про ёлку")
    await wait_private(stack, AUTHOR, "Первый черновик про ёлку")
    await stack.tg.send_private(AUTHOR, text="/new")
    await wait_private(stack, AUTHOR, "Новая публикация")
    await stack.tg.send_private(AUTHOR, text="Второй черновик про каток")
    await wait_private(stack, AUTHOR, "Публикация №2")
    mark = newest(stack, AUTHOR)
    await stack.tg.send_private(AUTHOR, text="/drafts")
    listing = await wait_private(stack, AUTHOR, "Ваши публикации", after=mark)
    assert "№2 — ✏️ черновик: «Второй черновик про каток»" in listing["text"]
    assert "№1 — ✏️ черновик: «Первый черновик про ёлку»" in listing["text"]
    await stack.tg.send_private(AUTHOR, text="/edit 1")
    await wait_private(stack, AUTHOR, "Первый черновик про ёлку", after=listing["message_id"])
    await stack.tg.send_private(AUTHOR, text="Первый черновик про ёлку, исправленный")
    await wait_private(stack, AUTHOR, "исправленный")
    rows = await stack.sql("SELECT d.id, v.text FROM drafts d JOIN draft_versions v ON v.draft_id = d.id"
                           " AND v.version = d.version ORDER BY d.id")
    assert [r["text"] for r in rows] == ["Первый черновик про ёлку, исправленный", "Второй черновик про каток"]
    assert not stack.card_with("про ёлку"), "nothing reaches the work chat before «На согласование»"
