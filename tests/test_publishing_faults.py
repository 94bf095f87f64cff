"""Publishing when things go wrong: a worker dies after the network took a post, a network refuses, the service was
down at the post's time. Exactly once per page, and a person decides whatever the service cannot know."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio

from bot.config import Account
from bot.publishing import authoring
from bot.publishing.model import Target, publication_from_row
from bot.publishing.publisher import post_of
from handlers.context import SERVICES
from tests.conftest import AUTHOR, CHANNEL_ID, COORDINATOR, GROUP_ID, OK_GROUP_ID, Stack, labels


@pytest_asyncio.fixture
async def desk(database_url: str, classifier: Any) -> AsyncIterator[Stack]:
    stack = await Stack(database_url=database_url, classifier=classifier, ok=True, publishing=True).start()
    await stack.ok_ready()
    yield stack
    await stack.close()


async def submitted(stack: Stack, text: str, targets: list[str], *, at: datetime | None = None) -> int:
    """A draft submitted the way the control API does it (the same checks and card as the private chat)."""
    assert stack.service is not None
    services = stack.service.app[SERVICES]
    author = stack.config.staff_member(AUTHOR)
    assert author is not None
    result = await authoring.submit_direct(services, author=author, actor=f"tg:{AUTHOR}", text=text, photos=[],
                                           poll=None, targets=[Target.parse(t) for t in targets], publish_at=at)
    assert result.accepted, result.problems
    return result.draft_id


async def test_a_post_taken_by_the_network_before_the_worker_died_is_not_posted_again(desk: Stack) -> None:
    stack = desk
    assert stack.ok is not None
    pages = [f"vk:{GROUP_ID}", f"ok:{OK_GROUP_ID}", f"telegram:{CHANNEL_ID}"]
    draft_id = await submitted(stack, "Завтра субботник в парке Победы, приходите к 10:00!", pages,
                               at=datetime.now(UTC) + timedelta(hours=1))
    card = await stack.wait_card("субботник в парке")
    await stack.press(card, "✅ Одобрить", user_id=COORDINATOR)
    await stack.wait_card("субботник в парке", where=lambda c: "Одобрено" in c["text"])
    # Each page's worker "dies" right after the network took the post: the post is out, nothing is recorded.
    await stack.stop_service()
    await stack.start_service(loops=False)
    assert stack.service is not None
    services = stack.service.app[SERVICES]
    for row in await stack.sql("SELECT * FROM publications ORDER BY id"):
        pub = publication_from_row(row)
        account = services.account(pub.target.network, pub.target.account_id)
        assert isinstance(account, Account)
        async with services.db.connection() as conn:
            post = await post_of(conn, pub)
        await services.platform(pub.target.network).publish(account, post)
    await stack.sql("UPDATE publications SET started_at = now() - interval '1 minute', due_at = now()")
    await stack.stop_service()
    await stack.start_service()  # the leader takes the interrupted publications again

    await stack.wait_card("Неизвестно, вышла ли")
    await stack.wait_for(lambda: bool(stack.card_with("субботник в парке")) and "опубликовано" in (
        stack.card_with("📝 Публикация №") or {}).get("text", ""), what="the draft's card updated")
    rows = {r["network"]: r for r in await stack.sql("SELECT network, status, post_id FROM publications")}
    # VK: the same guid made VK answer with the same post; OK: the topic was found; Telegram: a person checks.
    assert rows["vk"]["status"] == "published" and rows["ok"]["status"] == "published"
    assert rows["telegram"]["status"] == "uncertain"
    assert len([p for p in stack.vk.snapshot()["posts"] if "субботник" in p.get("text", "")]) == 1
    assert len([t for t in stack.ok.snapshot()["topics"] if "субботник" in t.get("text", "")]) == 1
    assert len(stack.tg.channel_view(CHANNEL_ID)) == 1, "the channel's post is not sent a second time"

    alert = await stack.wait_card("Неизвестно, вышла ли")
    assert labels(alert) == ["📤 Опубликовать ещё раз", "✅ Уже опубликовано", "✖️ Отменить"]
    await stack.press(alert, "Уже опубликовано", user_id=COORDINATOR)
    await stack.wait_for(lambda: stack.card_with("Неизвестно, вышла ли") is None or "Опубликовано" in
                         (stack.card_with("Неизвестно, вышла ли") or {}).get("text", ""), what="the alert resolved")
    [row] = await stack.sql("SELECT status FROM drafts WHERE id = $1", draft_id)
    assert row["status"] == "published"


async def test_a_refusal_puts_an_alert_card_and_retry_works_once_the_cause_is_fixed(desk: Stack) -> None:
    stack = desk
    stack.vk.fail_next("wall.post", 15)  # e.g. the user token lost its `wall` right
    await submitted(stack, "График приёма граждан на декабрь: по вторникам с 10 до 13.", [f"vk:{GROUP_ID}"])
    card = await stack.wait_card("График приёма граждан")
    await stack.press(card, "✅ Одобрить", user_id=COORDINATOR)
    alert = await stack.wait_card("Публикация не вышла")
    assert "код VK 15" in alert["text"] and labels(alert) == ["🔁 Повторить", "✖️ Отменить"]
    assert not [p for p in stack.vk.snapshot()["posts"] if "График приёма" in p.get("text", "")]
    await stack.press(alert, "Повторить", user_id=COORDINATOR)
    await stack.wait_for(lambda: len([c for c in stack.vk.calls_of("wall.post") if "response" in c]) == 1,
                         what="the retried post")
    await stack.wait_card("График приёма граждан", where=lambda c: "опубликовано" in c["text"])
    assert len([p for p in stack.vk.snapshot()["posts"] if "График приёма" in p.get("text", "")]) == 1


async def test_a_post_missed_while_the_service_was_down(desk: Stack) -> None:
    """Late by less than the grace period: it goes out on start. Later than that: a coordinator decides."""
    stack = desk
    first = await submitted(stack, "Ночью будут чистить снег на ул. Ленина.", [f"vk:{GROUP_ID}"],
                            at=datetime.now(UTC) + timedelta(hours=1))
    second = await submitted(stack, "Отключение воды в доме 5 по ул. Мира отменено.", [f"vk:{GROUP_ID}"],
                             at=datetime.now(UTC) + timedelta(hours=1))
    for text in ("чистить снег", "Отключение воды"):
        await stack.press(await stack.wait_card(text), "✅ Одобрить", user_id=COORDINATOR)
    await stack.wait_for(lambda: all("Одобрено" in (stack.card_with(t) or {}).get("text", "")
                                     for t in ("чистить снег", "Отключение воды")), what="both approved")
    await stack.stop_service()
    await stack.sql("UPDATE publications SET due_at = now() - interval '10 minutes' WHERE draft_id = $1", first)
    await stack.sql("UPDATE publications SET due_at = now() - interval '2 hours' WHERE draft_id = $1", second)
    await stack.start_service()
    await stack.wait_for(lambda: len(stack.vk.calls_of("wall.post")) == 1, what="the post within the grace period")
    assert "чистить снег" in stack.vk.calls_of("wall.post")[0]["params"]["message"]
    alert = await stack.wait_card("Публикация пропущена")
    assert "Отключение воды" in alert["text"]
    await stack.press(alert, "Отменить", user_id=COORDINATOR)
    await stack.settled()
    assert len(stack.vk.calls_of("wall.post")) == 1
    [row] = await stack.sql("SELECT status FROM publications WHERE draft_id = $1", second)
    assert row["status"] == "cancelled"
