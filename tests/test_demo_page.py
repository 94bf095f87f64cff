"""The demo page in a real browser (headless Chromium through Playwright) against the whole demo service:
a citizen's VK comment → a card in the work chat → «Удалить» pressed on the page → the comment greys out; the
same for an OK comment (found by polling); an OK message → a card with «✅ Обработано»; an older service
without OK hides the OK tab; and the content plan: an author's draft with a photo sent in the «Публикации» tab, its
pages chosen and submitted with the bot's buttons, approved by a coordinator in the work chat, then shown in the
channel and on the VK wall; a draft returned with the coordinator's comment, typed as a reply to its card; and a
service without a content plan hides the «Публикации» tab; and the «Безопасность» block: a stranger made
administrator, the VK keys revoked and given back.

Needs Debian's Chromium at /usr/bin/chromium and the `playwright` Python package (no downloaded browsers).
Without them the tests are skipped, unless GOSPABLIK_REQUIRE_BROWSER=1 says they must run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp import web

from bot.demo import OK_TOPICS, Emulators, _accept_administrators, build_demo_app, demo_config, subscribe_ok
from tests.conftest import _with_database, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
REQUIRED = os.environ.get("GOSPABLIK_REQUIRE_BROWSER") == "1"
CARD_TIMEOUT = 20_000  # ms: OK comments are polled every 2 s, and the machine may be loaded
ALERT_TIMEOUT = 60_000  # ms: a card behind a busy chat's 20-a-minute limit
STEP_TIMEOUT = 15_000


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (GOSPABLIK_REQUIRE_BROWSER=1 requires the browser test)", pytrace=False)
    pytest.skip(reason)


def playwright_module() -> Any:
    reason = "Playwright is not installed (pip install playwright; its browsers are not needed)"
    if REQUIRED:
        try:
            import playwright.async_api as module
        except ImportError:
            unavailable(reason)
        return module
    return pytest.importorskip("playwright.async_api", reason=reason)


@dataclass
class Demo:
    base: str
    emulators: Emulators
    page: Any  # playwright.async_api.Page
    browser: Any
    expect: Any
    errors: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base}/sandbox/"


async def wait_until(predicate: Any, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
def browser_ready() -> Any:
    """The playwright module, once Chromium and Playwright are known to be there (checked before the database)."""
    module = playwright_module()
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return module


@pytest_asyncio.fixture(scope="module")
async def demo(browser_ready: Any, pg_url: str) -> AsyncIterator[Demo]:
    pw = browser_ready
    name = f"t_demo_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    folder = Path(tempfile.mkdtemp(prefix="gospablik-demo-page-"))
    port = free_port()
    config, keys = demo_config(host="127.0.0.1", port=port, data_dir=folder)
    # The tests share one chat and would spend its 20-a-minute budget in a few seconds: the page is what is tested
    # here, not the notifier's patience (tests/test_work_chat.py covers the limit).
    config = dataclasses.replace(config, database_url=_with_database(pg_url, name),
                                 telegram=dataclasses.replace(config.telegram, messages_per_minute=120))
    app, emulators = build_demo_app(config, keys)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await subscribe_ok(app)  # as `gospablik demo` does: OK pushes group messages to the service
        await _accept_administrators(app)  # and today's administrators are the ones who should be
        await wait_until(lambda: any(m == "setWebhook" for m, _ in emulators.telegram.calls),
                         "the service to connect to the emulated Telegram")
        async with pw.async_playwright() as playwright:
            try:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                           args=CHROMIUM_ARGS)
            except Exception as exc:  # installed but cannot start (no shared libraries, no /dev/shm…)
                unavailable(f"Chromium at {CHROMIUM} cannot start: {exc}")
            try:
                context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
                page = await context.new_page()
                page.set_default_timeout(STEP_TIMEOUT)
                demo = Demo(base=f"http://127.0.0.1:{port}", emulators=emulators, page=page, browser=browser,
                            expect=pw.expect)
                page.on("pageerror", lambda error: demo.errors.append(str(error)))
                await page.goto(demo.url)
                yield demo
            finally:
                await browser.close()
    finally:
        await runner.cleanup()
        admin = await asyncpg.connect(pg_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        shutil.rmtree(folder, ignore_errors=True)


def tag() -> str:
    return uuid.uuid4().hex[:6]


async def test_vk_comment_card_and_delete(demo: Demo) -> None:
    page, expect = demo.page, demo.expect
    await expect(page.locator("#group-name")).to_have_text(demo.emulators.vk.state.group_name)
    await expect(page.locator("#wall .post").first).to_be_visible()
    text = f"Когда починят освещение во дворе на ул. Мира, 12? Проверка {tag()}"
    await page.fill("#c-text", text)
    await page.click("#c-send")
    await expect(page.locator("#c-status")).to_have_text("Сервис принял событие")
    comment = page.locator("#wall .comment", has_text=text)
    await expect(comment).to_be_visible()
    comment_id = await comment.get_attribute("data-comment-id")

    card = page.locator("#chat .bubble", has_text=text)
    await expect(card).to_be_visible(timeout=CARD_TIMEOUT)
    await card.get_by_role("button", name="🗑 Удалить").click()
    deleted = page.locator(f'#wall .comment.deleted[data-comment-id="{comment_id}"]')
    await expect(deleted).to_be_visible(timeout=CARD_TIMEOUT)
    await expect(deleted).to_contain_text("удалён")
    assert demo.errors == []


async def test_ok_comment_card_and_delete(demo: Demo) -> None:
    page, expect = demo.page, demo.expect
    await page.click("#net-ok")
    await expect(page.locator("#ok-view")).to_be_visible()
    await expect(page.locator("#vk-view")).to_be_hidden()
    await expect(page.locator("#ok-topics .post").first).to_contain_text(OK_TOPICS[0])

    text = f"А каток работает в праздничные дни? Проверка {tag()}"
    await page.select_option("#ok-c-author", "__other")  # a citizen who is not in the list yet
    await page.fill("#ok-c-name", "Вера Новикова")
    await page.fill("#ok-c-text", text)
    await page.click("#ok-c-send")
    await expect(page.locator("#ok-c-status")).to_contain_text("через пару секунд")
    comment = page.locator("#ok-topics .comment", has_text=text)
    await expect(comment).to_contain_text("Вера Новикова")
    comment_id = await comment.get_attribute("data-comment-id")

    card = page.locator("#chat .bubble", has_text=text)
    await expect(card).to_be_visible(timeout=CARD_TIMEOUT)  # found by the service's poll, not pushed
    await card.get_by_role("button", name="🗑 Удалить").click()
    deleted = page.locator(f'#ok-topics .comment.deleted[data-comment-id="{comment_id}"]')
    await expect(deleted).to_be_visible(timeout=CARD_TIMEOUT)
    await expect(deleted).to_contain_text("удалён")
    found = demo.emulators.ok.state.find_comment(comment_id or "")
    assert found is not None and found[1].state == "deleted"
    assert demo.errors == []


async def test_ok_message_card(demo: Demo) -> None:
    page, expect = demo.page, demo.expect
    await page.click("#net-ok")
    text = f"Здравствуйте! Когда включат отопление на ул. Садовой? Проверка {tag()}"
    await page.select_option("#ok-m-author", label="Николай Седов")
    await page.fill("#ok-m-text", text)
    await page.click("#ok-m-send")
    await expect(page.locator("#ok-m-status")).to_have_text("Сообщение доставлено, сервис его принял")
    await expect(page.locator("#ok-dialogs .dm", has_text=text)).to_contain_text("Николай Седов")
    card = page.locator("#chat .bubble", has_text=text)
    await expect(card.get_by_role("button", name="✅ Обработано")).to_be_visible(timeout=CARD_TIMEOUT)
    assert demo.errors == []


async def test_older_service_without_ok_hides_the_tab(demo: Demo) -> None:
    page, expect = demo.page, demo.expect
    # A fresh page in the same browser, told by the "service" that it has no OK group.
    context = await demo.browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    try:
        old = await context.new_page()
        errors: list[str] = []
        old.on("pageerror", lambda error: errors.append(str(error)))

        async def without_ok(route: Any) -> None:
            response = await route.fetch()
            state = await response.json()
            state.pop("ok", None)
            await route.fulfill(response=response, body=json.dumps(state), content_type="application/json")

        await old.route("**/sandbox/api/state", without_ok)
        await old.route("**/sandbox/api/ok/**", lambda route: route.abort())  # an older service has no such routes
        await old.goto(demo.url + "#ok")
        await expect(old.locator("#wall .post").first).to_be_visible(timeout=STEP_TIMEOUT)
        await expect(old.locator("#net-switch")).to_be_hidden()
        await expect(old.locator("#ok-view")).to_be_hidden()
        await expect(old.locator("#tab-ok-calls")).to_be_hidden()
        assert await old.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out on a phone
        assert errors == []
    finally:
        await context.close()
    await expect(page.locator("#net-switch")).to_be_visible()


PUBLISH_TIMEOUT = 20_000  # ms: approval → the publisher's worker posts to VK, OK and the channel


async def test_author_draft_approved_and_published(demo: Demo) -> None:
    page, expect = demo.page, demo.expect
    await page.click("#net-pub")
    await expect(page.locator("#pub-view")).to_be_visible()
    await expect(page.locator("#vk-view")).to_be_hidden()
    await expect(page.locator("#pub-person")).to_have_value("444444")  # Анна Смирнова, the author of «Отдел ЖКХ»

    text = f"В субботу в 11:00 приглашаем жителей на субботник в сквере на ул. Мира. Проверка {tag()}"
    await page.check('#pub-samples input[value="park.png"]')
    await page.fill("#pub-text", text)
    await page.click("#pub-send")
    await expect(page.locator("#pub-status")).to_contain_text("Отправлено")
    mine = page.locator("#pub-chat .bubble.human", has_text=text)
    await expect(mine).to_contain_text("1 фото")  # the text went as the photo's caption

    panel = page.locator("#pub-chat .bubble.bot", has_text=text)  # the bot's panel repeats the draft
    await panel.get_by_role("button", name="📍 Страницы").click()
    # Every press makes the bot edit the panel and re-issue its buttons: wait for each edit before the next press.
    for network in ("ВКонтакте", "Одноклассники", "Telegram"):
        await panel.get_by_role("button", name=re.compile(f"^⬜ {network}")).click()
        await expect(panel.get_by_role("button", name=re.compile(f"^✅ {network}"))).to_be_visible()
    await panel.get_by_role("button", name="Готово").click()
    await panel.get_by_role("button", name="📨 На согласование").click()
    await expect(panel).to_contain_text("на согласовании")

    card = page.locator("#chat .bubble", has_text=text)
    approve = card.get_by_role("button", name="✅ Одобрить")
    await expect(approve).to_be_visible(timeout=CARD_TIMEOUT)
    presser = await page.input_value("#presser")
    await page.select_option("#presser", "555555")  # Игорь Лебедев, a coordinator
    try:
        await approve.click()
        await expect(card).to_contain_text("Одобрено — Игорь Лебедев", timeout=STEP_TIMEOUT)

        post = page.locator("#channel .channel-post", has_text=text)
        await expect(post).to_be_visible(timeout=PUBLISH_TIMEOUT)
        await expect(post.locator(".att.photos")).to_have_text("📷 1 фото")

        await page.click("#net-vk")
        wall_post = page.locator("#wall .post", has_text=text)
        await expect(wall_post).to_be_visible(timeout=PUBLISH_TIMEOUT)
        await expect(wall_post.locator(".att.photos")).to_have_text("📷 1 фото")
        await expect(wall_post.locator(".thumbs img")).to_have_count(1)

        await page.click("#net-ok")
        topic = page.locator("#ok-topics .post", has_text=text)
        await expect(topic.locator(".att.photos")).to_have_text("📷 1 фото", timeout=PUBLISH_TIMEOUT)
    finally:
        await page.select_option("#presser", presser)
    assert demo.errors == []


async def test_draft_returned_with_a_comment_as_a_reply_to_its_card(demo: Demo) -> None:
    page, expect = demo.page, demo.expect
    text = f"Плановое отключение горячей воды на ул. Садовой с 10 по 12 июня. Проверка {tag()}"
    response = await page.request.post(f"{demo.base}/sandbox/api/drafts", data={
        "author_id": 444444, "text": text, "targets": [f"vk:{demo.emulators.vk.group_id}"]})
    assert response.ok, await response.text()
    card = page.locator("#chat .bubble", has_text=text)
    await expect(card.get_by_role("button", name="↩️ На доработку")).to_be_visible(timeout=CARD_TIMEOUT)
    presser = await page.input_value("#presser")
    await page.select_option("#presser", "555555")  # Игорь Лебедев, a coordinator
    try:
        await card.get_by_role("button", name="↩️ На доработку").click()
        # The card asks for the comment as a reply to it, and the page points the reply box at the card.
        chat = await (await page.request.get(f"{demo.base}/sandbox/api/telegram/chat")).json()
        message_id = next(m["message_id"] for m in chat if text in m["text"])
        await expect(page.locator("#t-reply")).to_contain_text(f"Ответ на сообщение №{message_id}")
        comment = "Добавьте, пожалуйста, номера домов."
        await page.fill("#t-text", comment)
        await page.click("#t-send")
        await expect(card).to_contain_text(f"Комментарий: «{comment}»", timeout=STEP_TIMEOUT)
    finally:
        await page.select_option("#presser", presser)
    await page.click("#net-pub")
    # The author gets the comment as a message; the redrawn panel below it shows it too.
    notice = page.locator("#pub-chat .bubble.bot", has_text="возвращена на доработку")
    await expect(notice).to_contain_text(comment, timeout=STEP_TIMEOUT)
    assert demo.errors == []


async def test_service_without_content_plan_hides_the_tab(demo: Demo) -> None:
    expect = demo.expect
    context = await demo.browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    try:
        old = await context.new_page()
        errors: list[str] = []
        old.on("pageerror", lambda error: errors.append(str(error)))

        async def without_plan(route: Any) -> None:
            response = await route.fetch()
            state = await response.json()
            state.pop("targets", None)
            state["telegram"].pop("channel", None)
            await route.fulfill(response=response, body=json.dumps(state), content_type="application/json")

        await old.route("**/sandbox/api/state", without_plan)
        await old.goto(demo.url + "#pub")
        await expect(old.locator("#wall .post").first).to_be_visible(timeout=STEP_TIMEOUT)
        await expect(old.locator("#net-switch")).to_be_visible()
        await expect(old.locator("#net-pub")).to_be_hidden()
        await expect(old.locator("#pub-view")).to_be_hidden()
        assert await old.evaluate("document.documentElement.scrollWidth") <= 390
        assert errors == []
    finally:
        await context.close()


async def test_security_block_adds_a_stranger_and_revokes_keys(demo: Demo) -> None:
    """«Безопасность» under the VK wall: a stranger made administrator and removed again; each VK key revoked and
    given back, with the control API (and so the emulated VK) following every press."""
    page, expect, vk = demo.page, demo.expect, demo.emulators.vk

    async def control(path: str) -> Any:
        return await (await page.request.get(f"{demo.base}/sandbox/api/{path}")).json()

    await page.click("#net-vk")
    card = page.locator("#sec-card")
    await expect(card).to_be_visible()
    creator = page.locator(f'#sec-admins tr[data-user-id="{vk.admin_user_id}"]')
    await expect(creator).to_contain_text("создатель")
    before = set(vk.managers())
    await card.get_by_role("button", name="Добавить постороннего администратора").click()
    await expect(page.locator("#sec-status")).to_contain_text("стал администратором")
    stranger = next(u for u in vk.managers() if u not in before)
    try:
        row = page.locator(f'#sec-admins tr[data-user-id="{stranger}"]')
        user = vk.state.user(stranger)
        await expect(row).to_contain_text(f"{user['first_name']} {user['last_name']}")
        await expect(row).to_contain_text("администратор")
        assert {"user_id": stranger, "role": "administrator"}.items() <= next(
            a for a in (await control("vk/admins"))["admins"] if a["user_id"] == stranger).items()
        await row.get_by_role("button", name="Снять").click()
        await expect(row).to_have_count(0)
        assert stranger not in [a["user_id"] for a in (await control("vk/admins"))["admins"]]

        for kind, revoke in (("user", "Отозвать токен администратора"), ("group", "Отозвать ключ сообщества")):
            token = page.locator(f'#sec-tokens [data-token="{kind}"]')
            await expect(token).to_contain_text("действует")
            await token.get_by_role("button", name=revoke).click()
            await expect(token).to_contain_text("отозван")
            assert (await control("vk/tokens"))[kind]["revoked"] is True
            assert (await control("state"))["vk"]["tokens"][kind]["valid"] is False
            await token.get_by_role("button", name="Вернуть").click()
            await expect(token).to_contain_text("действует")
            again = (await control("vk/tokens"))[kind]
            assert (again["revoked"], again["valid"]) == (False, True)
    finally:  # the demo is shared by the module: leave the community as it was
        for kind in ("user", "group"):
            vk.restore_token(kind)
        if stranger in vk.managers():
            vk.remove_manager(stranger)
    assert demo.errors == []


async def test_revoked_token_raises_an_alert_card_in_the_chat(demo: Demo) -> None:
    """A newcomer revokes the administrator's token on the page, asks for a check with /security, and sees the
    alert card with what to do; given back, the next check closes it."""
    page, expect, vk = demo.page, demo.expect, demo.emulators.vk
    await page.click("#net-vk")
    token = page.locator('#sec-tokens [data-token="user"]')
    presser = await page.input_value("#presser")
    await page.select_option("#presser", "222222")  # Ольга Котова: an administrator and a coordinator
    try:
        await token.get_by_role("button", name="Отозвать токен администратора").click()
        await expect(token).to_contain_text("отозван")
        await page.fill("#t-text", "/security")
        await page.click("#t-send")
        card = page.locator("#chat .bubble", has_text="🔐 Безопасность аккаунтов").last
        await card.get_by_role("button", name="🔄 Проверить сейчас").click(timeout=CARD_TIMEOUT)
        # The chat takes 20 messages a minute and this demo has been busy: the card may wait its turn.
        alert = page.locator("#chat .bubble", has_text="🚨 Безопасность: токен администратора сообщества ВКонтакте",
                             has_not_text="✅ исправлено").last
        await expect(alert).to_contain_text("код VK 5", timeout=ALERT_TIMEOUT)
        await expect(alert).to_contain_text(f"VK_USER_TOKEN_{vk.group_id}")
        await token.get_by_role("button", name="Вернуть").click()
        await expect(token).to_contain_text("действует")
        await alert.get_by_role("button", name="🔄 Проверить снова").click()
        await expect(page.locator("#chat .bubble", has_text="✅ исправлено").filter(
            has_text="токен администратора сообщества ВКонтакте").last).to_be_visible(timeout=ALERT_TIMEOUT)
    finally:
        vk.restore_token("user")
        await page.select_option("#presser", presser)
    assert demo.errors == []


ARTIFACTS = Path(os.environ.get("GOSPABLIK_ARTIFACTS", Path(__file__).resolve().parent.parent / "var" / "artifacts"))


async def test_public_registry_page_reads_well_on_a_desktop_a_phone_and_paper(demo: Demo) -> None:
    """The page the official website links to or embeds, as a reader sees it: every account with its link, the
    Russian headings, the deleted one marked in words; no horizontal scrolling on a phone or at 200 % zoom."""
    page, expect = demo.page, demo.expect
    suffix = tag()
    added = await page.request.post(f"{demo.base}/sandbox/api/registry", data={
        "unit": "МКУ «Молодёжный центр»", "network": "MAX", "kind": "канал", "name": f"Молодёжь {suffix}",
        "url": f"https://max.ru/molodezh_{suffix}", "created_on": "27.11.2026", "responsible": "директор МКУ"})
    assert added.ok, await added.text()
    gone = await page.request.post(f"{demo.base}/sandbox/api/registry", data={
        "unit": "Администрация района", "network": "Блог", "kind": "блог", "name": f"Старый блог {suffix}",
        "url": f"https://blog.example/{suffix}", "created_on": "01.02.2020", "reported_on": "03.02.2020",
        "status": "удалён", "deleted_on": "25.11.2026"})
    assert gone.ok, await gone.text()
    bad = await page.request.post(f"{demo.base}/sandbox/api/registry", data={"name": "без ссылки"})
    assert bad.status == 400 and "Не хватает полей" in (await bad.json())["error"]
    registry = await (await page.request.get(f"{demo.base}/sandbox/api/registry")).json()
    assert f"Молодёжь {suffix}" in [a["name"] for a in registry["accounts"]]

    context = await demo.browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    try:
        reader = await context.new_page()
        errors: list[str] = []
        reader.on("pageerror", lambda error: errors.append(str(error)))
        response = await reader.goto(f"{demo.base}/registry")
        assert response is not None and response.ok
        assert await reader.evaluate("document.documentElement.lang") == "ru"
        await expect(reader.locator("h1")).to_have_text("Реестр официальных аккаунтов")
        headers = await reader.locator("thead th").all_inner_texts()
        assert headers[:6] == ["№ п/п", "Орган / подразделение", "Площадка", "Тип", "Наименование", "Ссылка"]
        assert "Ответственное лицо" in headers and "Дата направления сведений в комитет" in headers
        row = reader.locator("tbody tr", has_text=f"Молодёжь {suffix}")
        await expect(row.get_by_role("link")).to_have_attribute("href", f"https://max.ru/molodezh_{suffix}")
        await expect(reader.locator("tbody tr", has_text="ВКонтакте").get_by_role("link")).to_have_attribute(
            "href", f"https://vk.com/club{demo.emulators.vk.group_id}")
        deleted = reader.locator("tbody tr.deleted", has_text=f"Старый блог {suffix}")
        await expect(deleted).to_contain_text("удалён 25.11.2026")
        await expect(reader.get_by_text("Сведения актуальны на")).to_be_visible()
        assert await reader.locator("script").count() == 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await reader.screenshot(path=str(ARTIFACTS / "registry-desktop.png"), full_page=True)
        overflow = await reader.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, "a wide table scrolls inside its own box, never the whole page"

        for width in (390, 640):  # a phone, and a 1280-px window at 200 % zoom
            await reader.set_viewport_size({"width": width, "height": 900})
            overflow = await reader.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"horizontal scrolling at {width} px: {overflow} px"
            label = await reader.locator("tbody td").first.evaluate(
                "cell => getComputedStyle(cell, '::before').content")
            assert "№ п/п" in label, "on a narrow screen each cell names its column"
        await reader.screenshot(path=str(ARTIFACTS / "registry-phone.png"), full_page=True)
        await reader.emulate_media(media="print")
        await expect(reader.locator("#open-data")).to_be_hidden()
        await reader.emulate_media(media="screen")

        await reader.goto(f"{demo.base}/registry?embed=1")
        assert await reader.locator("h1").count() == 0
        await expect(reader.locator("tbody tr", has_text=f"Молодёжь {suffix}")).to_be_visible()
        assert errors == []
    finally:
        await context.close()
