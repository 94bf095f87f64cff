"""VK Callback API sender: posts events to the service the way VK's Callback servers do.

Protocol (dev.vk.com/ru/api/callback/getting-started): one JSON POST per event with the envelope
`{"type","event_id","v","object","group_id","secret"}`; only HTTP 200 with the body `ok` counts as delivered.
Otherwise VK retries after 10 s, 3 min, 10 min, 30 min and 1 h, sending `X-Retry-Counter` = failed attempts so
far, and honours `Retry-After` (seconds or an HTTP date, under 3 hours) on 410/429/503. The body `remove` deletes
the server: no retries, and no further events are sent to it.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

import aiohttp

VK_RETRY_DELAYS = (10.0, 180.0, 600.0, 1800.0, 3600.0)
RETRY_AFTER_STATUSES = frozenset({410, 429, 503})
MAX_RETRY_AFTER = 3 * 3600


def new_event_id() -> str:
    return secrets.token_hex(20)


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` in seconds (number or HTTP date), or None when absent, invalid or not under 3 hours."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    if seconds < 0 or seconds >= MAX_RETRY_AFTER:
        return None
    return seconds


class CallbackSender:
    """One Callback server of the community, pointed at the service's callback URL."""

    def __init__(
        self,
        *,
        url: str,
        group_id: int,
        secret: str | None,
        api_version: str = "5.199",
        retry_delays: Sequence[float] = VK_RETRY_DELAYS,
        session: aiohttp.ClientSession | None = None,
        response_timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.group_id = group_id
        self.secret = secret
        self.api_version = api_version
        self.retry_delays = tuple(retry_delays)
        self.response_timeout = response_timeout
        self.deliveries: list[dict] = []
        self.removed = False
        self._session = session
        self._own_session = session is None
        self._retries: set[asyncio.Task] = set()

    def envelope(self, event_type: str, obj: dict, event_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": event_type,
            "event_id": event_id,
            "v": self.api_version,
            "object": obj,
            "group_id": self.group_id,
        }
        if self.secret is not None:
            data["secret"] = self.secret
        return data

    async def deliver(self, event_type: str, obj: dict, event_id: str | None = None) -> dict:
        """Posts the event once and returns {"event_id","status","body"}; failures are retried in background."""
        event_id = event_id or new_event_id()
        if self.removed:
            return {"event_id": event_id, "status": None, "body": None, "error": "callback server removed"}
        payload = self.envelope(event_type, obj, event_id)
        result = await self._attempt(payload, attempt=0)
        if result["body"] == "remove" and result["status"] == 200:
            self.removed = True
        elif not result["delivered"]:
            task = asyncio.create_task(self._retry(payload, result))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
        return {"event_id": event_id, "status": result["status"], "body": result["body"]}

    async def confirm(self) -> dict:
        """The confirmation request VK sends when the server address is saved; the answer must be the code."""
        payload: dict[str, Any] = {"type": "confirmation", "group_id": self.group_id}
        if self.secret is not None:
            payload["secret"] = self.secret
        status, body, _headers, error = await self._post(payload, headers={})
        entry = {"event_id": None, "type": "confirmation", "attempt": 0, "status": status, "body": body}
        if error:
            entry["error"] = error
        self.deliveries.append(entry)
        return {"status": status, "body": body}

    async def drain(self) -> None:
        """Waits until every scheduled retry has finished (for tests and shutdown)."""
        while self._retries:
            await asyncio.gather(*list(self._retries), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._retries):
            task.cancel()
        await asyncio.gather(*list(self._retries), return_exceptions=True)
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    # ---- internals ----
    async def _retry(self, payload: dict, last: dict) -> None:
        for attempt, default_delay in enumerate(self.retry_delays, start=1):
            delay = default_delay
            asked = retry_after_seconds(last["retry_after"]) if last["status"] in RETRY_AFTER_STATUSES else None
            if asked is not None:
                delay = asked
            await asyncio.sleep(delay)
            if self.removed:
                return
            last = await self._attempt(payload, attempt=attempt)
            if last["body"] == "remove" and last["status"] == 200:
                self.removed = True
                return
            if last["delivered"]:
                return

    async def _attempt(self, payload: dict, *, attempt: int) -> dict:
        headers = {"X-Retry-Counter": str(attempt)} if attempt else {}
        status, body, response_headers, error = await self._post(payload, headers=headers)
        entry: dict[str, Any] = {
            "event_id": payload["event_id"],
            "type": payload["type"],
            "attempt": attempt,
            "status": status,
            "body": body,
        }
        if error:
            entry["error"] = error
        self.deliveries.append(entry)
        return {
            "status": status,
            "body": body,
            "delivered": status == 200 and body == "ok",
            "retry_after": response_headers.get("Retry-After"),
        }

    async def _post(self, payload: dict, *, headers: dict[str, str]) -> tuple[int | None, str, dict, str | None]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        try:
            async with self._session.post(
                self.url,
                data=json.dumps(payload, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json", **headers},
                timeout=aiohttp.ClientTimeout(total=self.response_timeout),
                allow_redirects=False,
            ) as resp:
                body = await resp.text(errors="replace")
                return resp.status, body, dict(resp.headers), None
        except (aiohttp.ClientError, TimeoutError) as exc:
            return None, "", {}, f"{exc.__class__.__name__}: {exc}".rstrip(": ")
