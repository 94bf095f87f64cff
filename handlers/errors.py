"""What a request gets when the database is away or a handler has a bug: 503 with Retry-After (the caller comes
back, nothing is half-done), or 500 with the traceback logged.

A decorator on each route rather than an aiohttp middleware: a middleware runs on every request, and aiohttp's
middleware chain costs ~7 µs a request (10 % of a bare app), which the network webhooks, answering thousands of
events a second, do not pay. They handle both cases themselves (`handlers/webhooks.py`); every other route module
declares its routes with `Routes`, which guards each handler.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.db import DatabaseUnavailable

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def unavailable() -> web.Response:
    return web.Response(status=503, text="storage unavailable, retry later", headers={"Retry-After": "10"})


def guarded(handler: Handler) -> Handler:
    """The handler, answering 503 for a database outage and 500 (traceback logged) for a bug."""

    @functools.wraps(handler)
    async def guard(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except DatabaseUnavailable as exc:
            log.error("%s %s: database unavailable: %s", request.method, request.path, exc)
            return unavailable()
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            return web.Response(status=500, text="internal error")

    guard.guarded = True  # type: ignore[attr-defined]
    return guard


def is_guarded(handler: Any) -> bool:
    return getattr(handler, "guarded", False) is True


class Routes(web.RouteTableDef):
    """aiohttp's route table whose handlers are all `guarded`."""

    def route(self, method: str, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        register = super().route(method, path, **kwargs)

        def inner(handler: Handler) -> Handler:
            register(guarded(handler))
            return handler

        return inner
