"""VK API emulator: `POST|GET /method/{name}` speaking VK's wire format over real HTTP.

Point vkbottle at it with `api.API_URL = f"{base}/method/"`. It is as strict as api.vk.ru for what it
implements: the version, the token and its type, the rate limit and every parameter are checked in VK's order,
and every answer is JSON (vkbottle retries non-JSON answers forever).

Checks, in order: unknown method → 3; no token → 5 "no access_token passed."; unknown token → 5 "invalid
access_token (4)."; a revoked or expired token → 5 (texts in `vk_access`); no `v` → 8 "v is required"; `v` below
5.81 → 8; over 3 req/s per user token or 20 req/s per community token (sliding 1 s window) → 6; an error injected
with `fail_next` or `faults` (a fault with an HTTP status other than 200 fails first, as the front end would, with
an HTML page); a community token on a user-only method → 27, a user token on a community-only one → 5; a
missing scope, right or manager role → 15 (`vk_security`); then the method's own parameter checks (see
`vk_methods`, and `vk_publish` for the wall posts, polls and photos, whose upload server `POST /upload/wall` this
app serves as well). With `send_events_to`, deletions and restores made through the API are reported to the
Callback server, as VK reports them (`vk_events`).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Coroutine
from typing import Any

import aiohttp
from aiohttp import web

from bot.sandbox import (
    vk_publish,  # registers the publishing methods in METHODS
    vk_security,  # registers the account security methods in METHODS
)
from bot.sandbox.faults import FaultBook, front_response, is_api, is_front
from bot.sandbox.rate_limit import SlidingWindow
from bot.sandbox.vk_callback import CallbackSender
from bot.sandbox.vk_errors import VkApiError
from bot.sandbox.vk_methods import GROUP, METHODS, USER, Call, Context, version_supported
from bot.sandbox.vk_state import VkState

OLD_VERSION_DETAIL = (
    'versions below 5.81 are deprecated. Version param should be passed as "v". "version" param is invalid '
    "and not supported. For more information go to https://vk.com/dev/constant_version_updates"
)
GROUP_AUTH_MESSAGE = "Group authorization failed: method is unavailable with group auth."


class VkEmulator(vk_security.VkSecurity):
    """One VK community with a community token and an admin's user token."""

    def __init__(
        self,
        *,
        group_id: int,
        group_token: str,
        user_token: str,
        admin_user_id: int,
        group_name: str = "Администрация Октябрьского района",
        enforce_rate_limits: bool = True,
    ) -> None:
        if group_id <= 0:
            raise ValueError("group_id is the positive community id")
        self.group_id = group_id
        self.admin_user_id = admin_user_id
        self.enforce_rate_limits = enforce_rate_limits
        self.confirmation_code = secrets.token_hex(4)
        self.state = VkState(group_id, group_name)
        self.calls: list[dict] = []
        self._tokens = {group_token: GROUP, user_token: USER}
        self.rate_limits = {USER: SlidingWindow(3, 1.0), GROUP: SlidingWindow(20, 1.0)}
        self.faults = FaultBook()
        self.callback: CallbackSender | None = None  # where deletions and restores made through the API are reported
        self._background: set[asyncio.Task] = set()
        self.app = web.Application()
        self.app.router.add_route("GET", "/method/{name}", self._handle)
        self.app.router.add_route("POST", "/method/{name}", self._handle)
        self.app.router.add_route("POST", "/upload/wall", self._upload)
        self.app.router.add_route("GET", "/photo/{key}", self._photo)

    # ---- state helpers (the public test/demo surface)
    @property
    def users(self) -> dict[int, dict]:
        return self.state.users

    def add_user(self, user_id: int, first_name: str, last_name: str) -> None:
        self.state.add_user(user_id, first_name, last_name)

    def add_post(self, text: str, *, post_id: int | None = None, date: int | None = None) -> int:
        """Publishes a community post (as if an admin wrote it on VK) and returns its id."""
        return self.state.add_object("wall", text, object_id=post_id, date=date).id

    def add_topic(self, title: str, *, topic_id: int | None = None) -> int:
        return self.state.add_object("board", title, object_id=topic_id).id

    def add_photo(self, caption: str = "", *, photo_id: int | None = None) -> int:
        return self.state.add_object("photo", caption, object_id=photo_id).id

    def add_video(self, title: str = "", *, video_id: int | None = None) -> int:
        return self.state.add_object("video", title, object_id=video_id).id

    def add_market_item(self, title: str = "", *, item_id: int | None = None) -> int:
        return self.state.add_object("market", title, object_id=item_id).id

    def next_id(self, kind: str) -> int:
        """A fresh id for a new item of `kind`: "wall", "board", "photo", "video", "market" or "message"."""
        return self.state.next_id(kind)

    def fail_next(self, method: str, code: int, times: int = 1) -> None:
        """The next `times` calls of `method` get VK error `code` (message from VK's errors.json)."""
        self.faults.add(method, 200, error_code=code, times=times)

    def send_events_to(self, sender: CallbackSender | None) -> None:
        """From now on, deletions and restores made through the API reach `sender`'s Callback server, as on VK
        (`vk_events` has their shapes; None stops it)."""
        self.callback = sender

    def deactivate_user(self, user_id: int, how: str | None) -> None:
        """The user's page is "deleted" or "banned" (None: restored); users.get answers as VK does."""
        self.state.deactivate(user_id, how)

    def record_event_object(self, event_type: str, obj: dict) -> None:
        self.state.record_event_object(event_type, obj)

    def snapshot(self) -> dict:
        return self.state.snapshot()

    def calls_of(self, method: str) -> list[dict]:
        return [c for c in self.calls if c["method"] == method]

    # ---- HTTP
    async def _read_params(self, request: web.Request) -> dict[str, str]:
        params = {k: v for k, v in request.query.items()}
        if request.method == "POST" and request.body_exists:
            if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                for key, value in (await request.post()).items():
                    if isinstance(value, str):
                        params[key] = value
            else:
                await request.read()  # VK ignores JSON and other bodies: parameters must be form fields
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and "access_token" not in params:
            params["access_token"] = auth[len("Bearer ") :].strip()
        return params

    async def _upload(self, request: web.Request) -> web.Response:
        return await vk_publish.receive_wall_upload(self.state, request)

    async def _photo(self, request: web.Request) -> web.Response:
        return await vk_publish.serve_photo(self.state, request)

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        # The emulator knows its own address only from the request; the prefix is where it is mounted.
        base_url = f"{request.scheme}://{request.host}{request.path.rpartition('/method/')[0]}"
        params = await self._read_params(request)
        token_kind = self._tokens.get(params.get("access_token", ""))
        logged = {k: v for k, v in params.items() if k != "access_token"}
        entry: dict[str, Any] = {"method": name, "params": logged, "token": token_kind, "at": time.time()}
        front = self.faults.take(name, where=is_front)
        if front is not None:
            self.calls.append({**entry, "error": {"http_status": front.status}})
            return front_response(front)
        try:
            entry["response"] = self._dispatch(name, params, token_kind, base_url)
            body: dict[str, Any] = {"response": entry["response"]}
        except VkApiError as exc:
            entry["error"] = {"error_code": exc.code, "error_msg": exc.message}
            request_params = [{"key": "method", "value": name}, {"key": "oauth", "value": "1"}]
            request_params += [{"key": k, "value": v} for k, v in logged.items()]
            body = {"error": {**entry["error"], "request_params": request_params}}
        self.calls.append(entry)
        events, self.state.api_events = self.state.api_events, []
        for event_type, obj in events:
            if self.callback is not None:
                self._in_background(self.callback.deliver(event_type, obj))
        while self.state.pending_confirmations:
            self._in_background(self._confirm_server(self.state.pending_confirmations.pop(0)))
        return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/json")

    def _in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _confirm_server(self, server_id: int) -> None:
        """What VK does after a server is added or edited: asks the address for the confirmation string."""
        server = self.state.callback_servers.get(server_id)
        if server is None:
            return
        payload = {"type": "confirmation", "group_id": self.group_id}
        if server["secret_key"]:
            payload["secret"] = server["secret_key"]
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session, \
                    session.post(server["url"], json=payload) as response:
                body = await response.text()
                ok = response.status == 200 and body.strip() == self.confirmation_code
        except (aiohttp.ClientError, TimeoutError, OSError):
            ok = False
        server["status"] = "ok" if ok else "failed"

    def callback_servers(self) -> list[dict]:
        """The community's Callback servers as VK's settings page would list them."""
        settings = self.state.callback_settings
        return [dict(server, settings=settings.get(server["id"])) for server in self.state.callback_servers.values()]

    def _dispatch(self, name: str, params: dict[str, str], token_kind: str | None, base_url: str = "") -> Any:
        method = METHODS.get(name)
        if method is None:
            raise VkApiError(3)
        if not params.get("access_token"):
            raise VkApiError(5, "no access_token passed.")
        if token_kind is None:
            raise VkApiError(5, "invalid access_token (4).")
        problem = self.state.access.token_problem(token_kind)
        if problem:
            raise VkApiError(5, problem)
        if not params.get("v"):
            raise VkApiError(8, "v is required")
        if not version_supported(params["v"]):
            raise VkApiError(8, OLD_VERSION_DETAIL)
        if self.enforce_rate_limits and self.rate_limits[token_kind].hit(params["access_token"]) > 0:
            raise VkApiError(6)
        fault = self.faults.take(name, where=is_api)
        if fault is not None:
            raise VkApiError(fault.error_code or 1, message=fault.description)
        if token_kind not in method.tokens:
            if token_kind == GROUP:
                raise VkApiError(27, message=GROUP_AUTH_MESSAGE)
            raise VkApiError(5, message=vk_security.USER_AUTH_MESSAGE)
        vk_security.check_access(name, token_kind, self.state, self.admin_user_id)
        self.state.publish_due()
        ctx = Context(state=self.state, admin_user_id=self.admin_user_id, confirmation_code=self.confirmation_code,
                      base_url=base_url)
        return method.handler(Call(params, token_kind, ctx))
