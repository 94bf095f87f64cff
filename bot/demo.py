"""`gospablik demo`: the whole service offline, on one port, for a newcomer's browser.

The real service (the same `build_app` as production) runs between the emulators, which are mounted on
the same server: VK's API under /emulators/vk, OK's under /emulators/ok, Telegram's Bot API under
/emulators/telegram; the page at /sandbox shows the VK community and the OK group beside the work chat.
A persistent demo keeps the emulated pages next to its database (`emulators.json`), so after a restart
old cards still point at the comments they were drawn for and no id is handed out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import tempfile
import time
import webbrowser
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.config import Account, Config, LabelPolicy, StaffMember, TelegramConfig
from bot.domain import PolicyAction, Role
from bot.registry.settings import RegistrySettings
from bot.security.settings import SecuritySettings
from handlers.context import SERVICES
from handlers.errors import guarded
from platforms.ok.config import OkGroup, OkSettings
from platforms.telegram.config import TelegramChannel, TelegramSettings
from platforms.vk.config import VkCommunity, VkSettings

log = logging.getLogger(__name__)

GROUP_ID = 229000001
OK_GROUP_ID = 70000000000001
WORK_CHAT = -1001002003004
ADMIN_USER = 100500
OK_ADMIN_USER = "575000000099"
OUTSIDER = 700700
STAFF = (
    StaffMember(111111, "Мария Захарова", Role.MODERATOR),
    StaffMember(222222, "Ольга Котова", Role.ADMIN, frozenset({Role.COORDINATOR})),
    StaffMember(333333, "Пётр Иванов", Role.VIEWER),
    StaffMember(444444, "Анна Смирнова", Role.AUTHOR, unit="Отдел ЖКХ"),
    StaffMember(555555, "Игорь Лебедев", Role.COORDINATOR),
)
CHANNEL_ID = -1001500600700
CHANNEL_USERNAME = "admokt_news"
NAME = "Администрация Октябрьского района"
CITIZENS = {51234567: ("Иван", "Петров"), 60011122: ("Анна", "Смирнова"), 70022233: ("Сергей", "Волков"),
            80033344: ("Крипто", "Заработок")}
OK_CITIZENS = {"575000000001": ("Галина", "Орлова"), "575000000002": ("Николай", "Седов"),
               "575000000003": ("Быстрый", "Кредит")}
POSTS = (
    "График приёма граждан на декабрь: глава района принимает по вторникам с 10:00 до 13:00.",
    "Начинаем ремонт дороги на ул. Ленина. Просим водителей объезжать участок по ул. Садовой.",
)
POST_HOURS_AGO = (26, 5)  # the seeded posts went up yesterday and this morning, so that comments can follow them
OK_TOPICS = ("Открыт новый каток в парке Победы: вход свободный, прокат коньков — 150 ₽ в час.",)
OK_TOPIC_HOURS_AGO = (3,)


@dataclass(frozen=True)
class SeedComment:
    """A comment the demo starts with: under `POSTS[on]` (or `OK_TOPICS[on]`), `minutes` after the post, or after
    the comment it answers (`answers`: the index of an earlier comment in the same tuple)."""

    author: int | str
    text: str
    on: int
    minutes: int
    answers: int | None = None


SEED_COMMENTS = (
    SeedComment(51234567, "Когда отремонтируют дорогу на ул. Ленина? Уже третий год обещаете.", on=1, minutes=40),
    SeedComment(70022233, "Поддерживаю: на перекрёстке с Садовой — яма на яме.", on=1, minutes=35, answers=0),
    SeedComment(60011122, "Спасибо за субботник, во дворе стало чисто!", on=0, minutes=180),
    SeedComment(80033344, "Заработок от 5000 в день без вложений! Пиши в телеграм @easy_money_bot", on=1,
                minutes=150),
)
OK_SEED_COMMENTS = (
    SeedComment("575000000001", "Спасибо! А до скольки работает каток по выходным?", on=0, minutes=25),
    SeedComment("575000000003", "Займ без отказа за 5 минут, пиши в личку, ставка 0%!!!", on=0, minutes=50),
)
SEED_DRAFT = ("В субботу в 12:00 открываем каток в парке Победы. Вход свободный, прокат коньков — 150 ₽ в час. "
              "Приходите всей семьёй!")
STATE_FILE = "emulators.json"


def demo_config(*, host: str, port: int, data_dir: Path) -> tuple[Config, dict[str, str]]:
    base = f"http://{host}:{port}"
    keys = {"secret": secrets.token_urlsafe(16), "confirmation": secrets.token_hex(4),
            "group_token": "vk1.a." + secrets.token_urlsafe(24), "user_token": "vk1.a." + secrets.token_urlsafe(24),
            "bot_token": f"7000000001:{secrets.token_urlsafe(24)}", "webhook": secrets.token_urlsafe(16),
            "ok_app_key": "CBA" + secrets.token_hex(6).upper(), "ok_app_secret": secrets.token_hex(12).upper(),
            "ok_access_token": "-s-" + secrets.token_urlsafe(30), "ok_group_token": "tkn1" + secrets.token_urlsafe(24),
            "ok_webhook": secrets.token_urlsafe(18)}
    vk = Account(network="vk", id=GROUP_ID, name=NAME, own_domains=("admokt.ru",),
                 policy={"spam": LabelPolicy(PolicyAction.NOTIFY)},
                 settings=VkCommunity(secret=keys["secret"], confirmation=keys["confirmation"],
                                      group_token=keys["group_token"], user_token=keys["user_token"]))
    ok = Account(network="ok", id=OK_GROUP_ID, name=NAME, own_domains=("admokt.ru",),
                 settings=OkGroup(access_token=keys["ok_access_token"], group_token=keys["ok_group_token"],
                                  webhook_secret=keys["ok_webhook"]))
    channel = Account(network="telegram", id=CHANNEL_ID, name=NAME, settings=TelegramChannel(CHANNEL_USERNAME))
    config = Config(
        accounts=(vk, ok, channel),
        staff=STAFF,
        telegram=TelegramConfig(bot_token=keys["bot_token"], work_chat_id=WORK_CHAT,
                                api_base=f"{base}/emulators/telegram", mode="webhook",
                                webhook_secret=keys["webhook"], messages_per_minute=20),
        networks={"vk": VkSettings(api_url=f"{base}/emulators/vk/method/"),
                  "ok": OkSettings(application_key=keys["ok_app_key"], application_secret=keys["ok_app_secret"],
                                   api_url=f"{base}/emulators/ok/", poll_interval=2.0, backfill=True),
                  "telegram": TelegramSettings()},
        host=host, port=port, public_url=base, database_url=None, data_dir=data_dir,
        registry=RegistrySettings(organisation=NAME, inn="4621000000", signer_position="Глава Октябрьского района",
                                  signer_name="И. О. Фамилия", publisher_phone="+7 (47142) 2-11-11",
                                  publisher_email="pressa@admokt.example",
                                  executor="главный специалист по работе с социальными сетями, тел. 2-11-11"),
        # A newcomer revokes a token on the page and sees the alert within a minute.
        security=SecuritySettings(check_every=timedelta(seconds=30)),
    )
    return config, keys


def _load_states(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("cannot read the saved emulator state %s (%s); starting the pages afresh", path, exc)
        return {}


class Emulators:
    """The emulated VK community, OK group and Telegram work chat, with the senders that push to the service."""

    def __init__(self, config: Config, keys: dict[str, str], state_path: Path | None) -> None:
        from bot.sandbox.ok_api import OkEmulator
        from bot.sandbox.ok_state import OkState
        from bot.sandbox.ok_webhook import OkWebhookSender
        from bot.sandbox.telegram_api import TelegramEmulator
        from bot.sandbox.vk_api import VkEmulator
        from bot.sandbox.vk_callback import CallbackSender
        from bot.sandbox.vk_state import VkState

        self.state_path = state_path
        saved = _load_states(state_path)
        self.fresh = not saved
        vk_account = config.account("vk", GROUP_ID)
        ok_account = config.account("ok", OK_GROUP_ID)
        assert vk_account is not None and ok_account is not None
        community: VkCommunity = vk_account.settings
        self.vk = VkEmulator(group_id=GROUP_ID, group_token=community.group_token, user_token=community.user_token,
                             admin_user_id=ADMIN_USER, group_name=NAME)
        if "vk" in saved:
            self.vk.state = VkState.from_json(saved["vk"])
        self.vk.confirmation_code = community.confirmation or ""
        group: OkGroup = ok_account.settings
        settings: OkSettings = config.networks["ok"]
        self.ok = OkEmulator(group_id=str(OK_GROUP_ID), group_name=NAME, application_key=settings.application_key,
                             application_secret_key=settings.application_secret, user_token=group.access_token,
                             group_token=group.group_token or "", admin_user_id=OK_ADMIN_USER,
                             state=OkState.from_json(saved["ok"]) if "ok" in saved else None)
        if self.fresh:
            now = int(time.time())
            for user_id, (first, last) in CITIZENS.items():
                self.vk.add_user(user_id, first, last)
            for text, hours in zip(POSTS, POST_HOURS_AGO, strict=True):
                self.vk.add_post(text, date=now - hours * 3600)
            for ok_user, (first, last) in OK_CITIZENS.items():
                self.ok.add_user(ok_user, first, last)
            for text, hours in zip(OK_TOPICS, OK_TOPIC_HOURS_AGO, strict=True):
                self.ok.add_topic(text, date_ms=(now - hours * 3600) * 1000)
        # The emulated Telegram enforces the same per-group limit the service is configured to respect.
        self.telegram = TelegramEmulator(token=config.telegram.bot_token,
                                         messages_per_minute=config.telegram.messages_per_minute)
        self.telegram.add_chat(WORK_CHAT, "Модерация госпабликов")
        self.telegram.add_channel(CHANNEL_ID, NAME, username=CHANNEL_USERNAME)
        for member in STAFF:
            first, _, last = member.name.partition(" ")
            self.telegram.add_user(member.user_id, first, last or None)
        self.telegram.add_user(OUTSIDER, "Случайный", "Участник")
        self.callback_url = f"{config.public_url}/webhooks/vk/{GROUP_ID}"
        self.vk_sender = CallbackSender(url=self.callback_url, group_id=GROUP_ID, secret=community.secret)
        self.ok_sender = OkWebhookSender(self.ok)

    def save(self) -> None:
        """Writes the pages next to the database (atomically), so a restart continues where this left off."""
        if self.state_path is None:
            return
        data = json.dumps({"vk": self.vk.state.to_json(), "ok": self.ok.state.to_json()}, ensure_ascii=False)
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(data, encoding="utf-8")
        os.replace(temporary, self.state_path)

    async def close(self) -> None:
        await self.vk_sender.close()
        await self.ok_sender.close()


def build_demo_app(config: Config, keys: dict[str, str] | None = None, *,
                   state_path: Path | None = None) -> tuple[web.Application, Emulators]:
    from bot.app import build_app
    from bot.sandbox.control import SandboxInfo, sandbox_app
    from bot.sandbox.control_ok import OkInfo
    from handlers import sandbox_registry
    from platforms.ok.setup import webhook_url

    emulators = Emulators(config, keys or {}, state_path)
    vk_account = config.account("vk", GROUP_ID)
    ok_account = config.account("ok", OK_GROUP_ID)
    assert vk_account is not None and ok_account is not None
    community: VkCommunity = vk_account.settings
    info = SandboxInfo(
        group_id=GROUP_ID, callback_url=emulators.callback_url, secret=community.secret,
        confirmation=community.confirmation or "", work_chat_id=WORK_CHAT,
        staff=[{"user_id": m.user_id, "name": m.name, "role": m.role.value,
                "roles": sorted(r.value for r in m.roles), "unit": m.unit} for m in STAFF],
        outsider_user_id=OUTSIDER,
        channel={"channel_id": CHANNEL_ID, "title": NAME, "username": CHANNEL_USERNAME},
        targets=[f"{a.network}:{a.id}" for a in config.accounts],
    )
    assert config.public_url is not None
    ok_info = OkInfo(group_id=str(OK_GROUP_ID), webhook_url=webhook_url(config.public_url, ok_account),
                     poll_interval=config.networks["ok"].poll_interval)
    app = build_app(config)
    app.add_subapp("/emulators/vk", emulators.vk.app)
    app.add_subapp("/emulators/ok", emulators.ok.app)
    app.add_subapp("/emulators/telegram", emulators.telegram.app)
    sandbox = sandbox_app(vk=emulators.vk, sender=emulators.vk_sender, telegram=emulators.telegram, info=info,
                          ok=emulators.ok, ok_sender=emulators.ok_sender, ok_info=ok_info)
    sandbox.router.add_post("/api/drafts", guarded(submit_draft))  # needs the service: assembly adds it
    sandbox.add_routes(sandbox_registry.routes)
    app.add_subapp("/sandbox", sandbox)

    async def index(_request: web.Request) -> web.Response:
        raise web.HTTPFound("/sandbox/")

    app.router.add_get("/", index)

    async def save_after_change(request: web.Request, _response: web.StreamResponse) -> None:
        if request.method != "GET" and request.path.startswith(("/emulators/vk", "/emulators/ok", "/sandbox/api")):
            emulators.save()

    async def close(_app: web.Application) -> None:
        emulators.save()
        await emulators.close()

    app.on_response_prepare.append(save_after_change)
    app.on_cleanup.append(close)
    return app, emulators


async def submit_draft(request: web.Request) -> web.Response:
    """`POST /sandbox/api/drafts`: a whole draft submitted as the author's private chat would submit it."""
    from bot import staff
    from bot.domain import Permission
    from bot.platform import Poll
    from bot.publishing import authoring
    from bot.publishing.model import Target
    from bot.sandbox.control_telegram import photo_bytes

    services = request.config_dict[SERVICES]

    def bad(message: str) -> web.Response:
        return web.json_response({"error": message}, status=400)

    try:
        body = await request.json()
    except ValueError:
        return bad("Тело запроса должно быть JSON-объектом")
    if not isinstance(body, dict):
        return bad("Тело запроса должно быть JSON-объектом")
    author_id = body.get("author_id")
    if isinstance(author_id, bool) or not isinstance(author_id, int):
        return bad("Поле author_id: нужен ID сотрудника в Telegram")
    author = await staff.lookup(services.db, services.config, author_id)
    if author is None or not author.can(Permission.SUBMIT):
        return bad("Этот человек не может присылать публикации: нужна роль автора или координатора")
    try:
        text = body.get("text") or ""
        if not isinstance(text, str):
            raise ValueError("Поле text: нужна строка")
        photos = [authoring.IncomingPhoto(photo_bytes(p), "image/png", None) for p in body.get("photos") or []]
        raw_poll = body.get("poll")
        poll = None
        if raw_poll is not None:
            if not isinstance(raw_poll, dict) or not isinstance(raw_poll.get("question"), str) or not isinstance(
                    raw_poll.get("options"), list):
                raise ValueError("Поле poll: нужен объект {question, options}")
            poll = Poll(raw_poll["question"], tuple(str(o) for o in raw_poll["options"]))
        targets = [Target.parse(str(t)) for t in body.get("targets") or []]
        publish_at = None
        if body.get("publish_at"):
            publish_at = datetime.fromisoformat(str(body["publish_at"]))
            if publish_at.tzinfo is None:
                publish_at = publish_at.replace(tzinfo=services.config.tz)
    except ValueError as exc:
        return bad(str(exc) if "Поле" in str(exc) or "Фото" in str(exc) else f"Неверные данные: {exc}")
    result = await authoring.submit_direct(services, author=author, actor=f"tg:{author_id}", text=text, photos=photos,
                                           poll=poll, targets=targets, publish_at=publish_at)
    return web.json_response({"draft_id": result.draft_id, "accepted": result.accepted,
                              "advice": result.advice.get("hits", []), "summary": result.advice.get("summary_ru"),
                              "problems": result.problems})


async def prepare_storage(app: web.Application, emulators: Emulators) -> None:
    """Before the demo takes traffic: new pages start with an empty desk, and known pages get their cards
    drawn again into the emulated chat, which lives in memory."""
    db = app[SERVICES].db
    if emulators.fresh:
        # Nothing in an old database may point at new pages: a card's «Удалить» would act on whatever
        # comment now has its old id.
        await db.execute(
            "TRUNCATE events, items, cards, buttons, actions, bans, tombstones, feedback, polls, poll_cursors,"
            " proposed_replies, publications, draft_versions, drafts, conversations, media, registry_forms,"
            " registry_reports, registry_history, security_ticks, security_cards, security_alerts, credential_checks,"
            " webhook_secrets, registry_accounts")
        from bot.registry.desk import sync_configuration

        await sync_configuration(app[SERVICES])
    await db.execute("UPDATE cards SET message_id = NULL, sent_revision = 0, in_digest = false")
    app[SERVICES].cards_ready.set()


async def subscribe_ok(app: web.Application) -> None:
    """What `gospablik ok setup` does in production: subscribe the group's messages webhook."""
    from platforms.ok import OkPlatform
    from platforms.ok.setup import setup_webhook

    services = app[SERVICES]
    platform = services.platform("ok")
    assert isinstance(platform, OkPlatform)
    account = services.account("ok", OK_GROUP_ID)
    assert account is not None and services.config.public_url is not None
    await setup_webhook(platform.client, account, public_url=services.config.public_url)


async def _seed(app: web.Application, emulators: Emulators) -> None:
    """A few comments so that the chat is not empty; fixed event ids make a second run a no-op."""
    await _accept_administrators(app)
    for _ in range(200):
        if any(method == "setWebhook" for method, _p in emulators.telegram.calls):
            break
        await asyncio.sleep(0.05)
    for event_id, obj in seed_comments(emulators):
        await emulators.vk_sender.deliver("wall_reply_new", obj, event_id=event_id)
    emulators.save()
    await _seed_draft(app)


def _seed_dates(comments: tuple[SeedComment, ...], posted: list[int], minute: int) -> list[int]:
    """When each seeded comment was written, in the unit of `posted` (the dates of the posts it may be under;
    `minute` is a minute in that unit): after its post, and a reply after what it answers."""
    dates: list[int] = []
    for comment in comments:
        assert comment.answers is None or comment.answers < len(dates), "a reply follows what it answers"
        after = dates[comment.answers] if comment.answers is not None else posted[comment.on]
        dates.append(after + max(comment.minutes, 1) * minute)
    return dates


def seed_comments(emulators: Emulators) -> list[tuple[str, dict[str, Any]]]:
    """Puts the seeded comments on the fresh pages, in the order they were written, and returns the VK Callback
    events that tell the service about them (fixed event ids: a second delivery is a duplicate). OK comments are
    left for the service's poller to find."""
    vk, ok = emulators.vk, emulators.ok
    posts = {post["text"]: post for post in vk.snapshot()["posts"]}
    dates = _seed_dates(SEED_COMMENTS, [posts[text]["date"] for text in POSTS], 60)
    objects: dict[int, dict[str, Any]] = {}
    events: list[tuple[str, dict[str, Any]]] = []
    for index in sorted(range(len(SEED_COMMENTS)), key=lambda i: (dates[i], i)):
        comment = SEED_COMMENTS[index]
        post = posts[POSTS[comment.on]]
        obj: dict[str, Any] = {"id": vk.next_id("wall"), "from_id": comment.author, "date": dates[index],
                               "text": comment.text, "post_id": post["id"], "owner_id": -GROUP_ID,
                               "post_owner_id": -GROUP_ID, "parents_stack": [], "attachments": []}
        if comment.answers is not None:
            answered = objects[comment.answers]
            obj.update(reply_to_comment=answered["id"], reply_to_user=answered["from_id"],
                       parents_stack=answered["parents_stack"] or [answered["id"]])
        objects[index] = obj
        vk.record_event_object("wall_reply_new", obj)
        events.append((f"{index + 1:040x}", obj))
    topics = {topic.text: topic for topic in ok.state.topics.values()}
    ok_dates = _seed_dates(OK_SEED_COMMENTS, [topics[text].date_ms for text in OK_TOPICS], 60_000)
    written: dict[int, str] = {}
    for index in sorted(range(len(OK_SEED_COMMENTS)), key=lambda i: (ok_dates[i], i)):
        seeded = OK_SEED_COMMENTS[index]
        answers = written[seeded.answers] if seeded.answers is not None else None
        written[index] = ok.state.add_comment(topics[OK_TOPICS[seeded.on]], str(seeded.author), seeded.text,
                                              reply_to_comment_id=answers, date_ms=ok_dates[index]).id
    return events


async def _accept_administrators(app: web.Application) -> None:
    """What a specialist does on the first day («Принять текущий список»): today's administrators of each page are
    the ones who should be, so that a stranger added later on the page raises the alert."""
    from bot.registry import desk, store
    from bot.registry.model import Admin

    services = app[SERVICES]
    for account in services.config.accounts:
        try:
            managers = await services.platform(account.network).administrators(account) or []
        except Exception as exc:
            log.warning("demo: cannot read the administrators of %s %s: %s", account.network, account.id, exc)
            continue
        async with services.db.transaction() as conn:
            row = await conn.fetchrow("SELECT id, admins FROM registry_accounts WHERE platform = $1"
                                      " AND account_id = $2", account.network, account.id)
            if row is None or row["admins"]:
                continue
            admins = [Admin(m.user_id, m.role, m.name).as_json() for m in managers]
            await store.edit(conn, row["id"], {"admins": admins}, actor=store.Actor("demo", "демо"),
                             clock=desk.clock(services.config))


async def _seed_draft(app: web.Application) -> None:
    """A department's draft waiting for approval, so that the content plan has something to show."""
    from bot.platform import Poll
    from bot.publishing import authoring
    from bot.publishing.model import Target
    from bot.sandbox.sample_photos import SAMPLES

    services = app[SERVICES]
    author = STAFF[3]
    await authoring.submit_direct(
        services, author=author, actor=f"tg:{author.user_id}", text=SEED_DRAFT,
        photos=[authoring.IncomingPhoto(SAMPLES["park.png"], "image/png", None)],
        poll=Poll("Придёте на открытие катка?", ("Да, всей семьёй", "Загляну после работы", "Пока не знаю")),
        targets=[Target(a.network, a.id) for a in services.config.accounts], publish_at=None)


async def run_demo(*, host: str, port: int, data_dir: Path, ephemeral: bool, open_browser: bool) -> int:
    with contextlib.ExitStack() as stack:
        if ephemeral:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gospablik-demo-")))
        data_dir.mkdir(parents=True, exist_ok=True)
        config, keys = demo_config(host=host, port=port, data_dir=data_dir)
        app, emulators = build_demo_app(config, keys, state_path=data_dir / STATE_FILE)
        runner = web.AppRunner(app, handle_signals=True)
        await runner.setup()
        await prepare_storage(app, emulators)
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            print(f"Cannot listen on {host}:{port}: {exc.strerror}. Try `make demo ARGS=\"--port {port + 1}\"`.")
            return 1
        url = f"http://{host}:{port}/sandbox/"
        print(f"\n  gospablik demo is running: {url}\n"
              f"  VK and OK pages on the left, the Telegram work chat on the right. Ctrl+C stops it.\n"
              f"  Database: {'throwaway' if ephemeral else data_dir / 'pgdata'}\n", flush=True)
        await subscribe_ok(app)
        seeding = asyncio.create_task(_seed(app, emulators)) if emulators.fresh else None
        if open_browser:
            with contextlib.suppress(Exception):
                webbrowser.open(url)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            pass
        finally:
            if seeding is not None:
                seeding.cancel()
            await runner.cleanup()
    return 0
