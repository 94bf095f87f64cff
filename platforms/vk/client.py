"""VK's API through vkbottle's `API`: the right token for each method, VK's rate limits kept on our side.

Two credentials per community, because VK splits its methods: the community token (board comments,
user names, messages, Callback settings) and an administrator's user token (deleting wall, photo,
video and market comments; bans). Each token is limited to VK's documented rate (3 rps for a user
token, 20 rps for a community token) so that the service itself never causes error 6.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiohttp
from vkbottle import API
from vkbottle.api.request_rescheduler import ABCRequestRescheduler
from vkbottle.api.token_generator import ABCTokenGenerator
from vkbottle.exception_factory import VKAPIError
from vkbottle.http import AiohttpClient

from bot.platform import PlatformError
from bot.ratelimit import SlidingWindow
from platforms.vk.config import VkCommunity
from platforms.vk.errors import describe, is_transient

USER_RPS = 3
GROUP_RPS = 20
SOURCE = "VK"


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
        raise PlatformError("VK ответил не в формате JSON", transient=True, source=SOURCE)


class VkApi:
    """API clients per (community, token kind), created on first use over one aiohttp session."""

    def __init__(self, communities: Iterable[tuple[int, VkCommunity]], *, api_url: str, api_version: str,
                 timeout: float = 20.0, rates: tuple[int, int] = (USER_RPS, GROUP_RPS)) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._timeout = timeout
        self._apis: dict[tuple[int, str], API] = {}
        self._communities = dict(communities)
        self.api_url = api_url
        self.api_version = api_version
        self.rates = rates  # requests a second for a user token and a community token

    def _api(self, group_id: int, which: str) -> API:
        key = (group_id, which)
        api = self._apis.get(key)
        if api is None:
            community = self._communities.get(group_id)
            if community is None:
                raise PlatformError(f"Сообщество {group_id} не настроено в Госпаблике")
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
            token, rps = (community.user_token, self.rates[0]) if which == "user" else (community.group_token,
                                                                                        self.rates[1])
            api = API(RateLimitedToken(token, rps), http_client=AiohttpClient(session=self._session),
                      request_rescheduler=GiveUpRescheduler())
            api.API_URL = self.api_url
            api.API_VERSION = self.api_version
            self._apis[key] = api
        return api

    async def call(self, group_id: int, which: str, method: str, params: dict[str, Any]) -> Any:
        """One VK API call with the community's `which` ("user" or "group") token; errors become PlatformError."""
        api = self._api(group_id, which)
        try:
            response = await api.request(method, params)
        except VKAPIError as exc:
            raise PlatformError(describe(exc.code, exc.error_msg), code=exc.code, transient=is_transient(exc.code),
                                source=SOURCE) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PlatformError(f"VK недоступен: {type(exc).__name__}", transient=True, source=SOURCE) from exc
        return response["response"]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
