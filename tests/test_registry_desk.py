"""The registry at work: `/registry` in the work chat step by step, the report card and «Отправлено», who may
touch it, the served pages found at start, the public files over HTTP with their caching, and the command line."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest_asyncio

from bot.cli import main as cli_main
from bot.registry.letter import text_of
from tests.conftest import COORDINATOR, GROUP_ID, MODERATOR, WORK_CHAT, Stack, labels


@pytest_asyncio.fixture
async def desk(database_url: str, classifier: Any) -> AsyncIterator[Stack]:
    stack = await Stack(database_url=database_url, classifier=classifier, publishing=True).start()
    yield stack
    await stack.close()


async def reply(stack: Stack, card: dict[str, Any], text: str, user_id: int = COORDINATOR) -> None:
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=user_id, text=text,
                                     reply_to_message_id=card["message_id"])


async def form_step(stack: Stack, question: str) -> dict[str, Any]:
    return await stack.wait_card("Реестр официальных аккаунтов", where=lambda c: question in c["text"])


async def test_an_account_is_added_step_by_step_and_its_report_is_marked_sent(desk: Stack) -> None:
    stack = desk
    today = datetime.now(stack.config.tz).date()
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=COORDINATOR, text="/registry")
    card = await form_step(stack, "Публичная страница")
    assert "ВКонтакте · сообщество «Администрация Октябрьского района»" in card["text"], "served pages are listed"
    await stack.press(card, "Добавить", user_id=COORDINATOR)
    card = await form_step(stack, "Выберите площадку")
    assert {"ВКонтакте", "Telegram", "MAX", "Дзен"} <= set(labels(card))
    await stack.press(card, "MAX", user_id=COORDINATOR)
    card = await form_step(stack, "Выберите тип")
    await stack.press(card, "канал", user_id=COORDINATOR)
    card = await form_step(stack, "наименованием аккаунта")
    await reply(stack, card, "Молодёжь Октябрьского")
    card = await form_step(stack, "ссылкой на аккаунт")
    await reply(stack, card, "max.ru/molodezh")  # no scheme: explained, nothing saved
    answer = await stack.wait_card("Ссылка должна начинаться с https://")
    assert not answer["buttons"]
    await reply(stack, card, "https://max.ru/molodezh_okt")
    card = await form_step(stack, "Какому органу")
    await reply(stack, card, "МКУ «Молодёжный центр»")
    card = await form_step(stack, "Должность ответственного")
    await reply(stack, card, "Сидоров П.П.")
    await stack.wait_card("152-ФЗ", where=lambda c: not c["buttons"])
    await reply(stack, card, "директор МКУ")
    card = await form_step(stack, "Дата создания")
    await stack.press(card, "Сегодня", user_id=COORDINATOR)
    card = await form_step(stack, "Идентификатор")
    await stack.press(card, "Пропустить", user_id=COORDINATOR)
    card = await form_step(stack, "Госуслуги")
    await stack.press(card, "Нет", user_id=COORDINATOR)
    card = await form_step(stack, "Всё верно?")
    assert "Наименование: Молодёжь Октябрьского" in card["text"] and "Должность" not in card["text"]
    await stack.press(card, "Сохранить", user_id=COORDINATOR)
    card = await form_step(stack, "Добавлено: №3 «Молодёжь Октябрьского»")
    assert "сообщить в комитет, что создан, до" in card["text"]

    report = await stack.wait_card("📮 Сообщение в комитет: создан аккаунт")
    assert "осталось 10 дней" in report["text"] and f"Создан: {today:%d.%m.%Y}" in report["text"]
    assert labels(report) == ["📄 Сформировать сообщение", "✅ Отправлено"]
    await stack.press(report, "Сформировать сообщение", user_id=COORDINATOR)
    sent: dict[str, Any] = {}

    def letter_arrived() -> bool:
        found = next((m for m in stack.cards() if m.get("document")), None)
        sent.update(found or {})
        return found is not None

    await stack.wait_for(letter_arrived, what="the letter as a document")
    assert sent["reply_to_message_id"] == report["message_id"] and "подпишите" in sent["caption"]
    assert sent["document"]["file_name"].endswith(".docx")
    data = stack.tg.document_bytes(sent["document"]["file_id"])
    assert data is not None
    text = text_of(data)
    assert "О создании официального аккаунта" in text and "Комитет информации и печати Курской области" in text
    assert f"1 | MAX | канал | Молодёжь Октябрьского | https://max.ru/molodezh_okt | создан | {today:%d.%m.%Y}" in text
    refused = await stack.press(report, "Отправлено", user_id=MODERATOR)  # a moderator does not keep the registry
    assert "реестр аккаунтов ведут" in refused["text"]
    await stack.press(report, "Отправлено", user_id=COORDINATOR)
    report = await stack.wait_card("📮 Сообщение в комитет", where=lambda c: "исходящим номером" in c["text"])
    await reply(stack, report, f"{today:%d.%m.%Y} № 01-15/342")
    report = await stack.wait_card("📮 Сообщение в комитет", where=lambda c: "✅ Отправлено" in c["text"])
    assert f"✅ Отправлено {today:%d.%m.%Y}, исх. № 01-15/342 (Ольга Котова)" in report["text"]
    assert not report["buttons"]
    [row] = await stack.sql("SELECT reported_on, version FROM registry_accounts WHERE name = 'Молодёжь Октябрьского'")
    assert row["reported_on"] == today and row["version"] == 2
    audit = [r["action"] for r in await stack.sql("SELECT action FROM audit WHERE action LIKE 'registry%' ORDER BY id")]
    assert audit == ["registry_found", "registry_found", "registry_added", "registry_letter", "registry_edited",
                     "registry_report_sent"]


async def test_only_the_registry_keepers_open_the_form(desk: Stack) -> None:
    stack = desk
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=MODERATOR, text="/registry")
    answer = await stack.wait_card("реестр аккаунтов ведут администраторы и координаторы")
    assert f"{stack.base}/registry" in answer["text"]
    assert await stack.sql("SELECT * FROM registry_forms") == []


async def test_an_account_is_edited_and_marked_deleted_from_the_chat(desk: Stack) -> None:
    stack = desk
    await stack.tg.send_user_message(chat_id=WORK_CHAT, user_id=COORDINATOR, text="/registry")
    card = await form_step(stack, "Публичная страница")
    await stack.press(card, "Изменить", user_id=COORDINATOR)
    card = await form_step(stack, "Какой аккаунт изменить?")
    await stack.press(card, "№1", user_id=COORDINATOR)
    card = await form_step(stack, "Что изменить?")
    await stack.press(card, "Отметка «Госорганизация»", user_id=COORDINATOR)
    card = await form_step(stack, "подтверждена через Госуслуги")
    await stack.press(card, "Да", user_id=COORDINATOR)
    card = await form_step(stack, "Сохранено: Отметка «Госорганизация».")
    await stack.press(card, "Администраторы", user_id=COORDINATOR)
    card = await form_step(stack, "Список внутренний")
    await reply(stack, card, "100500 creator, 555 administrator")
    card = await form_step(stack, "Сохранено: Администраторы")
    await stack.press(card, "Готово", user_id=COORDINATOR)
    card = await form_step(stack, "✔️ Госорганизация")
    await stack.press(card, "Удалён", user_id=COORDINATOR)
    card = await form_step(stack, "отметить удалённым?")
    await reply(stack, card, "3")  # a number that is not in the registry
    await stack.wait_card("Не нахожу такого номера")
    await reply(stack, card, "1")
    card = await form_step(stack, "С какой даты аккаунт удалён?")
    await stack.press(card, "Сегодня", user_id=COORDINATOR)
    card = await form_step(stack, "Запись останется в реестре")
    await stack.press(card, "Да, удалён", user_id=COORDINATOR)
    card = await form_step(stack, "Отмечено удалённым: №1")
    [row] = await stack.sql("SELECT status, gov_mark, admins FROM registry_accounts WHERE platform = 'vk'")
    assert row["status"] == "deleted" and row["gov_mark"] is True
    assert [a["user_id"] for a in row["admins"]] == ["100500", "555"]
    await stack.wait_card("📮 Сообщение в комитет: удалён аккаунт")
    # an old button of the form no longer acts
    stale = card
    await stack.press(card, "Закрыть", user_id=COORDINATOR)
    await form_step(stack, "Открыть снова: /registry")
    answer = await stack.press(stale, "Добавить", user_id=COORDINATOR)
    assert "Карточка уже изменилась" in answer["text"]


async def test_public_files_are_cached_and_answer_conditional_requests(desk: Stack) -> None:
    stack = desk
    assert stack.http is not None
    async with stack.http.get(f"{stack.base}/registry") as response:
        assert response.status == 200 and response.content_type == "text/html"
        page = await response.text()
        etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "Администрация Октябрьского района" in page and f"vk.com/club{GROUP_ID}" in page
    async with stack.http.get(f"{stack.base}/registry", headers={"If-None-Match": etag}) as response:
        assert response.status == 304
    async with stack.http.get(f"{stack.base}/registry", headers={"If-Modified-Since": modified}) as response:
        assert response.status == 304
    async with stack.http.get(f"{stack.base}/registry.csv") as response:
        rows = list(csv.reader(io.StringIO(await response.text())))
        assert response.headers["Content-Type"].startswith("text/csv") and "charset=utf-8" in response.headers[
            "Content-Type"]
    assert len(rows) == 3 and rows[1][2] == "ВКонтакте"
    async with stack.http.get(f"{stack.base}/registry/meta.csv") as response:
        meta = dict(csv.reader(io.StringIO(await response.text())))
    data_url = next(v for k, v in meta.items() if k.startswith("data-"))
    assert data_url.startswith(f"{stack.base}/registry/data-")
    async with stack.http.get(data_url) as response:
        assert response.status == 200 and (await response.text()).startswith("number,unit,network")
    async with stack.http.get(f"{stack.base}/registry/data-20200101-structure-20200101.csv") as response:
        assert response.status == 404 and "Актуальная версия" in await response.text()
    await stack.sql("UPDATE registry_accounts SET name = 'Новое имя' WHERE platform = 'vk'")
    async with stack.http.get(f"{stack.base}/registry", headers={"If-None-Match": etag}) as response:
        assert response.status == 304, "a change outside the store is not a version: only the store publishes"
    async with stack.http.get(f"{stack.base}/registry.json") as response:
        data = await response.json()
    assert {a["network"] for a in data["accounts"]} == {"ВКонтакте", "Telegram"}


def test_the_command_line_adds_lists_and_reports(database_url: str, tmp_path, monkeypatch, capsys) -> None:
    config = tmp_path / "gospablik.toml"
    config.write_text(
        '[telegram]\nwork_chat_id = -1001234567890\n[[staff]]\nuser_id = 1\nname = "Мария"\nrole = "moderator"\n'
        '[vk]\n[[vk.communities]]\ngroup_id = 229000001\nname = "Администрация"\n'
        '[registry]\norganisation = "Администрация Октябрьского района"\n', encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("VK_GROUP_TOKEN_229000001", "g")
    monkeypatch.setenv("VK_USER_TOKEN_229000001", "u")
    monkeypatch.setenv("VK_SECRET_229000001", "s" * 20)
    base = ["--config", str(config), "registry"]
    assert cli_main([*base, "add", "--unit", "МКУ «Молодёжный центр»", "--network", "MAX", "--kind", "канал",
                     "--name", "Молодёжь", "--url", "https://max.ru/m", "--created", "2026-11-27",
                     "--responsible", "директор"]) == 0
    assert "добавлено: №1  MAX · канал «Молодёжь»" in capsys.readouterr().out
    assert cli_main([*base, "add", "--name", "x"]) == 1
    assert "Не хватает полей" in capsys.readouterr().out
    assert cli_main([*base, "delete", "1", "--date", "2026-11-29"]) == 0
    assert cli_main([*base, "list"]) == 0
    listing = capsys.readouterr().out
    assert "удалён 29.11.2026" in listing and "всего: 1" in listing
    letter = tmp_path / "letter.docx"
    assert cli_main([*base, "report", "--since", "2026-11-01", "--output", str(letter)]) == 0
    text = text_of(letter.read_bytes())
    assert "Молодёжь | https://max.ru/m | создан | 27.11.2026" in text and "удалён | 29.11.2026" in text
    assert cli_main([*base, "history", "1"]) == 0
    assert "added" in capsys.readouterr().out


async def test_a_due_report_is_reminded_once_as_a_reply_to_its_card(desk: Stack) -> None:
    from datetime import timedelta

    from bot.registry import desk as registry_desk
    from bot.registry import store
    from handlers.context import SERVICES

    stack = desk
    assert stack.service is not None
    services = stack.service.app[SERVICES]
    today = datetime.now(stack.config.tz).date()
    async with services.db.transaction() as conn:
        await store.add(conn, {"unit": "МКУ", "network": "MAX", "kind": "канал", "name": "Канал МКУ",
                               "url": "https://max.ru/mku", "created_on": today - timedelta(days=9)},
                        actor=store.Actor("test"), clock=registry_desk.clock(stack.config))
    card = await stack.wait_card("📮 Сообщение в комитет", where=lambda c: "остался 1 день" in c["text"])
    assert await registry_desk.remind(services) == 0, "a report that starts inside a window is its own news"
    await stack.sql("UPDATE registry_reports SET due_on = $1", today)  # the next morning, as it were
    assert await registry_desk.remind(services) == 1
    reminder = await stack.wait_card("⏰ Напоминание")
    assert reminder["reply_to_message_id"] == card["message_id"]
    assert "о создании аккаунта «Канал МКУ» нужно направить до" in reminder["text"]
    assert "срок сегодня" in reminder["text"]
    await stack.wait_card("📮 Сообщение в комитет", where=lambda c: "срок сегодня" in c["text"])
    assert await registry_desk.remind(services) == 0
