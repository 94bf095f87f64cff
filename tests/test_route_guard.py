"""What a request gets when the database is away or a handler has a bug, without an aiohttp middleware: every route
of the service is guarded (`handlers/errors.Routes`) except the webhooks, which answer for themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from bot.app import TELEGRAM_WEBHOOK_PATH, build_app
from bot.db import DatabaseUnavailable
from handlers import webhooks
from handlers.errors import Routes, is_guarded
from tests.conftest import Stack, database_away, make_config, serve

routes = Routes()


@routes.get("/away")
async def away(_request: web.Request) -> web.Response:
    raise DatabaseUnavailable("connection refused")


@routes.get("/bug")
async def bug(_request: web.Request) -> web.Response:
    raise KeyError("nobody expected this")


@routes.get("/missing")
async def missing(_request: web.Request) -> web.Response:
    raise web.HTTPNotFound(text="no such page")


@routes.get("/fine")
async def fine(_request: web.Request) -> web.Response:
    return web.Response(text="fine")


@pytest_asyncio.fixture
async def guarded_app() -> AsyncIterator[str]:
    app = web.Application()
    app.add_routes(routes)
    runner, base = await serve(app)
    try:
        yield base
    finally:
        await runner.cleanup()


async def _get(url: str) -> tuple[int, str, str | None]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text(), response.headers.get("Retry-After")


async def test_an_outage_is_a_503_to_retry_and_a_bug_a_500_with_its_traceback_logged(
        guarded_app: str, caplog: pytest.LogCaptureFixture) -> None:
    assert await _get(f"{guarded_app}/away") == (503, "storage unavailable, retry later", "10")
    status, text, _ = await _get(f"{guarded_app}/bug")
    assert (status, text) == (500, "internal error")
    assert any(r.exc_info and isinstance(r.exc_info[1], KeyError) for r in caplog.records)
    assert (await _get(f"{guarded_app}/missing"))[:2] == (404, "no such page")  # aiohttp's own answers pass
    assert (await _get(f"{guarded_app}/fine"))[:2] == (200, "fine")


def test_every_route_of_the_service_is_guarded_but_the_webhooks() -> None:
    config = make_config(database_url="postgresql://unused/x", vk_base="http://127.0.0.1:1", tg_base="http://127.0.0.1:1",
                         public_url="http://127.0.0.1:1", port=1)
    app = build_app(config, classifier=object(), start_loops=False)
    unguarded = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else "?"
        if path.startswith("/webhooks/"):
            continue
        if not is_guarded(route.handler):
            unguarded.append(f"{route.method} {path}")
    assert unguarded == []
    assert not app.middlewares  # the webhook's hot path runs no middleware
    webhook_paths = {route.resource.canonical for route in app.router.routes()
                     if route.resource is not None and route.resource.canonical.startswith("/webhooks/")}
    assert webhook_paths == {"/webhooks/{network}/{account}", "/webhooks/{network}/{account}/{rest}",
                             TELEGRAM_WEBHOOK_PATH}
    assert webhooks.webhook in {route.handler for route in app.router.routes()}


async def test_the_registry_page_answers_503_while_the_database_is_away(stack: Stack) -> None:
    assert stack.http is not None
    async with database_away(stack.database_url):
        async with stack.http.get(f"{stack.base}/registry.json") as response:
            assert response.status == 503 and response.headers["Retry-After"] == "10"
    async with stack.http.get(f"{stack.base}/registry.json") as response:
        assert response.status == 200
