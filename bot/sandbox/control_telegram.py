"""The Telegram part of the sandbox control API beyond the work chat: authors' private chats with the bot and
the channel the service publishes to.

Routes (added to `/sandbox`): `POST /api/telegram/private`, `GET /api/telegram/private/{user_id}`,
`GET /api/telegram/channel`, `GET /api/samples`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.sandbox.sample_photos import SAMPLES
from bot.sandbox.telegram_api import TelegramEmulator

JsonBody = Callable[[web.Request], Awaitable[dict]]


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


def photo_bytes(value: Any) -> bytes:
    """A sample's name, or base64 of an image."""
    if isinstance(value, str) and value in SAMPLES:
        return SAMPLES[value]
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    raise ValueError(f"Фото: укажите имя образца ({', '.join(SAMPLES)}) или картинку в base64")


def add_telegram_routes(app: web.Application, *, telegram: TelegramEmulator, channel_id: int | None,
                        json_body: JsonBody, press_timeout: float = 15.0) -> None:
    async def private(request: web.Request) -> web.Response:
        try:
            body = await json_body(request)
            user_id = body.get("user_id")
            if isinstance(user_id, bool) or not isinstance(user_id, int):
                raise ValueError("Поле user_id: нужен числовой ID пользователя Telegram")
            data = body.get("callback_data")
            if data:
                message_id = next((m["message_id"] for m in reversed(telegram.private_view(user_id))
                                   if m["from"] == "bot" and any(b.get("callback_data") == data
                                                                 for row in m.get("buttons") or [] for b in row)),
                                  None)
                if message_id is None:
                    raise ValueError("Такой кнопки нет в личном чате с ботом")
                answer = await telegram.press_private(user_id, message_id, str(data), timeout=press_timeout)
                return web.json_response({"ok": True, "answer": answer})
            photos = [photo_bytes(p) for p in body.get("photos") or []]
            text = body.get("text")
            if text is not None and not isinstance(text, str):
                raise ValueError("Поле text: нужна строка")
            if photos:
                await telegram.send_private(user_id, photos=photos, caption=text or None)
            elif text and text.strip():
                await telegram.send_private(user_id, text=text)
            else:
                raise ValueError("Напишите текст или приложите фото")
        except LookupError as exc:
            return _error(f"Нельзя отправить: {exc}")
        except ValueError as exc:
            return _error(str(exc))
        except TimeoutError:
            return _error("Сервис не ответил на нажатие кнопки вовремя", 504)
        return web.json_response({"ok": True})

    async def private_view(request: web.Request) -> web.Response:
        try:
            user_id = int(request.match_info["user_id"])
            return web.json_response(telegram.private_view(user_id))
        except (ValueError, LookupError) as exc:
            return _error(f"Нет такого пользователя: {exc}")

    async def channel(_request: web.Request) -> web.Response:
        if channel_id is None:
            return _error("В песочнице нет канала", 404)
        return web.json_response(telegram.channel_view(channel_id))

    async def samples(_request: web.Request) -> web.Response:
        return web.json_response(sorted(SAMPLES))

    async def document(request: web.Request) -> web.StreamResponse:
        """A document the bot sent (the letter to the committee), downloaded as a person would from the chat."""
        data = telegram.document_bytes(request.match_info["file_id"])
        if data is None:
            return _error("Нет такого файла", 404)
        name = request.query.get("name") or "document"
        return web.Response(body=data, content_type="application/octet-stream",
                            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})

    app.router.add_get("/api/telegram/documents/{file_id}", document)
    app.router.add_post("/api/telegram/private", private)
    app.router.add_get("/api/telegram/private/{user_id}", private_view)
    app.router.add_get("/api/telegram/channel", channel)
    app.router.add_get("/api/samples", samples)
