"""The work chat going away and moving: a kicked bot stops the outbox (ERROR once, `/healthz` 503) and resumes when
added back, losing no card; a group upgraded to a supergroup is followed and told so; a 5xx storm makes the whole
outbox back off instead of spending the chat's budget on failing calls."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from bot.config import Config
from tests.conftest import MODERATOR, WORK_CHAT, Stack, wall_comment

BASIC_GROUP = -4001234567
SUPERGROUP = -1009998887776


async def health(stack: Stack) -> tuple[int, dict[str, Any]]:
    assert stack.http is not None
    async with stack.http.get(f"{stack.base}/healthz") as response:
        return response.status, await response.json()


async def test_a_kicked_bot_stops_the_outbox_and_resumes_when_added_back(stack: Stack, caplog: Any) -> None:
    caplog.set_level(logging.WARNING)
    stack.tg.set_bot_status(WORK_CHAT, "kicked", by=MODERATOR)  # Telegram tells the bot (my_chat_member)
    await stack.wait_for(lambda: _lost(stack), what="the service to see the kick")
    status, body = await health(stack)
    assert status == 503 and body["status"] == "work chat unavailable" and "kicked" in body["reason"]
    sends = len(stack.tg.calls_of("sendMessage"))
    for n in range(3):
        await stack.event("wall_reply_new", wall_comment(700 + n, f"Пока бота нет в чате {n}"))
    await _cards_due(stack, 3)
    await asyncio.sleep(3)  # an absence needs a window: longer than the outbox's idle wake-up (2 s)
    assert len(stack.tg.calls_of("sendMessage")) == sends, "nothing is sent to a chat the bot was kicked from"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "does not take cards" in r.getMessage()]
    assert len(errors) == 1
    stack.tg.set_bot_status(WORK_CHAT, "administrator", by=MODERATOR)
    for n in range(3):
        await stack.wait_card(f"Пока бота нет в чате {n}", timeout=20)
    assert (await health(stack))[0] == 200


def _lost(stack: Stack) -> bool:
    from handlers.context import SERVICES

    assert stack.service is not None
    return stack.service.app[SERVICES].chat_health.lost


async def _cards_due(stack: Stack, count: int) -> None:
    for _ in range(300):
        rows = await stack.sql("SELECT count(*) AS n FROM cards WHERE sent_revision < revision")
        if rows[0]["n"] >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} cards were never due")


def basic_group(config: Config) -> Config:
    return dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, work_chat_id=BASIC_GROUP))


@pytest_asyncio.fixture
async def in_a_basic_group(database_url: str, classifier: Any) -> AsyncIterator[Stack]:
    stack = Stack(database_url=database_url, classifier=classifier, tweak=basic_group)
    stack.tg.add_chat(BASIC_GROUP, "Модерация (группа)", kind="group")
    await stack.start()
    yield stack
    await stack.close()


async def test_a_group_upgraded_to_a_supergroup_is_followed(in_a_basic_group: Stack) -> None:
    stack = in_a_basic_group
    await stack.event("wall_reply_new", wall_comment(800, "До переезда чата"))
    await stack.wait_for(lambda: any("До переезда" in m["text"] for m in stack.tg.chat_view(BASIC_GROUP)),
                         what="a card in the basic group")
    stack.tg.migrate_chat(BASIC_GROUP, SUPERGROUP, by=MODERATOR)
    await stack.event("wall_reply_new", wall_comment(801, "После переезда чата"))
    await stack.wait_for(lambda: any("После переезда" in m["text"] for m in stack.tg.chat_view(SUPERGROUP)),
                         what="the card in the supergroup", timeout=20)
    notice = [m for m in stack.tg.chat_view(SUPERGROUP) if "стал супергруппой" in m["text"]]
    assert notice and f"telegram.work_chat_id = {SUPERGROUP}" in notice[0]["text"]
    card = next(m for m in stack.tg.chat_view(SUPERGROUP) if "После переезда" in m["text"])
    data = next(b["callback_data"] for row in card["buttons"] for b in row if "Оставить" in b["text"])
    answer = await stack.tg.press(chat_id=SUPERGROUP, message_id=card["message_id"], callback_data=data,
                                  user_id=MODERATOR)
    assert "оставлен" in answer["text"], "presses in the new chat count"


async def test_a_5xx_storm_makes_the_whole_outbox_wait(stack: Stack) -> None:
    await stack.stop_service()
    await stack.start_service(loops=False)  # VK delivers while the service only answers
    for n in range(5):
        assert (await stack.event("wall_reply_new", wall_comment(900 + n, f"Во время шторма {n}")))["body"] == "ok"
    await stack.stop_service()
    stack.tg.faults.add("sendMessage", 502, description="Bad Gateway", for_seconds=3)
    await stack.start_service()  # five cards are due at once, into a storm of three seconds
    for n in range(5):
        await stack.wait_card(f"Во время шторма {n}", timeout=30)
    calls = len(stack.tg.calls_of("sendMessage"))
    # Per-card retries would fail every card at least once (5+ failed calls); backing off as a whole, the outbox
    # tries again after 2 s, then 4 s: at most three calls meet the storm.
    assert calls <= 5 + 3, calls
    await stack.settled()
    assert sum("Во время шторма" in c["text"] for c in stack.cards()) == 5
