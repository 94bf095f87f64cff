"""The service run as two kinds of process (`gospablik run --role web` and `--role worker`) does what one process
does: the web process only stores and acknowledges, and takes presses; it passes each wake-up on as NOTIFY, so the
worker judges, draws the card and carries the press out at once instead of on its next idle tick."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from bot import cli
from tests.conftest import PATIENCE, Stack, free_port, serve, wall_comment


async def test_a_web_process_and_a_worker_share_the_work(database_url: str, classifier: Any) -> None:
    from bot.app import build_app

    stack = await Stack(database_url=database_url, classifier=classifier, role="web").start()
    listener = await asyncpg.connect(database_url)
    woken: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener("gospablik_events", lambda *args: woken.put_nowait(args[2]))
    worker = None
    try:
        answer = await stack.event("wall_reply_new", wall_comment(8101, "Когда уберут снег во дворе на Лесной?"))
        assert (answer["status"], answer["body"]) == (200, "ok"), "the web process stores and acknowledges"
        assert await asyncio.wait_for(woken.get(), PATIENCE) == "gospablik_events", "and wakes the workers"
        [event] = await stack.sql("SELECT status FROM events")
        assert event["status"] == "new", "a web process never processes what it stored"
        assert not stack.tg_connected() and stack.cards() == [], "nor leads: the chat is the worker's"

        worker, _ = await serve(build_app(stack.config, classifier=classifier, role="worker"), free_port())
        await stack.wait_for(stack.tg_connected, what="the worker to lead and connect the chat")
        card = await stack.wait_card("уберут снег во дворе")
        answer = await stack.press(card, "Удалить")  # Telegram delivers the press to the web process
        assert "удаляем" in answer["text"].lower()
        await stack.wait_card("уберут снег во дворе", where=lambda c: "Удалено" in c["text"])
        assert [c["params"]["comment_id"] for c in stack.vk.calls if c["method"] == "wall.deleteComment"] == ["8101"]
    finally:
        await listener.close()
        if worker is not None:
            await worker.cleanup()
        await stack.close()


def test_an_unknown_role_is_refused_before_anything_starts(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GOSPABLIK_ROLE", "everything")
    assert cli.main(["--config", "/nonexistent.toml", "run"]) == 2
    assert "unknown role 'everything'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        cli.main(["run", "--role", "everything"])
    assert exited.value.code == 2


async def test_the_relay_passes_a_wake_up_on_at_once_and_a_burst_in_one_notify_more(db: Any, database_url: str) -> None:
    """The web process's relay (`bot.wakeups.relay`): a lone event reaches the workers without waiting for the
    relay's timer, and a burst that comes while it rests costs one NOTIFY after the rest, not one per event."""
    from types import SimpleNamespace

    from bot.wakeups import relay

    loop = asyncio.get_running_loop()
    listener = await asyncpg.connect(database_url)
    heard: asyncio.Queue[float] = asyncio.Queue()
    await listener.add_listener("gospablik_events", lambda *args: heard.put_nowait(loop.time()))
    ready = SimpleNamespace(db=db, events_ready=asyncio.Event(), actions_ready=asyncio.Event(),
                            cards_ready=asyncio.Event(), publications_ready=asyncio.Event())
    pause = 3.0
    relaying = asyncio.create_task(relay(ready, pause=pause))  # type: ignore[arg-type]
    try:
        began = loop.time()
        ready.events_ready.set()
        first = await asyncio.wait_for(heard.get(), PATIENCE)
        assert first - began < pause / 2, "the first wake-up is passed on at once, not after the relay's pause"
        for _ in range(50):  # a burst while the relay rests
            ready.events_ready.set()
            await asyncio.sleep(0.002)
        second = await asyncio.wait_for(heard.get(), PATIENCE)
        assert second - first > pause - 0.5, "the burst waits for the end of the rest"
        await asyncio.sleep(0.5)
        assert heard.empty(), "and the whole burst went in that one NOTIFY"
    finally:
        relaying.cancel()
        await asyncio.gather(relaying, return_exceptions=True)
        await listener.close()
