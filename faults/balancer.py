"""A round-robin HTTP balancer on loopback, standing in for nginx in front of several replicas: VK's Callback
server and Telegram's webhook reach whichever replica is next, and a replica that does not answer is skipped."""

from __future__ import annotations

import json
from collections import Counter

import aiohttp
from aiohttp import web

from faults.harness import free_port

HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


class Balancer:
    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.served: Counter[tuple[str, str]] = Counter()  # (backend, route) → requests
        self.presses: dict[tuple[int, int], str] = {}  # (presser, message id) → the backend that got the press
        self._turn = 0
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        route = request.path.split("/")[2] if request.path.startswith("/webhooks/") else request.path
        for _ in range(len(self.backends)):
            backend = self.backends[self._turn % len(self.backends)]
            self._turn += 1
            try:
                async with self._http.request(request.method, backend + request.path_qs, data=body,
                                              headers=headers, allow_redirects=False) as upstream:
                    answer = await upstream.read()
                    self.served[(backend, route)] += 1
                    if route == "telegram":
                        self._note_press(body, backend)
                    kept = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_HEADERS}
                    return web.Response(status=upstream.status, body=answer, headers=kept)
            except (aiohttp.ClientConnectionError, TimeoutError):
                continue  # that replica is down: the next one
        return web.Response(status=502, text="no replica answered")

    def _note_press(self, body: bytes, backend: str) -> None:
        try:
            query = json.loads(body).get("callback_query") or {}
        except (ValueError, AttributeError):
            return
        if isinstance(query, dict) and isinstance(query.get("from"), dict) and isinstance(query.get("message"), dict):
            self.presses[(query["from"].get("id"), query["message"].get("message_id"))] = backend
