"""App assembly: the one place that knows every part — the platforms, the work chat, the loops, the routes.

Read top to bottom, this is the whole service: the configuration is read with each platform's
section, storage opens, platforms and the classifier load, the work chat connects, the loops start
(intake, and on the leader the outbox, the actions, the pollers and the scheduler), and the routes
take traffic. Each cleanup context undoes what it did in reverse order.

One process does it all by default (`ROLE_ALL`). Under a flood the loops share the event loop with the
acknowledgements, so a deployment that must take thousands of events a second runs the roles apart
(`gospablik run --role web` and `--role worker`): the web process only stores and acknowledges (and
takes presses), and passes its wake-ups on as NOTIFY; the worker processes judge, draw and act.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from typing import Any

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.config import Config
from bot.db import open_database
from bot.executor import executor_loop
from bot.moderation.intake import worker_loop
from bot.moderation.subject import ItemSubjects
from bot.platform import Platform
from bot.publishing.subject import DraftSubjects, PublicationSubjects
from bot.registry.desk import sync_configuration
from bot.registry.subject import FormSubjects, ReportSubjects
from bot.security.subject import AlertSubjects, SecurityCardSubjects
from bot.services import Services
from bot.wakeups import listen, relay
from bot.workchat.outbox import Outbox
from handlers import calendar, health, registry, webhooks
from handlers import telegram as telegram_handlers
from handlers.context import SERVICES
from handlers.telegram_webhook import WorkChatWebhook
from platforms.ok.platform import OkPlatform
from platforms.telegram import TelegramWorkChat
from platforms.telegram import make_bot as make_telegram_bot
from platforms.telegram.channel import TelegramChannelPlatform
from platforms.vk.platform import VkPlatform
from scheduler import lead, poll_loop, start_scheduler
from scheduler.publishing import publisher_loop

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/webhooks/telegram"
BOT = web.AppKey("bot", Bot)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
TASKS = web.AppKey("tasks", list)
ROLE_ALL, ROLE_WEB, ROLE_WORKER = "all", "web", "worker"
ROLES = (ROLE_ALL, ROLE_WEB, ROLE_WORKER)

PlatformFactory = Callable[[Config, Bot], dict[str, Platform]]
# Every network the service knows (its configuration section is read by `bot.cli.SECTIONS`); the Telegram
# channel shares the work chat's bot.
PLATFORMS: Mapping[str, Callable[[Config, Bot], Platform]] = {
    "vk": lambda config, bot: VkPlatform(config.accounts_of("vk"), config.networks["vk"]),
    "ok": lambda config, bot: OkPlatform(config.accounts_of("ok"), config.networks["ok"]),
    "telegram": lambda config, bot: TelegramChannelPlatform(config.accounts_of("telegram"),
                                                            config.networks["telegram"], bot=bot),
}


def default_platforms(config: Config, bot: Bot) -> dict[str, Platform]:
    """A platform for each network that has a page configured."""
    return {network: make(config, bot) for network, make in PLATFORMS.items() if config.accounts_of(network)}


def make_bot(config: Config) -> Bot:
    return make_telegram_bot(config.telegram.bot_token, config.telegram.api_base)


def build_app(config: Config, *, platforms: PlatformFactory = default_platforms, classifier: Any = None,
              start_loops: bool = True, role: str = ROLE_ALL) -> web.Application:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
    # No middleware: each route module guards its own handlers (handlers/errors.py), so the webhooks pay nothing.
    app = web.Application(client_max_size=config.max_body_bytes + 4096)
    bot = make_bot(config)
    dispatcher = Dispatcher()
    dispatcher.include_router(telegram_handlers.build_router())
    app[BOT] = bot
    app[DISPATCHER] = dispatcher
    app[TASKS] = []
    workchat = TelegramWorkChat(bot, config.telegram.work_chat_id)

    async def storage(app: web.Application) -> AsyncIterator[None]:
        nets = platforms(config, bot)
        clf = classifier
        if clf is None:
            from bot.classifier import Classifier

            # The rudeness model `gospablik train` made active, on every replica (else the shipped weights).
            clf = await asyncio.to_thread(Classifier, models_dir=config.data_dir / "models" / "toxicity")
        async with open_database(config.database_url, config.data_dir) as db:
            services = Services(config=config, db=db, platforms=nets, workchat=workchat, classifier=clf)
            services.subjects.update({"item": ItemSubjects(services), "draft": DraftSubjects(services),
                                      "publication": PublicationSubjects(services),
                                      "registry_report": ReportSubjects(services),
                                      "registry_form": FormSubjects(services),
                                      "security_alert": AlertSubjects(services),
                                      "security": SecurityCardSubjects(services)})
            app[SERVICES] = services
            await sync_configuration(services)
            dispatcher["services"] = services
            try:
                yield
            finally:
                for platform in nets.values():
                    await platform.close()

    async def loops(app: web.Application) -> AsyncIterator[None]:
        services = app[SERVICES]
        tasks = app[TASKS]

        def spawn(coro: Coroutine[Any, Any, None], name: str) -> None:
            tasks.append(asyncio.create_task(coro, name=name))

        # Everything loaded so far (the classifier's models above all) lives as long as the process: keep it out of
        # the garbage collector's full passes, which otherwise walk it all and stall every request for a moment.
        gc.freeze()
        if start_loops and role == ROLE_WEB:
            spawn(relay(services), "relay")  # the loops run elsewhere: wake them there
        elif start_loops:
            spawn(listen(services), "listen")
            spawn(worker_loop(services), "intake")
            spawn(lead(services.db.url, lambda: _leader_duties(services, bot, dispatcher)), "leader")
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await workchat.close()

    app.cleanup_ctx.append(storage)
    app.cleanup_ctx.append(loops)
    health.install(app)
    webhooks.install(app)
    app.add_routes(calendar.routes)
    registry.install(app)
    if config.telegram.mode == "webhook":
        WorkChatWebhook(dispatcher=dispatcher, bot=bot, secret_token=config.telegram.webhook_secret,
                        handle_in_background=True).register(app, path=TELEGRAM_WEBHOOK_PATH)
    return app


async def _leader_duties(services: Services, bot: Bot, dispatcher: Dispatcher) -> None:
    """What exactly one replica does: the work chat (writes and, in polling mode, reads), the actions on
    the networks (so that their per-token rate limits hold for the whole deployment), the pollers of
    networks without push, and the scheduler."""
    scheduler = start_scheduler(services)
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(Outbox(services, services.workchat).run())
            group.create_task(executor_loop(services))
            group.create_task(poll_loop(services))
            group.create_task(publisher_loop(services, scheduler))
            group.create_task(_connect_telegram(services, bot, dispatcher))
    finally:
        scheduler.shutdown(wait=False)


async def _connect_telegram(services: Services, bot: Bot, dispatcher: Dispatcher) -> None:
    """Sets the webhook, or polls; retried with backoff so that a slow Telegram never blocks start-up."""
    config = services.config
    delay = 1.0
    while True:
        try:
            if config.telegram.mode == "webhook":
                await bot.set_webhook(f"{config.public_url}{TELEGRAM_WEBHOOK_PATH}",
                                      secret_token=config.telegram.webhook_secret,
                                      allowed_updates=dispatcher.resolve_used_update_types())
                log.info("Telegram webhook set")
                return
            await bot.delete_webhook()
            await dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=25)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("cannot reach Telegram yet (%s); retrying in %.0fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60)
