"""Account security end to end: the check asks the emulated VK, OK and Telegram over HTTP; a revoked token, an
expiring one, a stranger made administrator, a bot demoted in the channel each become an alert card with what
to do, which the next check closes once fixed; /healthz tells a monitor; the /security checklist is ticked."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest_asyncio

from bot.config import Config
from bot.security.check import run
from handlers.context import SERVICES
from tests.conftest import ADMIN_USER, CHANNEL_ID, COORDINATOR, GROUP_ID, MODERATOR, OK_ADMIN, WORK_CHAT, Stack, labels

SOON = date.today() + timedelta(days=3)


def expiring_user_token(config: Config) -> Config:
    vk = config.accounts[0]
    settings = dataclasses.replace(vk.settings, user_token_expires=SOON)
    return dataclasses.replace(config, accounts=(dataclasses.replace(vk, settings=settings), *config.accounts[1:]))


@pytest_asyncio.fixture
async def guarded(database_url: str, classifier: Any) -> AsyncIterator[Stack]:
    stack = await Stack(database_url=database_url, classifier=classifier, ok=True, publishing=True,
                        tweak=expiring_user_token).start()
    await stack.ok_ready()
    yield stack
    await stack.close()


async def check(stack: Stack) -> Any:
    assert stack.service is not None
    return await run(stack.service.app[SERVICES])


def alert(stack: Stack, fragment: str) -> dict[str, Any] | None:
    return next((c for c in stack.cards() if c["text"].startswith(("🚨", "⏳")) and fragment in c["text"]), None)


async def test_a_healthy_deployment_asks_only_who_should_administer(guarded: Stack) -> None:
    stack = guarded
    outcome = await check(stack)
    titles = {c.title_ru: c.valid for c in outcome.credentials}
    assert all(titles.values()), titles
    assert len(titles) == 6, "VK: two tokens; OK: two; the channel's bot; the work chat's bot"
    assert outcome.rosters[f"vk:{GROUP_ID}"][0].user_id == str(ADMIN_USER)
    assert outcome.rosters[f"ok:{stack.ok.group_id}"][0].user_id == OK_ADMIN  # type: ignore[union-attr]
    card = await stack.wait_card("Список администраторов: ВКонтакте")
    assert f"id {ADMIN_USER}" in card["text"] or "creator" in card["text"]
    await stack.press(card, "Принять текущий список", user_id=COORDINATOR)
    await stack.wait_card("Список администраторов: ВКонтакте", where=lambda c: "✅ текущий список принят" in c["text"])
    [row] = await stack.sql("SELECT admins FROM registry_accounts WHERE platform = 'vk'")
    assert [(a["user_id"], a["role"]) for a in row["admins"]] == [(str(ADMIN_USER), "creator")]
    expiry = await stack.wait_card("⏳ Безопасность: токен администратора сообщества ВКонтакте")
    assert f"заканчивается {SOON:%d.%m.%Y}" in expiry["text"]
    again = await check(stack)
    assert again.raised == 0, "a problem that persists is one card, not one per check"


async def test_a_stranger_made_administrator_raises_an_alert_until_settled(guarded: Stack) -> None:
    stack = guarded
    await stack.sql("UPDATE registry_accounts SET admins = $1 WHERE platform = 'vk'",
                    [{"user_id": str(ADMIN_USER), "role": "creator", "note": ""}])
    stack.vk.add_user(777001, "Игорь", "Посторонний")
    stack.vk.add_manager(777001, "administrator")
    outcome = await check(stack)
    assert outcome.raised >= 1
    card = await stack.wait_card("Новый администратор: ВКонтакте")
    assert "Игорь Посторонний (id 777001) — administrator" in card["text"]
    assert labels(card) == ["✅ Это наш сотрудник", "👀 Принято"]
    refused = await stack.press(card, "Это наш", user_id=MODERATOR)
    assert "безопасностью аккаунтов занимаются" in refused["text"]
    await stack.press(card, "Принято", user_id=COORDINATOR)
    card = await stack.wait_card("Новый администратор",
                                 where=lambda c: "👀 Принято в работу: Ольга Котова" in c["text"])
    stack.vk.remove_manager(777001)  # the specialist removed the stranger in VK
    await check(stack)
    await stack.wait_card("Новый администратор", where=lambda c: "✅ исправлено" in c["text"])
    stack.vk.add_manager(777001, "editor")
    await check(stack)
    card = await stack.wait_card("(id 777001) — editor")
    await stack.press(card, "Это наш сотрудник", user_id=COORDINATOR)
    await stack.wait_card("— editor", where=lambda c: "✅ добавлен в список доступа (Ольга Котова)" in c["text"])
    [row] = await stack.sql("SELECT admins FROM registry_accounts WHERE platform = 'vk'")
    assert ("777001", "editor") in [(a["user_id"], a["role"]) for a in row["admins"]]
    assert (await check(stack)).raised == 0


async def test_revoked_tokens_alert_and_close_once_fixed(guarded: Stack) -> None:
    stack = guarded
    assert stack.ok is not None and stack.http is not None
    stack.vk.revoke_token("user")
    stack.ok.revoke_token("user")
    stack.tg.set_bot_membership(CHANNEL_ID, "member", {})
    outcome = await check(stack)
    failing = {c.key for c in outcome.failing}
    assert failing == {f"vk:{GROUP_ID}:user", f"ok:{stack.ok.group_id}:user", f"telegram:{CHANNEL_ID}:bot"}
    vk = await stack.wait_card("🚨 Безопасность: токен администратора сообщества ВКонтакте")
    assert "код VK 5" in vk["text"] and f"VK_USER_TOKEN_{GROUP_ID}" in vk["text"]
    ok = await stack.wait_card("🚨 Безопасность: токен администратора группы в Одноклассниках")
    assert "код OK 102" in ok["text"]
    await stack.wait_card("🚨 Безопасность: бот в канале Telegram", where=lambda c: "Публикация сообщений" in c["text"])
    async with stack.http.get(f"{stack.base}/healthz") as response:
        health = await response.json()
    assert response.status == 200 and health["status"] == "ok"
    assert {f["key"] for f in health["credentials"]["failing"]} == failing
    stack.vk.restore_token("user")
    await stack.press(vk, "Проверить снова", user_id=COORDINATOR)
    await stack.wait_card("токен администратора сообщества ВКонтакте", where=lambda c: "✅ исправлено" in c["text"],
                          timeout=30)
    assert alert(stack, "Одноклассниках") is not None and "✅" not in alert(stack, "Одноклассниках")["text"]  # type: ignore[index]


async def test_the_security_card_is_ticked_with_dates(guarded: Stack) -> None:
    stack = guarded
    await check(stack)
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, text="/security")
    await stack.wait_card("безопасностью аккаунтов занимаются администраторы")
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=COORDINATOR, text="/security")
    card = await stack.wait_card("🔐 Безопасность аккаунтов")
    assert "✅ ключ доступа сообщества ВКонтакте" in card["text"]
    assert "⚠️ Пересмотр администраторов — не было" in card["text"]
    await stack.press(card, "Отметить сделанное", user_id=COORDINATOR)
    card = await stack.wait_card("🔐 Безопасность аккаунтов", where=lambda c: "Для какого аккаунта" in c["text"])
    await stack.press(card, "№1", user_id=COORDINATOR)
    card = await stack.wait_card("🔐 Безопасность аккаунтов", where=lambda c: "Что сделано?" in c["text"])
    await stack.press(card, "2FA", user_id=COORDINATOR)
    today = datetime.now(stack.config.tz).date()
    card = await stack.wait_card("🔐 Безопасность аккаунтов", where=lambda c: "Отмечено: Двухфакторная" in c["text"])
    assert f"✅ Двухфакторная аутентификация владельца — {today:%d.%m.%Y}" in card["text"]
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=COORDINATOR, text="01.11.2026",
                                     reply_to_message_id=card["message_id"])
    card = await stack.wait_card("🔐 Безопасность аккаунтов", where=lambda c: "Дата исправлена" in c["text"])
    assert "✅ Двухфакторная аутентификация владельца — 01.11.2026" in card["text"]
    await stack.press(card, "Отметить сделанное", user_id=COORDINATOR)
    card = await stack.wait_card("🔐 Безопасность аккаунтов", where=lambda c: "Для какого аккаунта" in c["text"])
    await stack.press(card, "№1", user_id=COORDINATOR)
    card = await stack.wait_card("🔐 Безопасность аккаунтов", where=lambda c: "Что сделано?" in c["text"])
    await stack.press(card, "Госуслуги", user_id=COORDINATOR)
    await stack.wait_card("🔐 Безопасность аккаунтов", where=lambda c: "Отмечено: Подтверждение" in c["text"])
    [row] = await stack.sql("SELECT gov_mark FROM registry_accounts WHERE id = 1")
    assert row["gov_mark"] is True, "the Госуслуги tick is the registry's «Госорганизация» mark"
    ticks = await stack.sql("SELECT item, done_on FROM security_ticks ORDER BY item")
    assert [(t["item"], t["done_on"]) for t in ticks] == [("gosuslugi", today), ("two_factor", date(2026, 11, 1))]


async def test_check_config_online_tries_every_credential(guarded: Stack, capsys: Any) -> None:
    from bot.cli import _check_online

    stack = guarded
    stack.vk.revoke_token("group")
    assert await _check_online(stack.config) == 1
    out = capsys.readouterr().out
    assert "✅ база данных: PostgreSQL" in out
    assert "✅ токен администратора группы в Одноклассниках" in out and "✅ бот рабочего чата в Telegram" in out
    assert "❌ ключ доступа сообщества ВКонтакте" in out and "что сделать: Создайте новый ключ" in out
    stack.vk.restore_token("group")
    assert await _check_online(stack.config) == 0
