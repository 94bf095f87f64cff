"""Reading control API requests: the JSON body, whole numbers, and the 400 a mistake in them gets."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class BadInput(ValueError):
    """A control request the page (or a test) got wrong; answered with 400 and a Russian explanation."""


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def whole(value: Any, what: str) -> int:
    """An integer field (a number or its digits, never a boolean)."""
    if isinstance(value, bool):
        raise BadInput(f"{what}: нужно целое число")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadInput(f"{what}: нужно целое число") from None


async def json_body(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise BadInput("Тело запроса должно быть JSON-объектом") from None
    if not isinstance(body, dict):
        raise BadInput("Тело запроса должно быть JSON-объектом")
    return body
