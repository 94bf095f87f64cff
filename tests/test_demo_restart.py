"""A persistent demo restarted on its data folder: the emulated pages come back with the database, so an old
card acts on the comment it was drawn for, and no id is handed out twice. Pages that could not be restored
start with an empty desk instead of old cards pointing at new comments."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

from bot.demo import STAFF, STATE_FILE, build_demo_app, demo_config, prepare_storage
from tests.conftest import free_port

MODERATOR = STAFF[0].user_id


class Run:
    """One `gospablik demo` process, in-process: the demo app on its port, on the test's database."""

    def __init__(self, database_url: str, folder: Path, port: int) -> None:
        config, keys = demo_config(host="127.0.0.1", port=port, data_dir=folder)
        self.config = dataclasses.replace(config, database_url=database_url)
        self.app, self.emulators = build_demo_app(self.config, keys, state_path=folder / STATE_FILE)
        self.base = f"http://127.0.0.1:{port}/sandbox/api"
        self.runner = web.AppRunner(self.app, handle_signals=False)

    async def __aenter__(self) -> Run:
        await self.runner.setup()
        await prepare_storage(self.app, self.emulators)
        await web.TCPSite(self.runner, "127.0.0.1", self.config.port).start()
        self.http = ClientSession()
        deadline = time.monotonic() + 30
        while not any(method == "setWebhook" for method, _ in self.emulators.telegram.calls):
            assert time.monotonic() < deadline, "the service never connected to the emulated Telegram"
            await asyncio.sleep(0.05)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()
        await self.runner.cleanup()  # saves the pages, as Ctrl+C does

    async def call(self, verb: str, path: str, body: Any = None) -> Any:
        async with self.http.request(verb, self.base + path, json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def card(self, fragment: str, want: str = "", timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for card in await self.call("GET", "/telegram/chat"):
                if fragment in card["text"] and want in card["text"]:
                    return card
            await asyncio.sleep(0.1)
        raise AssertionError(f"no card with {fragment!r} and {want!r}")

    async def press(self, card: dict, label: str) -> dict:
        data = next(b["callback_data"] for row in card["buttons"] for b in row if label in b["text"])
        return await self.call("POST", "/telegram/press", {"message_id": card["message_id"], "user_id": MODERATOR,
                                                            "callback_data": data})

    async def comment(self, text: str) -> int:
        answer = await self.call("POST", "/vk/event", {"type": "wall_reply_new",
                                                      "object": {"from_id": 51234567, "text": text}})
        return int(answer["object"]["id"])


def _comment(run: Run, comment_id: int) -> dict:
    return next(c for p in run.emulators.vk.snapshot()["posts"] for c in p["comments"] if c["id"] == comment_id)


async def test_a_restarted_demo_keeps_cards_and_comments_together(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    async with Run(database_url, tmp_path, port) as run:
        first = await run.comment("Первый комментарий до перезапуска")
        card = await run.card("Первый комментарий")
        await run.press(card, "Удалить")
        await run.card("Первый комментарий", "Удалено")
        ok_comment = await run.call("POST", "/ok/comment", {"author_id": "575000000002", "text": "Вопрос в OK"})
        await run.card("Вопрос в OK")
    assert (tmp_path / STATE_FILE).exists()

    async with Run(database_url, tmp_path, port) as run:
        assert not run.emulators.fresh
        second = await run.comment("Второй комментарий после перезапуска")
        assert second > first, "VK ids continue where they stopped"
        old = await run.card("Первый комментарий", "Удалено")  # redrawn into the new chat
        await run.press(old, "Восстановить")
        await run.card("Первый комментарий", "Восстановлено")
        restores = [c for c in run.emulators.vk.calls if c["method"] == "wall.restoreComment"]
        assert [c["params"]["comment_id"] for c in restores] == [str(first)]
        assert _comment(run, second)["state"] == "present" and _comment(run, first)["state"] == "present"
        again = await run.call("POST", "/ok/comment", {"author_id": "575000000002", "text": "Ещё вопрос"})
        assert again["comment_id"] != ok_comment["comment_id"]
        await run.card("Ещё вопрос")
        assert sum("Вопрос в OK" in c["text"] for c in await run.call("GET", "/telegram/chat")) == 1

    (tmp_path / STATE_FILE).unlink()  # the pages are lost: the old desk must not point at new pages
    async with Run(database_url, tmp_path, port) as run:
        assert run.emulators.fresh
        await run.comment("Первый на новых страницах")
        await run.card("Первый на новых страницах")
        texts = [c["text"] for c in await run.call("GET", "/telegram/chat")]
        assert not any("до перезапуска" in t for t in texts)
