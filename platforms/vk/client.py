"""Actions on VK through vkbottle's `API`: the right method, token and id signs for each item kind.

Two credentials per community, because VK splits its methods: the community token (board comments,
user names, Callback settings) and an administrator's user token (deleting wall, photo, video and
market comments; bans). Each token is limited to VK's documented rate (3 rps for a user token,
20 rps for a community token) so that the service itself never causes error 6.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from vkbottle import API
from vkbottle.api.request_rescheduler import ABCRequestRescheduler
from vkbottle.api.token_generator import ABCTokenGenerator
from vkbottle.exception_factory import VKAPIError
from vkbottle.http import AiohttpClient

from bot.domain import BanReason, Item, ItemKind, NetworkEvent
from bot.networks import NetworkError
from bot.ratelimit import SlidingWindow
from platforms.vk.errors import describe, is_transient
from platforms.vk.parse import parse_event

log = logging.getLogger(__name__)

USER_RPS = 3
GROUP_RPS = 20

# method prefix and the item's ref field naming the owner for each commentable kind
_COMMENT_METHODS: dict[ItemKind, str] = {
    ItemKind.WALL_COMMENT: "wall",
    ItemKind.PHOTO_COMMENT: "photos",
    ItemKind.VIDEO_COMMENT: "video",
    ItemKind.MARKET_COMMENT: "market",
}


class RateLimitedToken(ABCTokenGenerator):
    """vkbottle's hook for limiting: every request takes its token through here."""

    def __init__(self, token: str, rps: int) -> None:
        self.token = token
        # A tenth of a second of margin: VK counts arrivals, we count departures, and the network
        # between them can bunch two windows' requests into one.
        self.window = SlidingWindow(rps, 1.1)

    async def get_token(self) -> str:
        await self.window.acquire()
        return self.token

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __repr__(self) -> str:  # never show the token in logs
        return "<RateLimitedToken>"


class GiveUpRescheduler(ABCRequestRescheduler):
    """vkbottle retries a non-JSON answer forever; we fail fast and let our own retry policy decide."""

    async def reschedule(self, ctx_api: Any, method: str, data: dict[str, Any], recent_response: Any) -> Any:
        raise NetworkError("VK ответил не в формате JSON", transient=True)


@dataclass(frozen=True)
class VkCredentials:
    group_id: int
    group_token: str
    user_token: str


class VkNetwork:
    """The VK implementation of `bot.networks.Network`."""

    name = "vk"

    def __init__(self, credentials: Iterable[VkCredentials], *, api_url: str, api_version: str = "5.199",
                 timeout: float = 20.0) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._timeout = timeout
        self._apis: dict[tuple[int, str], API] = {}
        self._credentials = {c.group_id: c for c in credentials}
        self.api_url = api_url
        self.api_version = api_version
        self._names: dict[int, str] = {}

    def _api(self, group_id: int, which: str) -> API:
        key = (group_id, which)
        api = self._apis.get(key)
        if api is None:
            cred = self._credentials.get(group_id)
            if cred is None:
                raise NetworkError(f"Сообщество {group_id} не настроено в gospablik")
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
            token, rps = (cred.user_token, USER_RPS) if which == "user" else (cred.group_token, GROUP_RPS)
            api = API(RateLimitedToken(token, rps), http_client=AiohttpClient(session=self._session),
                      request_rescheduler=GiveUpRescheduler())
            api.API_URL = self.api_url
            api.API_VERSION = self.api_version
            self._apis[key] = api
        return api

    async def call(self, group_id: int, which: str, method: str, params: dict[str, Any]) -> Any:
        """One VK API call; VK and transport errors become NetworkError."""
        api = self._api(group_id, which)
        try:
            response = await api.request(method, params)
        except VKAPIError as exc:
            raise NetworkError(describe(exc.code, exc.error_msg), code=exc.code,
                               transient=is_transient(exc.code)) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise NetworkError(f"VK недоступен: {type(exc).__name__}", transient=True) from exc
        return response["response"]

    def parse(self, event_type: str, obj: object, community_id: int) -> NetworkEvent:
        return parse_event(event_type, obj, community_id)

    async def delete(self, item: Item) -> None:
        await self._comment_call(item, "deleteComment")

    async def restore(self, item: Item) -> None:
        await self._comment_call(item, "restoreComment")

    async def _comment_call(self, item: Item, verb: str) -> None:
        ref = item.ref
        group_id = item.community_id
        try:
            if item.kind is ItemKind.BOARD_COMMENT:
                result = await self.call(group_id, "group", f"board.{verb}", {
                    "group_id": abs(int(ref["owner_id"])), "topic_id": ref["topic_id"],
                    "comment_id": ref["comment_id"]})
            elif item.kind in _COMMENT_METHODS:
                result = await self.call(group_id, "user", f"{_COMMENT_METHODS[item.kind]}.{verb}", {
                    "owner_id": ref["owner_id"], "comment_id": ref["comment_id"]})
            else:
                raise NetworkError("Личные сообщения сообщества VK не удаляются через API")
        except NetworkError as exc:
            # Idempotency: "not found" on delete and "was not deleted" on restore mean already done.
            if (verb == "deleteComment" and exc.code == 104) or (verb == "restoreComment" and exc.code == 243):
                log.info("vk %s on %s: already done (code %s)", verb, item.ext_id, exc.code)
                return
            raise
        if result == 0 and verb == "deleteComment":
            log.info("vk %s on %s: VK says not found, already done", verb, item.ext_id)

    async def ban(self, community_id: int, user_id: int, *, days: int | None, reason: BanReason,
                  comment: str) -> None:
        params: dict[str, Any] = {"group_id": community_id, "owner_id": user_id, "reason": int(reason),
                                  "comment": comment, "comment_visible": 1}
        if days is not None:
            params["end_date"] = int((datetime.now(UTC) + timedelta(days=days)).timestamp())
        await self.call(community_id, "user", "groups.ban", params)

    async def unban(self, community_id: int, user_id: int) -> None:
        await self.call(community_id, "user", "groups.unban", {"group_id": community_id, "owner_id": user_id})

    async def reply(self, item: Item, text: str, *, key: int) -> None:
        """Posts the community's answer: a reply in the comment's thread, or a message in the dialogue."""
        ref = item.ref
        if item.kind is ItemKind.WALL_COMMENT:
            await self.call(item.community_id, "group", "wall.createComment", {
                "owner_id": ref["owner_id"], "post_id": ref["post_id"], "message": text,
                "reply_to_comment": ref["comment_id"], "guid": f"gospablik-{key}"})
        elif item.kind is ItemKind.MESSAGE:
            # random_id is VK's own guard against sending one message twice.
            await self.call(item.community_id, "group", "messages.send", {
                "peer_id": ref["peer_id"], "random_id": key, "message": text})
        else:
            raise NetworkError("Ответить на такой комментарий из рабочего чата пока нельзя — ответьте в VK")

    async def confirmation_code(self, community_id: int) -> str:
        """VK's current confirmation string for servers set up through the API; asked each time, since VK
        changes it when servers are added or edited."""
        response = await self.call(community_id, "group", "groups.getCallbackConfirmationCode",
                                   {"group_id": community_id})
        return str(response["code"])

    async def names(self, community_id: int, user_ids: Iterable[int]) -> dict[int, str]:
        """Names of people (positive ids), cached; a failure only costs the card its names."""
        wanted = sorted({u for u in user_ids if u > 0 and u not in self._names})
        if wanted:
            try:
                users = await self.call(community_id, "group", "users.get", {"user_ids": ",".join(map(str, wanted))})
            except NetworkError as exc:
                log.warning("vk users.get failed: %s", exc)
                users = []
            for user in users or []:
                if isinstance(user, dict) and "id" in user:
                    name = f"{user.get('first_name', '')} {user.get('last_name', '')}".strip()
                    self._names[int(user["id"])] = name or f"id{user['id']}"
        return {u: self._names[u] for u in user_ids if u in self._names}

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

