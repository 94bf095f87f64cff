"""A small async client of OK's two APIs on aiohttp: REST (`fb.do`, signed) and the Bot API (`/graph`).

No maintained async OK client exists on PyPI, so this one does only what the service needs. REST calls
are signed (`sig = md5(sorted "k=v" + md5(access_token + application_secret_key))`, raw UTF-8 values,
`access_token` and `sig` outside the sorted string) and sent as a POST form, so long texts fit. Each
token keeps to a request rate of our own, since OK publishes none. OK answers errors as
`{"error_code", "error_msg"}` in an HTTP 200 body: every answer is checked for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

from bot.platform import PlatformError
from bot.ratelimit import SlidingWindow
from platforms.ok.errors import describe, is_transient

log = logging.getLogger(__name__)
SOURCE = "OK"
UNSIGNED = ("sig", "access_token", "session_key")


def signature(params: Mapping[str, str], access_token: str, application_secret: str) -> str:
    secret = hashlib.md5((access_token + application_secret).encode()).hexdigest()
    joined = "".join(f"{key}={params[key]}" for key in sorted(params) if key not in UNSIGNED)
    return hashlib.md5((joined + secret).encode("utf-8")).hexdigest()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class OkClient:
    def __init__(self, *, api_url: str, application_key: str, application_secret: str, requests_per_second: int = 5,
                 timeout: float = 20.0) -> None:
        self.api_url = api_url
        self.application_key = application_key
        self.application_secret = application_secret
        self._rps = requests_per_second
        self._timeout = timeout
        self._windows: dict[str, SlidingWindow] = {}
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        return self._session

    async def _turn(self, token: str) -> None:
        window = self._windows.get(token)
        if window is None:
            window = self._windows[token] = SlidingWindow(self._rps, 1.1)
        await window.acquire()

    @staticmethod
    def _check(body: Any) -> Any:
        if isinstance(body, dict) and "error_code" in body:
            code = body.get("error_code")
            code = code if isinstance(code, int) else None
            raise PlatformError(describe(code, body.get("error_msg")), code=code, transient=is_transient(code),
                                source=SOURCE)
        return body

    async def rest(self, access_token: str, method: str, params: Mapping[str, Any], *,
                   idempotent: bool = True) -> Any:
        """One signed REST call; `idempotent` False: a lost answer is reported as uncertain, not retried."""
        form = {key: _text(value) for key, value in params.items() if value is not None}
        form |= {"application_key": self.application_key, "format": "json", "method": method}
        form["sig"] = signature(form, access_token, self.application_secret)
        form["access_token"] = access_token
        await self._turn(access_token)
        return await self._request("POST", f"{self.api_url}fb.do", data=form, idempotent=idempotent, what=method)

    async def graph(self, token: str, verb: str, path: str, body: Mapping[str, Any] | None = None, *,
                    idempotent: bool = True) -> Any:
        """One Bot API call with the group's key, JSON in and out."""
        await self._turn(token)
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json;charset=utf-8"} if data is not None else {}
        return await self._request(verb, f"{self.api_url}graph/{path}", params={"access_token": token}, data=data,
                                   headers=headers, idempotent=idempotent, what=f"graph {path.split('/')[1]}")

    async def upload(self, url: str, files: Mapping[str, tuple[str, bytes, str]]) -> Any:
        """A multipart upload to the address OK gave (photos): field -> (file name, bytes, content type)."""
        form = aiohttp.FormData()
        for field, (name, data, content_type) in files.items():
            form.add_field(field, data, filename=name, content_type=content_type)
        return await self._request("POST", url, data=form, idempotent=True, what="upload")

    async def _request(self, verb: str, url: str, *, idempotent: bool, what: str, **kwargs: Any) -> Any:
        try:
            async with self._http().request(verb, url, **kwargs) as response:
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise PlatformError(f"OK недоступен: {type(exc).__name__}", transient=idempotent,
                                uncertain=not idempotent, source=SOURCE) from exc
        # A server error on a call that is not idempotent may come after the call was carried out.
        doubtful = not idempotent and status >= 500
        try:
            body = json.loads(raw)
        except ValueError:
            log.warning("ok %s: HTTP %s answer is not JSON: %r", what, status, raw[:200])
            raise PlatformError(f"OK ответил не в формате JSON (HTTP {status})", transient=status >= 500 and idempotent,
                                uncertain=doubtful or not idempotent, source=SOURCE) from None
        body = self._check(body)
        if status >= 400:
            raise PlatformError(f"OK ответил HTTP {status}", transient=status >= 500 and idempotent,
                                uncertain=doubtful, source=SOURCE)
        return body

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
