"""Update delivery of the Telegram emulator: the webhook (setWebhook / getWebhookInfo) and long polling.

Telegram POSTs each update to the webhook with `X-Telegram-Bot-Api-Secret-Token` and retries a failing webhook;
without a webhook the updates wait for `getUpdates`, and a second poller or a poller beside a webhook gets 409.
Updates of a type the bot did not list in `allowed_updates` are dropped, as Telegram does.

One documented deviation: `setWebhook` accepts http:// and loopback URLs (Telegram requires public HTTPS on
ports 443/80/88/8443), because the sandbox runs offline.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.sandbox.telegram_core import TelegramCore
from bot.sandbox.telegram_markup import TelegramError, bad_request, load_json

POLL_TIMEOUT_CAP = 1.0
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "my_chat_member",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "chat_join_request",
    }
)


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    pending: list[dict] = field(default_factory=list)


class UpdateMethods(TelegramCore):
    """setWebhook, deleteWebhook, getWebhookInfo, getUpdates, and delivering updates to the bot."""

    _webhook: Webhook
    _allowed: list[str] | None
    _update_ids: itertools.count
    _queue: list[dict]
    _queue_event: asyncio.Event
    _poller: asyncio.Future | None
    _session: aiohttp.ClientSession | None

    def _init_updates(self) -> None:
        self._webhook = Webhook()
        self._allowed = None
        self._update_ids = itertools.count(1)
        self._queue = []
        self._queue_event = asyncio.Event()
        self._poller = None
        self._session = None

    async def _m_setWebhook(self, params: dict) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret not in (None, "") and not SECRET_TOKEN.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if url and not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("allowed_updates") not in (None, ""):
            self._allowed = list(load_json(params["allowed_updates"], "allowed updates"))
        if self._bool(params, "drop_pending_updates"):
            self._queue.clear()
        self._webhook.url = url
        self._webhook.secret_token = str(secret) if secret not in (None, "") else None
        if url and self._poller is not None and not self._poller.done():
            self._poller.set_result("webhook")
        return True

    async def _m_deleteWebhook(self, params: dict) -> bool:
        if self._bool(params, "drop_pending_updates"):
            self._queue.clear()
        self._webhook.url = ""
        self._webhook.secret_token = None
        return True

    async def _m_getWebhookInfo(self, params: dict) -> dict:
        info: dict[str, Any] = {
            "url": self._webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue) if not self._webhook.url else 0,
            "max_connections": 40,
        }
        if self._allowed is not None:
            info["allowed_updates"] = list(self._allowed)
        if self._webhook.last_error_date:
            info.update(
                last_error_date=self._webhook.last_error_date, last_error_message=self._webhook.last_error_message
            )
        return info

    async def _m_getUpdates(self, params: dict) -> list[dict]:
        if self._webhook.url:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if params.get("allowed_updates") not in (None, ""):
            self._allowed = list(load_json(params["allowed_updates"], "allowed updates"))
        offset = self._int(params, "offset")
        if offset is not None:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        limit = min(max(self._int(params, "limit") or 100, 1), 100)
        timeout = min(float(self._int(params, "timeout") or 0), POLL_TIMEOUT_CAP)
        if not self._queue and timeout > 0:
            if self._poller is not None and not self._poller.done():
                self._poller.set_result("conflict")
            self._poller = asyncio.get_running_loop().create_future()
            self._queue_event.clear()
            waiter = asyncio.ensure_future(self._queue_event.wait())
            await asyncio.wait([waiter, self._poller], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if self._poller.done() and self._poller.result() == "conflict":
                raise TelegramError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
        return copy.deepcopy(self._queue[:limit])

    def _allowed_types(self) -> frozenset[str]:
        return frozenset(self._allowed) if self._allowed else DEFAULT_ALLOWED

    async def _deliver(self, payload: dict, *, deadline: float) -> None:
        """Sends one update to the bot as Telegram would, retrying a failing webhook until `deadline`."""
        kind = next(iter(payload))
        if kind not in self._allowed_types():
            return  # the bot did not subscribe to this update type: Telegram drops it
        update = {"update_id": next(self._update_ids), **payload}
        delay = 0.1
        while True:
            if not self._webhook.url:
                self._queue.append(update)
                self._queue_event.set()
                return
            error = await self._post_webhook(update)
            if error is None:
                return
            self._webhook.last_error_date, self._webhook.last_error_message = int(time.time()), error
            if time.monotonic() + delay > deadline:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _post_webhook(self, update: dict) -> str | None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if self._webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook.secret_token
        try:
            async with self._session.post(
                self._webhook.url,
                data=json.dumps(update, ensure_ascii=False),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=60),
            ) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"Connection error: {exc.__class__.__name__}"

    async def close(self) -> None:
        await self._close_session(self.app)

    async def _close_session(self, _app: web.Application) -> None:
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
