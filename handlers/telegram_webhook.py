"""Where Telegram's webhook enters: aiogram's request handler, made safe for what the internet sends.

aiogram compares the secret header with `secrets.compare_digest` on text, which raises on a non-ASCII header (a
500 and a traceback for a forged request); it feeds updates in tasks whose failures surface only as "Task
exception was never retrieved"; and an update it cannot parse fails there every time Telegram redelivers it. Here
the header is compared as bytes, a body that is not an update is refused with 400, an update aiogram cannot read
is logged once and acknowledged (Telegram would otherwise resend it for a day), and a handler's failure is logged
with its update id.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

log = logging.getLogger(__name__)


class WorkChatWebhook(SimpleRequestHandler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._running: set[asyncio.Task[Any]] = set()

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self.secret_token.encode())

    async def _handle_request_background(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            raw = json.loads(await request.read())
        except (ValueError, RecursionError):
            return web.Response(status=400, text="malformed JSON")
        if not isinstance(raw, dict):
            return web.Response(status=400, text="expected an Update object")
        try:
            update = Update.model_validate(raw, context={"bot": bot})
        except ValueError as exc:  # pydantic's ValidationError is one
            errors = getattr(exc, "errors", None)
            summary = ("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors()[:3])
                       if callable(errors) else str(exc)[:300])
            log.warning("Telegram update %s cannot be read and is acknowledged so that it is not sent again: %s",
                        raw.get("update_id"), summary)
            return web.json_response({})
        task = asyncio.create_task(self.dispatcher.feed_update(bot, update, **self.data))
        self._running.add(task)
        task.add_done_callback(self._finished(update.update_id))
        return web.json_response({})

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        return await self._handle_request_background(bot, request)

    def _finished(self, update_id: int) -> Any:
        def done(task: asyncio.Task[Any]) -> None:
            self._running.discard(task)
            if not task.cancelled() and task.exception() is not None:
                log.error("Telegram update %s failed in its handler", update_id, exc_info=task.exception())

        return done
