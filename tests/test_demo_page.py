"""The demo page in a real browser (headless Chromium through Playwright) against the whole demo service:
a citizen's VK comment → a card in the work chat → «Удалить» pressed on the page → the comment greys out; the
same for an OK comment (found by polling); an OK message → a card with «✅ Обработано»; an older service
without OK hides the OK tab; and the content plan: an author's draft with a photo sent in the «Публикации» tab, its
pages chosen and submitted with the bot's buttons, approved by a coordinator in the work chat, then shown in the
channel and on the VK wall; a draft returned with the coordinator's comment, typed as a reply to its card; and a
service without a content plan hides the «Публикации» tab; and the «Безопасность» block: a stranger made
administrator, the VK keys revoked and given back. The page itself: the «ответить» link binds the reply box to its
card, the layout on a laptop (the chat gets the height) and a phone (tabs), a redraw that keeps unchanged bubbles
and their buttons, the favicon, and the seeded comments dated after their posts.

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

from bot.demo import (
    OK_SEED_COMMENTS,
    OK_TOPICS,
    SEED_COMMENTS,
    Emulators,
    _accept_administrators,
    _seed,
    build_demo_app,
    demo_config,
    subscribe_ok,
)
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
    app: Any = None  # the demo's aiohttp application (the service and the sandbox)

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
                            expect=pw.expect, app=app)
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


@pytest_asyncio.fixture(autouse=True)
async def _no_alert_in_the_way(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """The tests share one page: an alert a press opened (a refusal arrives when it arrives, on a loaded machine
    after its test ended) must not cover the next test's clicks."""
    page = request.getfixturevalue("demo").page if "demo" in request.fixturenames else None
    if page is not None and await page.locator("#alert").is_visible():
        await page.click("#alert-ok")
    yield


def tag() -> str:
    return uuid.uuid4().hex[:6]


MUTED = "rgb(107, 119, 133)"  # the page's --muted


async def control(demo: Demo, path: str, body: dict[str, Any] | None = None) -> Any:
    """The sandbox control API, as acceptance checks drive it from outside."""
    url = f"{demo.base}/sandbox/api/{path}"
    response = await (demo.page.request.get(url) if body is None else demo.page.request.post(url, data=body))
    assert response.ok, await response.text()
    return await response.json()


async def vk_comment(demo: Demo, text: str, author: int = 70022233) -> int:
    """A citizen's comment under the newest post, through the control API; its id."""
    wall = await control(demo, "vk/wall")
    post_id = [p for p in wall["posts"] if not p.get("postponed") and not p.get("deleted")][-1]["id"]
    result = await control(demo, "vk/event", {"type": "wall_reply_new",
                                              "object": {"from_id": author, "text": text, "post_id": post_id}})
    return int(result["object"]["id"])


async def card_id(demo: Demo, text: str) -> int:
    chat = await control(demo, "telegram/chat")
    return next(m["message_id"] for m in chat if text in (m.get("text") or ""))


async def new_page(demo: Demo, width: int, height: int) -> tuple[Any, Any, list[str]]:
    """A fresh context and page of the given size; (context, page, page errors)."""
    context = await demo.browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


async def in_view(page: Any, selector: str) -> dict[str, float]:
    """The element's box, asserted to lie wholly inside the window (no scrolling needed to see it)."""
    box = await page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None, f"{selector} is not shown"
    assert box["x"] >= 0 and box["y"] >= 0, f"{selector} starts outside the window: {box}"
    assert box["x"] + box["width"] <= size["width"] + 1, f"{selector} sticks out to the right: {box}"
    assert box["y"] + box["height"] <= size["height"] + 1, f"{selector} is below the fold: {box}"
    return box


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
    # greyed out: the muted colour in italics, and a grey avatar
    await expect(deleted.locator(".text")).to_have_css("font-style", "italic")
    await expect(deleted.locator(".text")).to_have_css("color", MUTED)
    await expect(deleted.locator(".avatar")).to_have_css("background-color", "rgb(197, 207, 217)")
    await expect(card).to_contain_text("Удалено", timeout=STEP_TIMEOUT)  # and the card says so
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
        missing: list[str] = []
        reader.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
        response = await reader.goto(f"{demo.base}/registry")
        assert response is not None and response.ok
        await reader.wait_for_load_state("networkidle")
        assert missing == [], "no request of the page fails (a favicon included)"
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


async def test_reply_link_binds_the_reply_box_to_its_card(demo: Demo) -> None:
    """On the page a card is answered with its «ответить» link: the box under the chat is bound to that card (the chip
    says which), the answer goes to the chat as a reply to it, and the service publishes it under the comment. The
    card's «💬 Ответить» explains the same with the page's words, not Telegram's swipe."""
    page, expect = demo.page, demo.expect
    text = f"Подскажите, когда откроют поликлинику после ремонта? Проверка {tag()}"
    comment_id = await vk_comment(demo, text)
    card = page.locator("#chat .bubble", has_text=text)
    await expect(card.get_by_role("button", name="🗑 Удалить")).to_be_visible(timeout=CARD_TIMEOUT)
    message_id = await card_id(demo, text)
    await expect(card).to_have_attribute("data-message-id", str(message_id))

    await card.locator("button.reply-link").click()
    chip = page.locator("#t-reply")
    await expect(chip).to_contain_text(f"Ответ на сообщение №{message_id}")
    await expect(chip).to_contain_text(text[:30])  # which card: the text it is about, not its header
    await expect(page.locator("#t-text")).to_be_focused()
    await expect(card).to_have_class(re.compile(r"\breply-target\b"))
    await in_view(page, "#t-text")
    await chip.get_by_role("button", name="×").click()
    await expect(chip).to_be_empty()

    await card.get_by_role("button", name="💬 Ответить").click()
    alert = page.locator("#alert-text")
    await expect(alert).to_contain_text("поле под чатом")
    await expect(alert).to_contain_text("«ответить» под карточкой")
    assert "свайп" not in await alert.inner_text()
    await page.click("#alert-ok")
    await expect(chip).to_contain_text(f"Ответ на сообщение №{message_id}")
    await expect(page.locator("#t-text")).to_be_focused()

    answer = f"Здравствуйте! Поликлиника откроется в понедельник. Ответ {tag()}"
    await page.fill("#t-text", answer)
    await page.click("#t-send")
    await expect(page.locator("#t-status")).to_have_text("Отправлено")
    await expect(chip).to_be_empty()
    sent = next(m for m in await control(demo, "telegram/chat") if m.get("text") == answer)
    assert sent["reply_to_message_id"] == message_id
    published = page.locator("#wall .comment", has_text=answer)  # the community's answer under the comment
    await expect(published).to_contain_text(f"ответ на комментарий №{comment_id}", timeout=CARD_TIMEOUT)
    assert demo.errors == []


async def test_laptop_layout_gives_the_chat_most_of_the_height(demo: Demo) -> None:
    """1366×768: the forms on the left and the work chat on the right, both in sight without scrolling, the chat
    with most of the window's height and its reply box under it."""
    context, page, errors = await new_page(demo, 1366, 768)
    try:
        await page.goto(demo.url)
        await demo.expect(page.locator("#wall .post").first).to_be_visible()
        chat = await page.locator("#chat").bounding_box()
        assert chat is not None
        shown = min(chat["y"] + chat["height"], 768) - max(chat["y"], 0)
        assert shown >= 450, f"only {shown:.0f} px of the chat are in sight"
        assert chat["width"] >= 560
        for selector in ("#presser", "#t-text", "#t-send", "#c-author", "#c-text", "#c-send"):
            await in_view(page, selector)
        assert chat["x"] > (await in_view(page, "#c-text"))["x"]  # side by side
        assert await page.evaluate("window.scrollY") == 0
        assert await page.evaluate("document.documentElement.scrollWidth") <= 1366
        assert errors == []
    finally:
        await context.close()


async def test_phone_layout_has_tabs_for_the_pages_and_the_chat(demo: Demo) -> None:
    """390×844: «Сеть» and «Рабочий чат» are tabs, the chat one tap away and filling the screen; a card that comes
    while the pages are shown is counted on the chat's tab."""
    context, page, errors = await new_page(demo, 390, 844)
    expect = demo.expect
    try:
        await page.goto(demo.url)
        await expect(page.locator("#wall .post").first).to_be_visible()
        await in_view(page, "#view-chat")
        await in_view(page, "#c-text")
        await expect(page.locator("#chat")).to_be_hidden()

        text = f"На остановке у школы №3 не горит фонарь. Проверка {tag()}"
        await vk_comment(demo, text, author=51234567)
        await expect(page.locator("#chat-unread")).to_be_visible(timeout=CARD_TIMEOUT)

        await page.click("#view-chat")
        await expect(page.locator("#view-chat")).to_have_attribute("aria-selected", "true")
        await expect(page.locator("#c-text")).to_be_hidden()
        chat = await in_view(page, "#chat")
        assert chat["height"] >= 400, f"the chat is {chat['height']:.0f} px high"
        await in_view(page, "#t-text")
        await in_view(page, "#t-send")
        card = page.locator("#chat .bubble", has_text=text)
        await expect(card).to_be_visible(timeout=CARD_TIMEOUT)
        await expect(page.locator("#chat-unread")).to_be_hidden()
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390

        await page.click("#view-net")
        await expect(page.locator("#c-text")).to_be_visible()
        await expect(page.locator("#chat")).to_be_hidden()
        assert errors == []
    finally:
        await context.close()


async def test_chat_redraw_keeps_unchanged_bubbles_and_their_buttons(demo: Demo) -> None:
    """The chat is polled every second: a change elsewhere in the chat leaves an unchanged card's bubble and buttons
    the very same DOM nodes, so a press that spans a redraw is not lost."""
    page, expect = demo.page, demo.expect
    kept, changed = f"Почему не убирают снег во дворе? Проверка {tag()}", f"Когда будет вода? Проверка {tag()}"
    await vk_comment(demo, kept, author=60011122)
    await vk_comment(demo, changed, author=70022233)
    kept_card = page.locator("#chat .bubble", has_text=kept)
    changed_card = page.locator("#chat .bubble", has_text=changed)
    delete = kept_card.get_by_role("button", name="🗑 Удалить")
    await expect(delete).to_be_visible(timeout=CARD_TIMEOUT)
    await expect(changed_card.get_by_role("button", name="🗑 Удалить")).to_be_visible(timeout=CARD_TIMEOUT)
    await kept_card.evaluate("node => { node.__mark = 'kept'; }")
    await delete.evaluate("node => { node.__mark = 'delete'; }")

    changed_hash = await changed_card.get_attribute("data-hash")
    await changed_card.get_by_role("button", name="🗑 Удалить").click()
    await expect(changed_card).to_contain_text("Удалено", timeout=CARD_TIMEOUT)
    assert await changed_card.get_attribute("data-hash") != changed_hash  # the chat was redrawn
    polls = await page.evaluate("state.polls")
    await page.wait_for_function("n => state.polls >= n + 2", arg=polls, timeout=STEP_TIMEOUT)
    assert await kept_card.evaluate("node => node.__mark") == "kept"
    assert await delete.evaluate("node => node.__mark") == "delete"

    # A press held down across a redraw still lands: the button under the pointer is not replaced.
    for _ in range(5):  # the chat may scroll to a message that has just come: aim again
        await delete.scroll_into_view_if_needed()
        box = await delete.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        if await page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.__mark", [x, y]) == "delete":
            break
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.evaluate("() => { state.seen.chat = null; renderChat(); }")
    await page.mouse.up()
    await expect(kept_card).to_contain_text("Удалено", timeout=CARD_TIMEOUT)
    assert demo.errors == []


async def test_page_has_a_favicon_and_no_failed_requests(demo: Demo) -> None:
    context, page, errors = await new_page(demo, 1280, 900)
    failed: list[str] = []
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    try:
        await page.goto(demo.url)
        await demo.expect(page.locator("#wall .post").first).to_be_visible()
        href = await page.get_attribute('link[rel="icon"]', "href")
        assert href
        status, kind = await page.evaluate("href => fetch(href).then((r) => [r.status, r.headers.get('content-type')])",
                                           href)
        assert status == 200 and kind.startswith("image/svg+xml")
        polls = await page.evaluate("state.polls")
        await page.wait_for_function("n => state.polls >= n + 2", arg=polls, timeout=STEP_TIMEOUT)
        assert failed == []
        assert errors == []
    finally:
        await context.close()


async def test_seeded_comments_come_after_their_posts(demo: Demo) -> None:
    """What `gospablik demo` seeds: every comment dated after its post, a reply after what it answers, and no
    comment sharing an id with a post (on VK they share one sequence)."""
    page, expect = demo.page, demo.expect
    await _seed(demo.app, demo.emulators)
    now = time.time()

    wall = await control(demo, "vk/wall")
    seeded = {c.text for c in SEED_COMMENTS}
    found = {}
    post_ids = {post["id"] for post in wall["posts"]}
    for post in wall["posts"]:
        by_id = {c["id"]: c for c in post["comments"]}
        for comment in post["comments"]:
            if comment["text"] not in seeded:
                continue
            found[comment["text"]] = comment
            assert post["date"] < comment["date"] <= now, (post, comment)
            assert comment["id"] not in post_ids
            if comment.get("reply_to_comment"):
                assert by_id[comment["reply_to_comment"]]["date"] < comment["date"], comment
    assert set(found) == seeded
    replies = [c for c in SEED_COMMENTS if c.answers is not None]
    assert replies, "the seed shows a thread"

    group = await control(demo, "ok/group")
    ok_seeded = {c.text for c in OK_SEED_COMMENTS}
    ok_found = set()
    for topic in group["topics"]:
        by_id = {c["id"]: c for c in topic["comments"]}
        for comment in topic["comments"]:
            if comment["text"] in ok_seeded:
                ok_found.add(comment["text"])
                assert topic["date_ms"] < comment["date_ms"] <= now * 1000, (topic["date_ms"], comment)
                if comment.get("reply_to_comment_id"):
                    assert by_id[comment["reply_to_comment_id"]]["date_ms"] < comment["date_ms"]
    assert ok_found == ok_seeded

    # On the page: the reply names what it answers without inflecting a name, and so does the reply chip.
    await page.click("#net-vk")
    reply = replies[0]
    answered = found[SEED_COMMENTS[reply.answers].text]
    author = demo.emulators.vk.state.user(answered["from_id"])
    name = f"{author['first_name']} {author['last_name']}"
    await expect(page.locator("#wall .comment", has_text=reply.text)).to_contain_text(
        f"ответ на комментарий №{answered['id']} (автор: {name})")
    await page.locator(f'#wall .comment[data-comment-id="{answered["id"]}"]').get_by_role(
        "button", name="Ответить", exact=True).click()
    await expect(page.locator("#c-reply")).to_have_text(re.compile(
        f"^Ответ на комментарий №{answered['id']} \\(автор: {name}\\)"))
    await page.locator("#c-reply").get_by_role("button", name="×").click()
    await expect(page.locator("#c-reply")).to_be_empty()
    assert demo.errors == []
