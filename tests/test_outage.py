"""A network that stays away, and a database that goes away at the worst moment: a moderator's decision waits out
a VK outage far longer than a minute (the card says when the next try is, and offers «Отменить»), and a deletion
VK has carried out while the database was cut off is recorded once, with the time it happened — not done twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest_asyncio

from tests.conftest import Stack, labels, wall_comment


async def _failures_seen(stack: Stack, count: int) -> None:
    await stack.wait_for(lambda: len(stack.vk.calls_of("wall.deleteComment")) >= count, what=f"{count} tries")


async def _recorded(stack: Stack, attempts: int, timeout: float = 15) -> None:
    """The failed try is written back (a try still in flight would not be hurried)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await stack.sql("SELECT 1 FROM actions WHERE status = 'pending' AND started_at IS NULL"
                              " AND attempts >= $1", attempts):
        assert asyncio.get_running_loop().time() < deadline, f"try {attempts} was never recorded"
        await asyncio.sleep(0.05)


async def _hurry(stack: Stack) -> None:
    """Time passes: the waiting action is due now (the backoff itself is not what is tested here)."""
    await stack.sql("UPDATE actions SET retry_at = now() WHERE status = 'pending' AND started_at IS NULL")


async def test_a_decision_waits_out_a_long_outage_and_says_when_it_tries_again(stack: Stack) -> None:
    stack.vk.fail_next("wall.deleteComment", 10, times=9)  # VK's "internal server error", nine times
    await stack.event("wall_reply_new", wall_comment(5100, "Пока ВКонтакте лежит"))
    card = await stack.wait_card("Пока ВКонтакте лежит")
    await stack.press(card, "Удалить")
    card = await stack.wait_card("Пока ВКонтакте лежит", where=lambda c: "повтор в" in c["text"])
    assert "Ждём ВКонтакте: повтор в" in card["text"] and labels(card) == ["✖️ Отменить"]
    for tries in range(2, 11):  # more than the six tries that used to end in a failure
        await _recorded(stack, tries - 1)
        await _hurry(stack)
        await _failures_seen(stack, tries)
    card = await stack.wait_card("Пока ВКонтакте лежит", where=lambda c: "Удалено —" in c["text"], timeout=20)
    [action] = await stack.sql("SELECT status, attempts FROM actions")
    assert (action["status"], action["attempts"]) == ("done", 10)
    await stack.settled()
    assert len(stack.vk.calls_of("wall.deleteComment")) == 10


async def test_a_waiting_decision_can_be_taken_back(stack: Stack) -> None:
    stack.vk.fail_next("wall.deleteComment", 10, times=50)
    await stack.event("wall_reply_new", wall_comment(5200, "Передумали удалять"))
    card = await stack.wait_card("Передумали удалять")
    await stack.press(card, "Удалить")
    card = await stack.wait_card("Передумали удалять", where=lambda c: "✖️ Отменить" in labels(c))
    answer = await stack.press(card, "Отменить")
    assert "Отменено" in answer["text"]
    card = await stack.wait_card("Передумали удалять", where=lambda c: "отменил(а)" in c["text"])
    assert "🗑 Удалить" in labels(card), "the card is free again"
    tries = len(stack.vk.calls_of("wall.deleteComment"))
    await _hurry(stack)
    await stack.settled()
    assert len(stack.vk.calls_of("wall.deleteComment")) == tries, "a cancelled decision is not tried again"
    [action] = await stack.sql("SELECT status, error FROM actions")
    assert (action["status"], action["error"]) == ("failed", "отменено")


@pytest_asyncio.fixture
async def behind_a_gateway(database_url: str, classifier: Any) -> AsyncIterator[Stack]:
    stack = await Stack(database_url=database_url, classifier=classifier, vk_gateway=True).start()
    yield stack
    await stack.close()


async def test_a_deletion_done_while_the_database_was_cut_off_is_recorded_once(behind_a_gateway: Stack) -> None:
    stack = behind_a_gateway
    assert stack.outage is not None
    cut: dict[str, datetime] = {}

    async def cut_the_database(method: str) -> None:
        if method == "wall.deleteComment" and not cut:
            cut["at"] = datetime.now(UTC)
            admin = await asyncpg.connect(stack.database_url)
            try:  # every connection of the service dies, as when PostgreSQL restarts
                await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                    " WHERE datname = current_database() AND pid <> pg_backend_pid()")
            finally:
                await admin.close()

    stack.outage.after = cut_the_database
    await stack.event("wall_reply_new", wall_comment(5300, "Удалить в момент сбоя базы"))
    card = await stack.wait_card("Удалить в момент сбоя базы")
    await stack.press(card, "Удалить")
    await stack.wait_card("Удалить в момент сбоя базы", where=lambda c: "Удалено —" in c["text"], timeout=20)
    await stack.settled()
    assert len(stack.vk.calls_of("wall.deleteComment")) == 1, "done once, not again when the lease ran out"
    [entry] = await stack.sql("SELECT at FROM audit WHERE action = 'delete' AND result = 'ok'")
    assert abs((entry["at"] - cut["at"]).total_seconds()) < 2, "the audit has the time it was done"


def test_the_wait_is_worded_for_each_network() -> None:
    from zoneinfo import ZoneInfo

    from bot.domain import Note
    from bot.moderation.notes import word
    from platforms.ok import kinds as ok_kinds
    from platforms.vk import kinds as vk_kinds

    note = Note("retrying", {"error": "Сеть не отвечает", "at": "2026-11-30T07:42:00+00:00", "attempt": 3})
    tz = ZoneInfo("Europe/Moscow")
    vk = word(note, words=vk_kinds.WORDS, kind=vk_kinds.KINDS["wall_comment"], tz=tz)
    ok = word(note, words=ok_kinds.WORDS, kind=ok_kinds.KINDS["topic_comment"], tz=tz)
    assert "Ждём ВКонтакте: повтор в 10:42 (попытка 3)" in vk
    assert "Ждём ответа Одноклассников: повтор в 10:42" in ok
