"""Shared fixtures: a real PostgreSQL (embedded, or $DATABASE_URL), a fresh database per test, and the
whole service running over real HTTP against the VK and Telegram emulators."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import pytest_asyncio
from aiohttp import ClientSession, web

from bot.config import Account, Config, LabelPolicy, StaffMember, TelegramConfig
from bot.db import Database
from bot.db.database import EmbeddedPostgres, migrate
from bot.domain import Role
from bot.security.settings import SecuritySettings
from platforms.ok.config import OkGroup, OkSettings
from platforms.telegram.config import TelegramChannel, TelegramSettings
from platforms.vk.config import VkCommunity, VkSettings

GROUP_ID = 229000001
WORK_CHAT = -1001234567890
MODERATOR = 111
VIEWER = 222
OUTSIDER = 999
ADMIN_USER = 100500
SECRET = "s3cr3t-callback"
CONFIRMATION = "a1b2c3d4"
GROUP_TOKEN = "vk1.a.group-token"
USER_TOKEN = "vk1.a.user-token"
# How long a test waits for something the service does by itself: generous, since a loaded CI machine is slow and
# waiting costs nothing when it comes at once. Speed is measured by bench/, never asserted here.
PATIENCE = 30.0
BOT_TOKEN = "123456:TEST-token"
WEBHOOK_SECRET = "tg-webhook-secret"
OK_GROUP_ID = 70000000000001
OK_APP_KEY = "CBAPQHFGDIHBABABA"
OK_APP_SECRET = "6C0E5D7E8F0A1B2C3D4E5F60"
OK_ACCESS_TOKEN = "-s-ok-admin-access-token.a1b2c3"
OK_GROUP_TOKEN = "tkn1okgroupkey:CQABPOJKAKEKEKEKE"
OK_WEBHOOK_SECRET = "ok-path-secret-0123456789"
OK_ADMIN = "575000000099"
OK_CITIZEN = "575000000001"
CHANNEL_ID = -1009876543210
AUTHOR = 444
COORDINATOR = 555


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@asynccontextmanager
async def database_away(database_url: str) -> AsyncIterator[None]:
    """The service's database refuses connections, and every connection to it has ended, until the block ends.
    Ending a backend is a signal it acts on when next scheduled: on a loaded machine one still exiting would take
    the next query, so the block starts only once they are gone."""
    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(_with_database(database_url, "postgres"))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
        deadline = time.monotonic() + PATIENCE
        while await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name):
            if time.monotonic() > deadline:
                raise AssertionError(f"the connections to {name} did not end")
            await asyncio.sleep(0.02)
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


@pytest_asyncio.fixture(scope="session")
async def pg_url() -> AsyncIterator[str]:
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    # A folder of its own, not pytest's tmp_path: pytest prunes old tmp folders of concurrent runs,
    # and the embedded server runs as its own user that must be able to enter the folder.
    folder = Path(tempfile.mkdtemp(prefix="gospablik-test-pg-"))
    folder.chmod(0o755)
    server = EmbeddedPostgres(folder / "pgdata")
    url = await server.start()
    yield url
    await server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest_asyncio.fixture
async def database_url(pg_url: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = _with_database(pg_url, name)
    db = await Database.connect(url, max_size=2)
    await migrate(db)
    await db.close()
    yield url
    for _ in range(3):  # a test that cut the database off may leave backends dying for a moment
        try:
            admin = await asyncpg.connect(pg_url)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()
            break
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
            await asyncio.sleep(0.5)


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.connect(database_url, max_size=4)
    yield database
    await database.close()


@pytest.fixture(scope="session")
def classifier() -> Any:
    from bot.classifier import Classifier

    return Classifier()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A free port for a listener that restarts on the same port (the service in `Stack`).

    It is taken below the kernel's ephemeral range: a port from that range, once released, can be
    taken as the local port of any outgoing connection (the tests' own HTTP clients) before the
    service binds it again, and then the restart fails with "address already in use"."""
    low = _ephemeral_low()
    for _ in range(200):
        port = random.randrange(max(1024, low - 20000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


async def serve(app: web.Application, port: int = 0) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{bound}"


def make_config(*, database_url: str, vk_base: str, tg_base: str, public_url: str, port: int,
                messages_per_minute: int = 600, policy: dict[str, LabelPolicy] | None = None,
                dry_run: bool = False, data_dir: Path = Path("var/test"), ok_base: str | None = None,
                ok_policy: dict[str, LabelPolicy] | None = None, publishing: bool = False) -> Config:
    accounts = [Account(
        network="vk", id=GROUP_ID, name="Администрация Октябрьского района", own_domains=("admokt.ru",),
        policy=policy or {}, settings=VkCommunity(secret=SECRET, confirmation=CONFIRMATION, group_token=GROUP_TOKEN,
                                                  user_token=USER_TOKEN))]
    networks: dict[str, Any] = {"vk": VkSettings(api_url=f"{vk_base}/method/")}
    if ok_base is not None:
        accounts.append(Account(
            network="ok", id=OK_GROUP_ID, name="Администрация района в OK", own_domains=("admokt.ru",),
            policy=ok_policy or {}, settings=OkGroup(access_token=OK_ACCESS_TOKEN, group_token=OK_GROUP_TOKEN,
                                                     webhook_secret=OK_WEBHOOK_SECRET)))
        networks["ok"] = OkSettings(application_key=OK_APP_KEY, application_secret=OK_APP_SECRET,
                                    api_url=f"{ok_base}/", poll_interval=0.3)
    staff = [StaffMember(MODERATOR, "Мария Захарова", Role.MODERATOR), StaffMember(VIEWER, "Пётр Иванов", Role.VIEWER)]
    if publishing:
        accounts.append(Account(network="telegram", id=CHANNEL_ID, name="Администрация района",
                                settings=TelegramChannel("adm_rayon")))
        networks["telegram"] = TelegramSettings()
        staff += [StaffMember(AUTHOR, "Анна Смирнова", Role.AUTHOR, unit="Отдел ЖКХ"),
                  StaffMember(COORDINATOR, "Ольга Котова", Role.COORDINATOR)]
    return Config(
        accounts=tuple(accounts),
        staff=tuple(staff),
        telegram=TelegramConfig(bot_token=BOT_TOKEN, work_chat_id=WORK_CHAT, api_base=tg_base, mode="webhook",
                                webhook_secret=WEBHOOK_SECRET, messages_per_minute=messages_per_minute),
        networks=networks,
        host="127.0.0.1", port=port, public_url=public_url, database_url=database_url, data_dir=data_dir,
        dry_run=dry_run,
        # The security check has tests of its own; elsewhere its alert cards would be unexpected guests.
        security=SecuritySettings(check_at_start=False),
    )


class Outage:
    """A gateway in front of the VK emulator that can go down the way a real front end does:
    HTML 502 pages instead of JSON."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.down = False
        # Called with the VK method's name once VK has answered, before the answer goes back (a fault that strikes
        # between a network's work and its record).
        self.after: Callable[[str], Awaitable[None]] | None = None
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self.forward)

    async def forward(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=502, text="<html><body><h1>502 Bad Gateway</h1></body></html>",
                                content_type="text/html")
        async with ClientSession() as session, session.request(
            request.method, self.target + request.rel_url.path_qs, data=await request.read(),
            headers={"Content-Type": request.headers.get("Content-Type", "")},
        ) as upstream:
            answer = web.Response(status=upstream.status, body=await upstream.read(),
                                  content_type=upstream.content_type)
        if self.after is not None:
            await self.after(request.path.rsplit("/", 1)[-1])
        return answer


class Stack:
    """The service between its two emulators, driven the way VK and a moderator would."""

    def __init__(self, *, database_url: str, classifier: Any, tg_per_minute: int = 600,
                 service_per_minute: int = 600, policy: dict[str, LabelPolicy] | None = None,
                 dry_run: bool = False, vk_gateway: bool = False,
                 tweak: Callable[[Config], Config] | None = None, forum_topics: tuple[int, ...] = (),
                 ok: bool = False, ok_policy: dict[str, LabelPolicy] | None = None, publishing: bool = False,
                 role: str = "all") -> None:
        from bot.sandbox.ok_api import OkEmulator
        from bot.sandbox.telegram_api import TelegramEmulator
        from bot.sandbox.vk_api import VkEmulator

        self.database_url = database_url
        self.classifier = classifier
        self.vk = VkEmulator(group_id=GROUP_ID, group_token=GROUP_TOKEN, user_token=USER_TOKEN,
                             admin_user_id=ADMIN_USER)
        self.vk.confirmation_code = CONFIRMATION
        self.vk.add_user(51234567, "Иван", "Петров")
        self.ok: OkEmulator | None = None
        if ok:
            self.ok = OkEmulator(group_id=str(OK_GROUP_ID), group_name="Администрация района в OK",
                                 application_key=OK_APP_KEY, application_secret_key=OK_APP_SECRET,
                                 user_token=OK_ACCESS_TOKEN, group_token=OK_GROUP_TOKEN, admin_user_id=OK_ADMIN)
            self.ok.add_user(OK_CITIZEN, "Галина", "Орлова")
            self.ok_topic = self.ok.add_topic("Открыт новый каток в парке Победы")
        self.ok_policy = ok_policy
        self.publishing = publishing
        self.tg = TelegramEmulator(token=BOT_TOKEN, messages_per_minute=tg_per_minute)
        self.tg.add_chat(WORK_CHAT, "Модерация госпабликов", is_forum=bool(forum_topics), topics=forum_topics)
        self.tweak = tweak
        self.tg.add_user(MODERATOR, "Мария", "Захарова")
        self.tg.add_user(VIEWER, "Пётр", "Иванов")
        self.tg.add_user(OUTSIDER, "Случайный", "Участник")
        if publishing:
            self.tg.add_channel(CHANNEL_ID, "Администрация района", username="adm_rayon")
            self.tg.add_user(AUTHOR, "Анна", "Смирнова")
            self.tg.add_user(COORDINATOR, "Ольга", "Котова")
        self.service_per_minute = service_per_minute
        self.role = role  # of the service the stack starts (`web`: only the routes and the relay of wake-ups)
        self.policy = policy
        self.dry_run = dry_run
        self.vk_gateway = vk_gateway
        self.outage: Outage | None = None
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.runners: list[web.AppRunner] = []
        self.service: web.AppRunner | None = None
        self.http: ClientSession | None = None

    async def start(self) -> Stack:
        from bot.sandbox.vk_callback import CallbackSender

        vk_runner, self.vk_base = await serve(self.vk.app)
        tg_runner, self.tg_base = await serve(self.tg.app)
        self.runners += [vk_runner, tg_runner]
        if self.vk_gateway:
            self.outage = Outage(self.vk_base)
            gateway_runner, self.vk_base = await serve(self.outage.app)
            self.runners.append(gateway_runner)
        self.ok_base: str | None = None
        if self.ok is not None:
            from bot.sandbox.ok_webhook import OkWebhookSender

            ok_runner, self.ok_base = await serve(self.ok.app)
            self.runners.append(ok_runner)
            self.ok_sender = OkWebhookSender(self.ok, retry_delays=(0.2, 0.5, 1))
        self.config = make_config(database_url=self.database_url, vk_base=self.vk_base, tg_base=self.tg_base,
                                  public_url=self.base, port=self.port, messages_per_minute=self.service_per_minute,
                                  policy=self.policy, dry_run=self.dry_run, ok_base=self.ok_base,
                                  ok_policy=self.ok_policy, publishing=self.publishing)
        if self.tweak is not None:
            self.config = self.tweak(self.config)
        self.sender = CallbackSender(url=f"{self.base}/webhooks/vk/{GROUP_ID}", group_id=GROUP_ID, secret=SECRET,
                                     retry_delays=(0.2, 0.5, 1, 2, 4))
        self.http = ClientSession()
        await self.start_service()
        return self

    async def start_service(self, *, loops: bool = True) -> None:
        """Starts the service; without `loops` only its routes run (as if it died right after answering)."""
        from bot.app import build_app

        app = build_app(self.config, classifier=self.classifier, start_loops=loops, role=self.role)
        self.service, _ = await serve(app, self.port)
        if loops and self.role != "web":  # a web process never leads: a worker connects the chat
            await self.wait_for(self.tg_connected, what="the service to connect to Telegram")

    async def ok_ready(self) -> None:
        """The first OK poll took the group's baseline (comments written after it are news), and the leader
        subscribed the group's messages webhook."""
        assert self.ok is not None
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            if self.ok.snapshot()["subscriptions"] and await self.sql(
                    "SELECT 1 FROM poll_cursors WHERE network = 'ok' AND scope = 'group'"):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the OK poller never took the group's baseline, or the webhook was never subscribed")

    def tg_connected(self) -> bool:
        wanted = "setWebhook" if self.config.telegram.mode == "webhook" else "getUpdates"
        return any(method == wanted for method, _ in self.tg.calls)

    async def stop_service(self) -> None:
        if self.service is not None:
            await self.service.cleanup()
            self.service = None

    async def arrive_unprocessed(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """VK delivers `events` while the service only answers (its loops are down), then it comes back:
        the whole batch is processed at once, as after an outage."""
        await self.stop_service()
        await self.start_service(loops=False)
        for event_type, obj in events:
            answer = await self.event(event_type, obj)
            assert answer["body"] == "ok"
        await self.stop_service()
        await self.start_service()

    async def sql(self, query: str, *args: Any) -> list[dict[str, Any]]:
        from bot.db.database import _init_connection

        conn = await asyncpg.connect(self.database_url)
        await _init_connection(conn)
        try:
            return [dict(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    async def close(self) -> None:
        await self.stop_service()
        await self.sender.close()
        if self.ok is not None:
            await self.ok_sender.close()
        if self.http is not None:
            await self.http.close()
        for runner in self.runners:
            await runner.cleanup()

    # --- driving -------------------------------------------------------------------------------
    async def event(self, event_type: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        self.vk.record_event_object(event_type, obj)
        return await self.sender.deliver(event_type, obj, event_id)

    def cards(self) -> list[dict[str, Any]]:
        return self.tg.chat_view(WORK_CHAT)

    def card_with(self, fragment: str) -> dict[str, Any] | None:
        for card in self.cards():
            if fragment in card["text"]:
                return card
        return None

    async def wait_card(self, fragment: str, *, where: Callable[[dict[str, Any]], bool] = lambda c: True,
                        timeout: float = PATIENCE) -> dict[str, Any]:
        holder: dict[str, Any] = {}

        def found() -> bool:
            card = self.card_with(fragment)
            if card is not None and where(card):
                holder["card"] = card
                return True
            return False

        await self.wait_for(found, timeout=timeout, what=f"a card with {fragment!r}")
        return holder["card"]

    async def press(self, card: dict[str, Any], label: str, user_id: int = MODERATOR) -> dict[str, Any]:
        data = button(card, label)
        return await self.tg.press(chat_id=WORK_CHAT, message_id=card["message_id"], callback_data=data,
                                   user_id=user_id)

    async def settled(self, *, timeout: float = 20) -> None:
        """Waits until every queue is drained — events processed, actions finished, publications due none, every
        card in the chat as last drawn — so that a "nothing doubled" check looks at the end state, not at a guess."""
        deadline = time.monotonic() + timeout
        while True:
            [row] = await self.sql(
                "SELECT (SELECT count(*) FROM events WHERE status = 'new')"
                " + (SELECT count(*) FROM actions WHERE status = 'pending')"
                " + (SELECT count(*) FROM cards WHERE sent_revision < revision OR sending_until > now())"
                " + (SELECT count(*) FROM publications WHERE status = 'scheduled' AND due_at <= now()) AS busy")
            if row["busy"] == 0:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the queues did not drain in {timeout} s ({row['busy']} rows busy)")
            await asyncio.sleep(0.05)

    async def wait_for(self, predicate: Callable[[], bool], *, timeout: float = PATIENCE,
                       what: str = "a condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)


def button(card: dict[str, Any], label: str) -> str:
    """The callback data of the button whose text contains `label`."""
    for row in card["buttons"]:
        for b in row:
            if label in b["text"]:
                return b["callback_data"]
    raise AssertionError(f"no button {label!r} on the card; buttons: {labels(card)}")


def labels(card: dict[str, Any]) -> list[str]:
    return [b["text"] for row in card["buttons"] for b in row]


@pytest_asyncio.fixture
async def stack(database_url: str, classifier: Any) -> AsyncIterator[Stack]:
    s = await Stack(database_url=database_url, classifier=classifier).start()
    yield s
    await s.close()


def wall_comment(comment_id: int, text: str, *, from_id: int = 51234567, post_id: int = 1873) -> dict[str, Any]:
    return {"id": comment_id, "from_id": from_id, "date": 1767600000, "text": text, "post_id": post_id,
            "owner_id": -GROUP_ID, "post_owner_id": -GROUP_ID, "parents_stack": [], "attachments": []}


def message_new(text: str, *, from_id: int = 51234567, cmid: int = 311) -> dict[str, Any]:
    """A `message_new` object of API 5.199: the message inside the `client_info` wrapper."""
    return {"message": {"date": 1767600500, "from_id": from_id, "id": 900 + cmid, "out": 0, "peer_id": from_id,
                        "conversation_message_id": cmid, "text": text, "attachments": []},
            "client_info": {"button_actions": ["text"], "keyboard": True, "inline_keyboard": True,
                            "carousel": True, "lang_id": 0}}
