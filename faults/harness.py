"""The pieces every experiment assembles: free ports, the emulators' process, the service's processes, the sandbox's
control API, SQL on the experiment's database, and waiting for things to settle.

Everything listens on 127.0.0.1. Processes are started in sessions of their own and ended by their pid; the service
is started exactly as in production (`python -m bot --config gospablik.toml run`, secrets in the environment).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bot.sandbox.serve import new_world, service_files

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ("Когда отремонтируют дорогу на ул. Ленина?", "Спасибо за субботник, во дворе стало чисто!",
         "Подскажите часы приёма главы района", "Не вывозят мусор на ул. Садовой третий день",
         "Заработок от 5000 в день без вложений! Пиши в телеграм @easy_money_bot")
CITIZENS = (51234567, 60011122, 70022233)
MODERATOR = 111111  # Мария Захарова in the sandbox world (bot/sandbox/serve.py)


def free_port() -> int:
    """A free port below the kernel's ephemeral range, so that a restarted service gets it back."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(200):
        port = random.randrange(max(1024, low - 20000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


async def wait_until(predicate: Callable[[], Awaitable[bool]], *, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(Exception):
            if await predicate():
                return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)


class Process:
    """A child process with its output in a log file; ended by its pid only."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        out = self.log.open("ab")
        try:
            self.proc = await asyncio.create_subprocess_exec(*self.argv, cwd=ROOT, env=self.env, stdout=out,
                                                             stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        finally:
            out.close()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def kill9(self) -> None:
        if self.alive and self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM, then SIGKILL if it does not end in time; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.send_signal(signal.SIGKILL)
                await self.proc.wait()
        return self.proc.returncode

    def tail(self, lines: int = 25) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


class SandboxProcess:
    """The emulators' process (`python -m bot.sandbox.serve`) and its control API."""

    def __init__(self, folder: Path, *, service_url: str, messages_per_minute: int = 20,
                 vk_retry_delays: str = "0.5,1,2,3,4,5,5,5,5,5,5,5,5,5", ok: bool = True,
                 vk_secret: str | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.world = new_world(messages_per_minute=messages_per_minute, ok=ok)
        if vk_secret is not None:  # a load generator that signs its own events
            self.world["vk"]["secret"] = vk_secret
        (folder / "world.json").write_text(json.dumps(self.world, ensure_ascii=False), encoding="utf-8")
        self.process = Process("sandbox", [sys.executable, "-m", "bot.sandbox.serve", "--port", str(self.port),
                                           "--service-url", service_url, "--world", str(folder / "world.json"),
                                           "--vk-retry-delays", vk_retry_delays, "--press-timeout", "30"],
                               env=dict(os.environ), log=folder / "sandbox.log")
        self.http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        await self.process.start()
        if not await wait_until(lambda: self._ok("/healthz"), timeout=30):
            raise RuntimeError(f"the sandbox did not start:\n{self.process.tail()}")

    async def _ok(self, path: str) -> bool:
        assert self.http is not None
        async with self.http.get(self.url + path) as response:
            return response.status == 200

    async def close(self) -> None:
        await self.process.stop()
        if self.http is not None:
            await self.http.close()

    async def get(self, path: str) -> Any:
        assert self.http is not None
        async with self.http.get(f"{self.url}/sandbox{path}") as response:
            return await response.json()

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        assert self.http is not None
        async with self.http.post(f"{self.url}/sandbox{path}", json=body) as response:
            return response.status, await response.json()

    async def delete(self, path: str) -> Any:
        assert self.http is not None
        async with self.http.delete(f"{self.url}/sandbox{path}") as response:
            return await response.json()

    # ---- what the experiments do and read
    async def comment(self, text: str, *, author: int = CITIZENS[0]) -> dict[str, Any]:
        """A citizen comments on the wall; VK's Callback server delivers it (and resends until acknowledged)."""
        status, result = await self.post("/api/vk/event", {"type": "wall_reply_new",
                                                           "object": {"from_id": author, "text": text}})
        if status != 200:
            raise RuntimeError(f"the sandbox refused a comment: {result}")
        return result

    async def resend(self, event_type: str, obj: dict[str, Any], event_id: str) -> dict[str, Any]:
        """VK delivers an event again with the same event_id, as it does now and then."""
        _status, result = await self.post("/api/vk/event", {"type": event_type, "object": obj, "event_id": event_id,
                                                            "raw": True})
        return result

    async def chat(self) -> list[dict[str, Any]]:
        return await self.get("/api/telegram/chat")

    async def press(self, message_id: int, callback_data: str, user_id: int) -> tuple[int, Any]:
        return await self.post("/api/telegram/press", {"message_id": message_id, "callback_data": callback_data,
                                                       "user_id": user_id})

    async def fault(self, **fault: Any) -> dict[str, Any]:
        status, result = await self.post("/api/faults", fault)
        if status != 200:
            raise RuntimeError(f"the sandbox refused a fault: {result}")
        return result

    async def deliveries(self) -> list[dict[str, Any]]:
        return await self.get("/api/vk/deliveries")

    async def vk_calls(self) -> list[dict[str, Any]]:
        return await self.get("/api/vk/calls")

    async def tg_calls(self) -> list[dict[str, Any]]:
        return await self.get("/api/telegram/calls")

    async def webhook_sets(self) -> int:
        return sum(1 for c in await self.tg_calls() if c["method"] == "setWebhook" and c["status"] == 200)


class Service:
    """One replica of the service: `python -m bot --config gospablik.toml run` with the world's secrets."""

    def __init__(self, folder: Path, sandbox: SandboxProcess, *, name: str = "service", port: int | None = None,
                 public_url: str | None = None, database_url: str | None, role: str = "all") -> None:
        self.folder = folder
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.public_url = public_url or self.url
        toml, env = service_files(sandbox.world, emulators_url=sandbox.url, service_url=self.public_url,
                                  port=self.port, data_dir=str(folder / "var"))
        self.config = folder / f"{name}.toml"
        self.config.write_text(toml, encoding="utf-8")
        environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        environment.update(env)
        if database_url:
            environment["DATABASE_URL"] = database_url
        self.process = Process(name, [sys.executable, "-m", "bot", "--config", str(self.config), "run", "--role", role],
                               env=environment, log=folder / f"{name}.log")
        self.starts = 0

    async def start(self, sandbox: SandboxProcess | None = None, *, timeout: float = 90) -> None:
        """Starts it and waits until it answers `/healthz` (and, given the sandbox, until it set its webhook)."""
        before = await sandbox.webhook_sets() if sandbox is not None else 0
        self.starts += 1
        await self.process.start()

        async def ready() -> bool:
            if not self.process.alive:
                raise RuntimeError("exited")
            async with aiohttp.ClientSession() as http, http.get(self.url + "/healthz") as response:
                if response.status != 200:
                    return False
            return sandbox is None or await sandbox.webhook_sets() > before

        if not await wait_until(ready, timeout=timeout, step=0.3):
            raise RuntimeError(f"{self.process.name} did not start:\n{self.process.tail()}")


class Db:
    """SQL on the experiment's database, one short connection at a time (the database may be down)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def rows(self, query: str, *args: Any) -> list[dict[str, Any]]:
        conn = await asyncpg.connect(self.url, timeout=10)
        try:
            return [dict(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    async def value(self, query: str, *args: Any) -> Any:
        rows = await self.rows(query, *args)
        return next(iter(rows[0].values())) if rows else None

    async def queues(self) -> dict[str, int]:
        """Rows still in some queue: events to process, actions to run, cards behind."""
        [row] = await self.rows(
            "SELECT (SELECT count(*) FROM events WHERE status = 'new') AS events,"
            " (SELECT count(*) FROM actions WHERE status = 'pending') AS actions,"
            " (SELECT count(*) FROM cards WHERE sent_revision < revision OR sending_until > now()) AS cards")
        return row

    async def busy(self) -> int:
        return sum((await self.queues()).values())

    async def describe_busy(self) -> str:
        try:
            queues = await self.queues()
        except Exception as exc:
            return f"cannot tell ({type(exc).__name__})"
        return ", ".join(f"{n} {name}" for name, n in queues.items() if n) or "nothing"


async def settled(db: Db, sandbox: SandboxProcess, *, timeout: float) -> bool:
    """Every queue drained and VK has nothing left to resend."""

    async def done() -> bool:
        if await db.busy():
            return False
        deliveries = await sandbox.deliveries()
        last: dict[str, dict] = {}
        for entry in deliveries:
            if entry.get("event_id"):
                last[entry["event_id"]] = entry
        return all(e["status"] == 200 and e["body"] == "ok" for e in last.values())

    return await wait_until(done, timeout=timeout, step=0.5)


def acknowledged(deliveries: list[dict[str, Any]]) -> set[str]:
    """Event ids VK saw acknowledged: HTTP 200 with the body "ok"."""
    return {d["event_id"] for d in deliveries if d.get("event_id") and d["status"] == 200 and d["body"] == "ok"}


class Flood:
    """Citizens commenting on VK at once, each comment marked `[<tag>NNNN]`, `senders` at a time. `sent` holds how
    VK's first delivery of each was answered; what failed then is VK's Callback server's to resend."""

    def __init__(self, sandbox: SandboxProcess, tag: str, count: int, *, senders: int) -> None:
        self.sandbox, self.tag = sandbox, tag
        self.markers = [f"[{tag}{i:04d}]" for i in range(count)]
        self.sent: dict[str, dict[str, Any]] = {}
        self._pending = list(self.markers)
        self.done = asyncio.gather(*(self._citizen() for _ in range(senders)))

    async def _citizen(self) -> None:
        while self._pending:
            marker = self._pending.pop(0)
            number = int(marker[1 + len(self.tag):-1])
            self.sent[marker] = await self.sandbox.comment(f"{marker} {TEXTS[number % len(TEXTS)]}",
                                                           author=CITIZENS[number % len(CITIZENS)])

    def acked(self) -> list[str]:
        """The markers of the comments acknowledged at their first delivery so far."""
        return [m for m, r in self.sent.items() if r["status"] == 200 and r["body"] == "ok"]

    async def check_stored(self, report: Any, db: Db) -> list[dict[str, Any]]:
        """The inbox's two promises, checked: every event VK saw acknowledged is stored, and VK's resends get every
        event acknowledged in the end. Returns VK's deliveries."""
        deliveries = await self.sandbox.deliveries()
        acked = acknowledged(deliveries)
        event_ids = {r["event_id"] for r in self.sent.values()}
        stored = {r["event_id"] for r in await db.rows("SELECT event_id FROM events WHERE network = 'vk'")}
        missing = acked & event_ids - stored
        never = event_ids - acked
        report.check("every event VK saw acknowledged is stored",
                     f"{len(acked & event_ids)} acknowledged, {len(missing)} of them missing from the database",
                     not missing)
        report.check("VK's resends get every event acknowledged in the end",
                     f"{len(event_ids)} sent, {len(never)} never acknowledged", not never)
        return deliveries

    async def card_messages(self, db: Db) -> dict[str, int]:
        """marker -> the message the service keeps its comment's card in."""
        return {r["marker"]: r["message_id"] for r in await db.rows(
            f"SELECT substring(i.text from '^\\[{self.tag}[0-9]{{4}}\\]') AS marker, c.message_id FROM items i"
            " JOIN cards c ON c.subject_kind = 'item' AND c.subject_id = i.id WHERE i.network = 'vk'")}


def card_counts(chat: list[dict[str, Any]], markers: list[str]) -> dict[str, int]:
    """How many messages of the chat show each marker (its own card, or a line of a digest)."""
    texts = [m["text"] or m.get("caption") or "" for m in chat]
    return {marker: sum(marker in text for text in texts) for marker in markers}


async def own_cards(sandbox: SandboxProcess, comments: list[tuple[str, str, int]], *,
                    timeout: float = 90) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """(marker, text, author) comments sent one at a time, each waited for on a card of its own: a burst on a
    loaded machine would be grouped into a digest, whose buttons are numbered. marker -> (card, delivery)."""
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for marker, text, author in comments:
        delivery = await sandbox.comment(f"{marker} {text}", author=author)

        async def shown(marker: str = marker) -> bool:
            return any(marker in c["text"] and button(c, "Удалить") for c in await sandbox.chat())

        if not await wait_until(shown, timeout=timeout):
            raise AssertionError(f"{marker}: no card of its own after {timeout:.0f} s")
        card = next(c for c in await sandbox.chat() if marker in c["text"] and button(c, "Удалить"))
        found[marker] = (card, delivery)
    return found


def button(card: dict[str, Any], label: str) -> str | None:
    for row in card["buttons"]:
        for b in row:
            if label in b["text"]:
                return b["callback_data"]
    return None


def successes(calls: list[dict[str, Any]], method: str) -> dict[int, int]:
    """Successful calls of a VK method per `comment_id`."""
    done: dict[int, int] = {}
    for call in calls:
        if call["method"] == method and "error" not in call:
            comment = int(call["params"].get("comment_id", 0))
            done[comment] = done.get(comment, 0) + 1
    return done


def attempts(calls: list[dict[str, Any]], method: str) -> dict[int, list[str]]:
    """Every call of a VK method per `comment_id`, in order: "ok", an API error code, or "http 502"."""
    seen: dict[int, list[str]] = {}
    for call in calls:
        if call["method"] != method:
            continue
        error = call.get("error")
        outcome = "ok" if error is None else f"http {error['http_status']}" if "http_status" in error \
            else str(error["error_code"])
        seen.setdefault(int(call["params"].get("comment_id", 0) or 0), []).append(outcome)
    return seen


def once(outcomes: list[str]) -> bool:
    """Carried out exactly once: one success, and no call after it."""
    return outcomes.count("ok") == 1 and outcomes[-1] == "ok"
