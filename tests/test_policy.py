"""The classifier on every card, and the community's policy applied before the card is sent."""

from __future__ import annotations

from typing import Any

from bot.config import LabelPolicy
from bot.domain import PolicyAction
from tests.conftest import Stack, labels, wall_comment

SPAM = "Заработок от 5000 в день без вложений! Пиши в телеграм @easy_money_bot"
MAT = "Да когда уже этот пиздец с дорогой закончится"
CLEAN = "Подскажите, пожалуйста, часы приёма главы района"


async def start(database_url: str, classifier: Any, **kw: Any) -> Stack:
    return await Stack(database_url=database_url, classifier=classifier, **kw).start()


async def test_labels_and_flagged_spans_are_on_the_card(stack: Stack) -> None:
    await stack.event("wall_reply_new", wall_comment(1, MAT))
    card = await stack.wait_card("с дорогой закончится")
    assert "⚠️" in card["text"] and "мат" in card["text"]
    assert "<b><u>пиздец</u></b>" in card["html"] or "<u><b>пиздец</b></u>" in card["html"]
    await stack.event("wall_reply_new", wall_comment(2, CLEAN))
    clean = await stack.wait_card("часы приёма")
    assert "⚠️" not in clean["text"]
    stored = await stack.sql("SELECT verdict FROM items WHERE ext_id LIKE '%\\_1' ESCAPE '\\'")
    assert stored[0]["verdict"]["labels"] == ["obscene"]


async def test_auto_delete_acts_at_once_and_offers_restore(database_url: str, classifier: Any) -> None:
    stack = await start(database_url, classifier, policy={"spam": LabelPolicy(PolicyAction.AUTO_DELETE)})
    try:
        await stack.event("wall_reply_new", wall_comment(3, SPAM))
        await stack.event("wall_reply_new", wall_comment(4, CLEAN))
        card = await stack.wait_card("без вложений", where=lambda c: "Удалено —" in c["text"])
        assert "Автомодерация" in card["text"] and "по правилу «спам»" in card["text"]
        assert "🤖 Удалено автоматически по правилу «спам»: " in card["text"], "and what in the text triggered it"
        assert labels(card) == ["♻️ Восстановить", "⛔ Бан"]
        deletes = [c for c in stack.vk.calls if c["method"] == "wall.deleteComment"]
        assert len(deletes) == 1 and deletes[0]["params"]["comment_id"] == "3"
        clean = await stack.wait_card("часы приёма")
        assert labels(clean) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"]
        # A person can undo the machine.
        await stack.press(card, "Восстановить")
        await stack.wait_card("без вложений", where=lambda c: "Восстановлено —" in c["text"])
    finally:
        await stack.close()


async def test_auto_delete_and_ban(database_url: str, classifier: Any) -> None:
    policy = {"obscene": LabelPolicy(PolicyAction.AUTO_DELETE_AND_BAN, ban_days=1)}
    stack = await start(database_url, classifier, policy=policy)
    try:
        await stack.event("wall_reply_new", wall_comment(5, MAT))
        card = await stack.wait_card("с дорогой закончится", where=lambda c: "заблокирован" in c["text"])
        assert "1 день" in card["text"]
        ban = [c for c in stack.vk.calls if c["method"] == "groups.ban"]
        assert len(ban) == 1 and ban[0]["params"]["reason"] == "3"  # VK's "profanity"
    finally:
        await stack.close()


async def test_dry_run_records_what_would_be_done(database_url: str, classifier: Any) -> None:
    stack = await start(database_url, classifier, dry_run=True,
                        policy={"spam": LabelPolicy(PolicyAction.AUTO_DELETE)})
    try:
        await stack.event("wall_reply_new", wall_comment(6, SPAM))
        card = await stack.wait_card("без вложений")
        assert "Режим проверки" in card["text"]
        assert labels(card) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"]
        assert not [c for c in stack.vk.calls if c["method"] == "wall.deleteComment"]
        audit = await stack.sql("SELECT result, actor FROM audit WHERE action = 'delete'")
        assert audit == [{"result": "dry_run", "actor": "system"}]
    finally:
        await stack.close()


async def test_insults_are_never_acted_on_without_a_person(database_url: str, classifier: Any) -> None:
    # Even if a policy for insults slipped past the configuration check, the judge refuses it.
    stack = await start(database_url, classifier, policy={"insult": LabelPolicy(PolicyAction.AUTO_DELETE)})
    try:
        await stack.event("wall_reply_new", wall_comment(7, "Глава района идиот и дебил"))
        card = await stack.wait_card("идиот и дебил")
        assert "оскорбление" in card["text"]
        assert labels(card) == ["✅ Оставить", "🗑 Удалить", "⛔ Бан", "💬 Ответить"]
        assert not [c for c in stack.vk.calls if c["method"] == "wall.deleteComment"]
    finally:
        await stack.close()


async def test_the_same_text_from_several_accounts_is_spam(stack: Stack) -> None:
    text = "Отличная новость, спасибо всем кто участвовал в субботнике в нашем дворе"
    for number, author in enumerate((70000001, 70000002, 70000003)):
        await stack.event("wall_reply_new", wall_comment(80 + number, text, from_id=author))
    await stack.wait_for(lambda: len(stack.cards()) == 3, what="three cards")
    rows = await stack.sql("SELECT author_id, verdict FROM items ORDER BY id")
    # The first two are an ordinary invitation; the third copy from another account makes it a campaign.
    assert [("spam" in r["verdict"]["labels"]) for r in rows] == [False, False, True]
    reasons = [r["rule"] for r in rows[-1]["verdict"]["reasons"]]
    assert any("repeat" in r for r in reasons), reasons
