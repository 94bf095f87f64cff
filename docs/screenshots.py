"""Regenerates the pictures of docs/guide-ru.md (docs/img/guide-*.png) from a running demo.

    .venv/bin/python docs/screenshots.py

It starts `python -m bot demo --ephemeral` on a free port (a throwaway database: var/ is not touched), drives it
through the sandbox control API (/sandbox/api/...) and the demo page, and photographs single chat cards with
Debian's Chromium through Playwright (no browser is downloaded). Emoji need a colour emoji font
(`apt-get install fonts-noto-color-emoji`); without it they show as empty boxes.

Selectors are text-based on purpose (the demo page changes): a card is "the chat bubble that holds this text".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
MAX_BYTES = 150_000
CARD_TIMEOUT = 90_000  # ms: the work chat takes 20 messages a minute (the demo's seeds spend some); OK is polled

MODERATOR = "111111"  # Мария Захарова in the demo's staff
VOLKOV = 70022233  # Сергей Волков, a citizen of the demo's VK community
RUDE = "Вы там все идиоты в администрации, бл*ть, когда дорогу на Ленина сделаете?"
OK_SPAM = "Займ без отказа за 5 минут"  # the demo seeds this OK comment
WAITING = "Подскажите, где посмотреть график вывоза мусора на декабрь?"
DRAFT = "открываем каток в парке Победы"  # the demo's seeded draft


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Api:
    """The sandbox control API, with the standard library only."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}/sandbox/api/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.call("POST", path, body)

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)

    def chat_has(self, text: str) -> bool:
        return any(text in (m.get("text") or "") for m in self.get("telegram/chat"))


def wait(predicate: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.3)


@contextlib.contextmanager
def demo(port: int) -> Any:
    log = tempfile.NamedTemporaryFile("w", prefix="gospablik-screenshots-", suffix=".log", delete=False)
    process = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--port", str(port), "--ephemeral", "--no-open"],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    failed = True
    try:
        api = Api(f"http://127.0.0.1:{port}")
        wait(lambda: api.get("state") is not None, "the demo to start", timeout=120)
        wait(lambda: api.chat_has(DRAFT), "the demo's seeded cards", timeout=120)
        yield api
        failed = False
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl+C: the demo ends cleanly and removes its throwaway database
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if failed:
            print(f"the demo's log: {log.name}", file=sys.stderr)
        else:
            os.unlink(log.name)


def shrink(path: Path) -> None:
    """Keeps a picture under MAX_BYTES: a palette of 256 colours first, then a smaller scale."""
    if path.stat().st_size <= MAX_BYTES:
        return
    from PIL import Image

    image = Image.open(path).convert("RGB")
    scale = 1.0
    while True:
        shown = image if scale == 1.0 else image.resize((int(image.width * scale), int(image.height * scale)),
                                                         Image.LANCZOS)
        buffer = io.BytesIO()
        shown.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(buffer, "PNG", optimize=True)
        if buffer.tell() <= MAX_BYTES or scale < 0.5:
            path.write_bytes(buffer.getvalue())
            return
        scale -= 0.1


async def shoot(api: Api, base: str) -> list[Path]:
    from playwright.async_api import async_playwright

    made: list[Path] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU",
                                                device_scale_factor=1)
            page = await context.new_page()
            page.set_default_timeout(CARD_TIMEOUT)
            await page.goto(f"{base}/sandbox/")
            # The page's pop-up answers to presses would cover the cards in the pictures.
            await page.add_style_tag(content="#toast, .toast { display: none !important; }")
            with contextlib.suppress(Exception):  # who presses: the moderator (the page's default, said again)
                await page.select_option("#presser", MODERATOR, timeout=5_000)

            def card(text: str, *, has: str | None = None) -> Any:
                """The chat bubble that holds `text` (and `has`): the demo page's `.bubble`, or, if the page has
                changed, the innermost block that holds the text and a button."""
                bubbles = page.locator(".bubble", has_text=text)
                if has:
                    bubbles = bubbles.filter(has_text=has)
                return bubbles.last

            async def found(text: str, has: str | None = None) -> Any:
                located = card(text, has=has)
                try:
                    await located.wait_for(state="visible", timeout=CARD_TIMEOUT)
                    return located
                except Exception:
                    fallback = page.locator("div", has_text=text).filter(has=page.get_by_role("button"))
                    if has:
                        fallback = fallback.filter(has_text=has)
                    located = fallback.last
                    await located.wait_for(state="visible", timeout=5_000)
                    return located

            async def photo(located: Any, name: str) -> None:
                await located.scroll_into_view_if_needed()
                await page.wait_for_timeout(400)  # the page's own re-render after a poll
                path = OUT / name
                await located.screenshot(path=str(path))
                shrink(path)
                made.append(path)

            # 1. A VK comment with мат and an insult: the card with its labels and buttons.
            post_id = api.get("vk/wall")["posts"][0]["id"]
            api.post("vk/event", {"type": "wall_reply_new",
                                  "object": {"from_id": VOLKOV, "text": RUDE, "post_id": post_id}})
            await asyncio.to_thread(wait, lambda: api.chat_has(RUDE), "the card of the VK comment", 120)
            rude = await found(RUDE, has="Удалить")
            await photo(rude, "guide-card-vk.png")

            # 2. The same card after «🗑 Удалить»: who deleted it and when, and what is left to press.
            await rude.get_by_role("button", name="🗑 Удалить").click()
            await photo(await found(RUDE, has="Удалено —"), "guide-deleted.png")

            # 3. OK: «Бан» there is «Навсегда» only, and the card says where to lift the block.
            spam = await found(OK_SPAM, has="Бан")
            await spam.get_by_role("button", name="⛔ Бан").click()
            await (await found(OK_SPAM, has="Навсегда")).get_by_role("button", name="⛔ Навсегда").click()
            await photo(await found(OK_SPAM, has="чёрном списке"), "guide-ok-ban.png")

            # 4. VK does not answer: the decision waits («Ждём ВКонтакте»), with «Отменить». VK's error 10 ("Internal
            # server error") on deletions only, so that the new comment's author is still named on the card.
            api.post("faults", {"service": "vk", "method": "wall.deleteComment", "status": 200, "error_code": 10,
                                "description": "Internal server error", "for_seconds": 600})
            try:
                api.post("vk/event", {"type": "wall_reply_new",
                                      "object": {"from_id": VOLKOV, "text": WAITING, "post_id": post_id}})
                await asyncio.to_thread(wait, lambda: api.chat_has(WAITING), "the card of the second VK comment", 120)
                plain = await found(WAITING, has="Удалить")
                await plain.get_by_role("button", name="🗑 Удалить").click()
                waiting = await found(WAITING, has="Ждём")
                await photo(waiting, "guide-waiting-vk.png")
                with contextlib.suppress(Exception):
                    await waiting.get_by_role("button", name="✖️ Отменить").click(timeout=5_000)
            finally:
                api.delete("faults")

            # 5. A department's draft in the work chat, waiting for a coordinator.
            await photo(await found(DRAFT, has="Одобрить"), "guide-draft.png")
        finally:
            await browser.close()
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        print(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with demo(port) as api:
        made = asyncio.run(shoot(api, f"http://127.0.0.1:{port}"))
    for path in made:
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
