"""App assembly: the aiohttp application, its cleanup contexts and the background loops.

Read top to bottom, this is the whole service: storage opens, networks and the classifier load,
the Telegram bot connects, the loops start (intake, actions, and on the leader the notifier and the
scheduler), and the routes take traffic. Each context undoes what it did in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.actions import executor_loop
from bot.config import Config
from bot.db import DatabaseUnavailable, open_database
from bot.intake import worker_loop
from bot.networks import Network
from bot.notifier import Notifier
from bot.services import SERVICES, Services
from bot.wakeups import listen
from handlers import telegram as telegram_handlers
from handlers import webhooks
from scheduler import lead, start_scheduler

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/webhooks/telegram"
BOT = web.AppKey("bot", Bot)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
TASKS = web.AppKey("tasks", list)

NetworkFactory = Callable[[Config], dict[str, Network]]


def default_networks(config: Config) -> dict[str, Network]:
    from platforms.vk import VkNetwork
    from platforms.vk.client import VkCredentials

    vk = VkNetwork([VkCredentials(c.group_id, c.group_token, c.user_token) for c in config.communities],
                   api_url=config.vk_api_url, api_version=config.vk_api_version)
    return {"vk": vk}


def make_bot(config: Config) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(config.telegram.api_base))
    return Bot(config.telegram.bot_token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@web.middleware
async def errors_middleware(request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
    """No request ever gets a bare 500 for a database outage; a bug still logs its traceback."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except DatabaseUnavailable as exc:
        log.error("%s %s: database unavailable: %s", request.method, request.path, exc)
        return web.Response(status=503, text="storage unavailable, retry later", headers={"Retry-After": "10"})
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return web.Response(status=500, text="internal error")


async def health(request: web.Request) -> web.Response:
    services = request.app.get(SERVICES)
    if services is None:
        return web.json_response({"status": "starting"}, status=503)
    try:
        await services.db.fetchval("SELECT 1")
    except DatabaseUnavailable:
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})


def build_app(config: Config, *, networks: NetworkFactory = default_networks, classifier: Any = None,
              start_loops: bool = True) -> web.Application:
    app = web.Application(middlewares=[errors_middleware], client_max_size=config.max_body_bytes + 4096)
    bot = make_bot(config)
    dispatcher = Dispatcher()
    dispatcher.include_router(telegram_handlers.build_router(config.telegram.work_chat_id))
    app[BOT] = bot
    app[DISPATCHER] = dispatcher
    app[TASKS] = []

    async def storage(app: web.Application) -> AsyncIterator[None]:
        nets = networks(config)
        clf = classifier
        if clf is None:
            from bot.classifier import Classifier

            clf = await asyncio.to_thread(Classifier)
        async with open_database(config.database_url, config.data_dir) as db:
            services = Services(config=config, db=db, networks=nets, classifier=clf)
            app[SERVICES] = services
            dispatcher["services"] = services
            try:
                yield
            finally:
                for net in nets.values():
                    await net.close()

    async def loops(app: web.Application) -> AsyncIterator[None]:
        services = app[SERVICES]
        tasks = app[TASKS]

        def spawn(coro: Coroutine[Any, Any, None], name: str) -> None:
            tasks.append(asyncio.create_task(coro, name=name))

        if start_loops:
            spawn(listen(services), "listen")
            spawn(worker_loop(services), "intake")
            spawn(lead(services.db.url, lambda: _leader_duties(services, bot, dispatcher)), "leader")
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await bot.session.close()

    app.cleanup_ctx.append(storage)
    app.cleanup_ctx.append(loops)
    app.router.add_get("/healthz", health)
    app.add_routes(webhooks.routes)
    if config.telegram.mode == "webhook":
        SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=config.telegram.webhook_secret,
                             handle_in_background=True).register(app, path=TELEGRAM_WEBHOOK_PATH)
    return app


async def _leader_duties(services: Services, bot: Bot, dispatcher: Dispatcher) -> None:
    """What exactly one replica does: the work chat (writes and, in polling mode, reads), the actions on
    the networks, and the scheduler."""
    scheduler = start_scheduler(services)
    notifier = Notifier(services, bot)
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(notifier.run())
            # Network actions run on the leader only, so that the per-token rate limits hold for the
            # whole deployment, not per replica.
            group.create_task(executor_loop(services))
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
