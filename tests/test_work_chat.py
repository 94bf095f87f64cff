"""Work-chat set-ups other than the default: forum topics per community, and polling instead of a webhook."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from bot.config import Config
from tests.conftest import Stack, labels, wall_comment


async def test_cards_go_to_the_community_topic(database_url: str, classifier: Any) -> None:
    def topic(config: Config) -> Config:
        return dataclasses.replace(config, accounts=(dataclasses.replace(config.accounts[0], topic_id=5),))

    stack = await Stack(database_url=database_url, classifier=classifier, tweak=topic, forum_topics=(5,)).start()
    try:
        await stack.event("wall_reply_new", wall_comment(1, "Вопрос в тему"))
        card = await stack.wait_card("Вопрос в тему")
        assert int(card["thread_id"]) == 5
        assert int(stack.tg.calls_of("sendMessage")[0]["message_thread_id"]) == 5
        await stack.press(card, "Оставить")
        await stack.wait_card("Вопрос в тему", where=lambda c: "Оставлено" in c["text"])
    finally:
        await stack.close()


async def test_polling_mode_receives_presses(database_url: str, classifier: Any) -> None:
    def polling(config: Config) -> Config:
        return dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, mode="polling",
                                                                        webhook_secret=None))

    stack = await Stack(database_url=database_url, classifier=classifier, tweak=polling).start()
    try:
        assert not stack.tg.calls_of("setWebhook")
        await stack.event("wall_reply_new", wall_comment(2, "Через опрос"))
        card = await stack.wait_card("Через опрос")
        answer = await stack.press(card, "Удалить")
        assert "удаляем" in answer["text"].lower()
        card = await stack.wait_card("Через опрос", where=lambda c: "Удалено —" in c["text"])
        assert labels(card) == ["♻️ Восстановить", "⛔ Бан"]
        allowed = stack.tg.calls_of("getUpdates")[-1].get("allowed_updates")
        allowed = json.loads(allowed) if isinstance(allowed, str) else allowed
        assert {"callback_query", "message"} <= set(allowed or ()), "polling asks for presses and replies"
    finally:
        await stack.close()
