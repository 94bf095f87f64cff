"""OK Bot API (group messages): the `/graph/*` endpoints and webhook delivery to the service.

OK pushes only group *chat* events (comments must be polled over REST). Delivery, as documented on
graph.user.subscribe: one JSON POST per event to every subscribed URL; the endpoint must answer HTTP 200 within
5 s, otherwise OK sends it again. OK publishes no retry schedule: `retry_delays` is the emulator's choice. No
signature or secret header exists, so none is sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from bot.sandbox.ok_errors import invalid, missing, not_found

if TYPE_CHECKING:
    from bot.sandbox.ok_api import OkEmulator

GraphHandler = Callable[["OkEmulator", dict[str, Any], "str | None"], Any]
WEBHOOK_CONTENT_TYPE = "application/json;charset=utf-8"


def _http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def subscribe(emulator: OkEmulator, body: dict[str, Any], _chat: str | None) -> dict:
    """graph.user.subscribe: idempotent, the first subscription time stays."""
    if not body.get("url"):
        raise missing("url")
    if not _http_url(body["url"]):
        raise invalid("url", body["url"])
    emulator.state.subscribe(body["url"])
    return {"success": True}


def unsubscribe(emulator: OkEmulator, body: dict[str, Any], _chat: str | None) -> dict:
    if not body.get("url"):
        raise missing("url")
    emulator.state.unsubscribe(str(body["url"]))  # an unknown url is a success too
    return {"success": True}


def subscriptions(emulator: OkEmulator, _body: dict[str, Any], _chat: str | None) -> dict:
    return {"subscriptions": [{"time": s["time"], "url": s["url"]} for s in emulator.state.subscriptions]}


def info(emulator: OkEmulator, _body: dict[str, Any], _chat: str | None) -> dict:
    return {"name": emulator.state.group_name, "group_id": f"group:{emulator.state.group_id}"}


def send_message(emulator: OkEmulator, body: dict[str, Any], chat_path: str | None) -> dict:
    """graph.user.messages POST, text messages only; the chat exists once a citizen has written."""
    recipient, message = body.get("recipient"), body.get("message")
    chat_id = recipient.get("chat_id") if isinstance(recipient, dict) else None
    if not chat_id:
        raise missing("recipient.chat_id")
    if chat_path != "me" and chat_id != chat_path:  # POST /graph/me/messages names the chat in the body only
        raise invalid("recipient.chat_id", chat_id)
    text = message.get("text") if isinstance(message, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise missing("message.text")
    chat = emulator.state.chats.get(chat_id)
    if chat is None:
        raise not_found(f"Chat {chat_id} not found")
    # UNVERIFIED response shape: OK documents `success`; `message_id` is assumed
    return {"success": True, "message_id": emulator.state.add_message(chat, "out", text)["mid"]}


# (HTTP verb, path, doc name used in `calls` and `fail_next`, handler)
GRAPH_ROUTES: tuple[tuple[str, str, str, GraphHandler], ...] = (
    ("POST", "/graph/me/subscribe", "graph.user.subscribe", subscribe),
    ("POST", "/graph/me/unsubscribe", "graph.user.unsubscribe", unsubscribe),
    ("GET", "/graph/me/subscriptions", "graph.user.subscriptions", subscriptions),
    ("GET", "/graph/me/info", "graph.user.info", info),
    ("GET", "/graph/me/info/", "graph.user.info", info),
    ("POST", "/graph/me/messages/{chat_id}", "graph.user.messages", send_message),
    ("POST", "/graph/{chat_id}/messages", "graph.user.messages", send_message),
)


class OkWebhookSender:
    """Posts MESSAGE_CREATED webhooks to every URL the service subscribed with graph.user.subscribe."""

    def __init__(
        self,
        emulator: OkEmulator,
        *,
        retry_delays: Sequence[float] = (1.0, 5.0, 30.0),
        timeout: float = 5.0,
    ) -> None:
        self.emulator = emulator
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self.deliveries: list[dict[str, Any]] = []
        self._session: aiohttp.ClientSession | None = None
        self._retries: set[asyncio.Task] = set()

    async def deliver_message(self, user_id: str, name: str, text: str) -> dict[str, Any]:
        """A citizen writes to the group: stores the message, then delivers it like OK.

        Returns the first subscribed URL's first attempt; `delivered` is true only if every URL took it at once.
        """
        user_id = user_id.removeprefix("user:")
        chat_id, message = self.emulator.receive_message(user_id, text, name=name)
        payload = {
            "webhookType": "MESSAGE_CREATED",
            "sender": {"user_id": f"user:{user_id}", "name": name},
            "recipient": {"chat_id": chat_id},
            "message": {"text": text, "seq": message["seq"], "mid": message["mid"]},
            "timestamp": message["timestamp"],
        }
        mid = message["mid"]
        urls = [s["url"] for s in self.emulator.state.subscriptions]
        if not urls:
            return {"mid": mid, "status": 0, "body": "no subscription", "delivered": False}
        data = json.dumps(payload, ensure_ascii=False).encode()
        results = []
        for url in urls:
            result = await self._attempt(url, data, mid, attempt=1)
            results.append(result)
            if not result["delivered"]:
                task = asyncio.create_task(self._retry(url, data, mid))
                self._retries.add(task)
                task.add_done_callback(self._retries.discard)
        first = results[0]
        return {
            "mid": mid,
            "status": first["status"],
            "body": first["body"],
            "delivered": all(r["delivered"] for r in results),
        }

    async def deliver_raw(self, body: dict | bytes, url: str) -> dict[str, Any]:
        """Posts an arbitrary body once (no retries), for tests of malformed or unusual deliveries."""
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        mid = None
        if isinstance(body, dict) and isinstance(body.get("message"), dict):
            mid = body["message"].get("mid")
        result = await self._attempt(url, data, mid, attempt=1)
        return {"status": result["status"], "body": result["body"], "delivered": result["delivered"]}

    async def drain(self) -> None:
        """Waits until every scheduled retry has finished (for tests and shutdown)."""
        while self._retries:
            await asyncio.gather(*list(self._retries), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._retries):
            task.cancel()
        await asyncio.gather(*list(self._retries), return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _retry(self, url: str, data: bytes, mid: str | None) -> None:
        for attempt, delay in enumerate(self.retry_delays, start=2):
            await asyncio.sleep(delay)
            if all(s["url"] != url for s in self.emulator.state.subscriptions):
                return  # unsubscribed meanwhile: OK stops sending there
            if (await self._attempt(url, data, mid, attempt=attempt))["delivered"]:
                return

    async def _attempt(self, url: str, data: bytes, mid: str | None, *, attempt: int) -> dict[str, Any]:
        """One POST; delivered = HTTP 200 within `timeout`. Status 0 means no HTTP answer at all."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        entry: dict[str, Any] = {"url": url, "mid": mid, "attempt": attempt, "status": 0, "body": ""}
        try:
            async with self._session.post(
                url,
                data=data,
                headers={"Content-Type": WEBHOOK_CONTENT_TYPE},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                allow_redirects=False,
            ) as response:
                entry["status"] = response.status
                entry["body"] = await response.text(errors="replace")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            entry["status"], entry["body"] = 0, ""
            entry["error"] = f"{exc.__class__.__name__}: {exc}".rstrip(": ")
        self.deliveries.append(entry)
        return {**entry, "delivered": entry["status"] == 200}
