"""The fault part of the sandbox control API: make an emulated network fail on purpose, and the real situations the
service must survive (the bot kicked from the work chat, the chat upgraded, a VK page deactivated).

Routes (added to `/sandbox`; bad input gets 400 `{"error": "<по-русски>"}`):
- `POST /api/faults` `{"service": "telegram"|"vk"|"ok", "method": name | "*", "status", "error_code"?, "description"?,
  "parameters"?: {"retry_after"?, "migrate_to_chat_id"?}, "times": N | "for_seconds": S}` → `{"ok": true, "service",
  "fault": {...}}`. VK and OK: `status` 200 is an API error (`error_code` required) in the network's JSON; any
  other status is the front end failing with an HTML page. Telegram: `status` 400-599, `error_code` defaults to it,
  `parameters` only there;
- `GET /api/faults` → `{"faults": [{"service", "id", "method", "status", …, "hits", "times_left"|"seconds_left"}]}`;
- `DELETE /api/faults` (`?service=vk` for one network) → `{"ok": true, "cleared": N}`;
- `POST /api/telegram/bot-status` `{"chat_id"?: the work chat, "status": "kicked"|"left"|"member"|"administrator",
  "by"?: user_id}` → `{"ok": true, "member": <the bot's ChatMember>}` (the bot is told by `my_chat_member`);
- `POST /api/telegram/migrate` `{"chat_id"?: the work chat, "new_chat_id": -100…, "by"?}` → `{"ok": true}`;
- `POST /api/vk/users/deactivate` `{"user_id", "deactivated": "deleted"|"banned"|null}` → `{"ok": true}`;
- `GET /api/telegram/calls?since=N` → every Bot API call from the N-th on: `{"method", "chat_id", "at", "status",
  "description"?, "retry_after"?, "injected"?}` (whether the bot waited out a 429, what reached the chat and when).
"""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from bot.sandbox.control_input import BadInput, json_body, json_error, whole
from bot.sandbox.faults import FaultBook
from bot.sandbox.ok_api import OkEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.sandbox.vk_api import VkEmulator

SERVICES = ("telegram", "vk", "ok")
PARAMETERS = ("retry_after", "migrate_to_chat_id")
MAX_SECONDS = 24 * 3600


def _count(body: dict, name: str, low: int, high: int, error: str) -> int | None:
    if body.get(name) is None:
        return None
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(error)
    return value


def _duration(body: dict) -> float | None:
    value = body.get("for_seconds")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SECONDS \
            or not math.isfinite(value):
        raise BadInput(f"Поле for_seconds: число секунд больше нуля и не больше {MAX_SECONDS}")
    return float(value)


def _parameters(body: dict, service: str) -> dict[str, int]:
    raw = body.get("parameters")
    if raw is None:
        return {}
    if service != "telegram":
        raise BadInput("Поле parameters бывает только у ошибок Telegram")
    if not isinstance(raw, dict) or set(raw) - set(PARAMETERS):
        raise BadInput("Поле parameters: объект с retry_after и (или) migrate_to_chat_id")
    parameters: dict[str, int] = {}
    if raw.get("retry_after") is not None:
        parameters["retry_after"] = _count(raw, "retry_after", 1, MAX_SECONDS,
                                           "parameters.retry_after: целое число секунд, от 1") or 1
    if raw.get("migrate_to_chat_id") is not None:
        value = raw["migrate_to_chat_id"]
        if isinstance(value, bool) or not isinstance(value, int) or value >= 0:
            raise BadInput("parameters.migrate_to_chat_id: отрицательный ID супергруппы (-100…)")
        parameters["migrate_to_chat_id"] = value
    return parameters


def read_fault(body: dict, books: dict[str, FaultBook]) -> tuple[str, dict[str, Any]]:
    """The service and the `FaultBook.add` arguments a request asks for, or BadInput with what is wrong."""
    service = body.get("service")
    if service not in SERVICES:
        raise BadInput("Поле service: telegram, vk или ok")
    if service not in books:
        raise BadInput(f"{service}: эта сеть в песочнице не запущена")
    method = body.get("method")
    if not isinstance(method, str) or not method or len(method) > 100 or any(c.isspace() for c in method):
        raise BadInput("Поле method: имя метода (например, sendMessage или wall.deleteComment) или «*» — любой метод")
    status = _count(body, "status", 100, 599, "Поле status: HTTP-код ответа, целое число от 100 до 599")
    if status is None:
        raise BadInput("Поле status: HTTP-код ответа, целое число от 100 до 599")
    error_code = _count(body, "error_code", -(2**31), 2**31 - 1, "Поле error_code: целое число")
    if service == "telegram" and status < 400:
        raise BadInput("Для Telegram status — код ошибки, от 400 до 599")
    if service != "telegram":
        if status != 200 and not 400 <= status <= 599:
            raise BadInput("Для VK и OK status 200 (ошибка API в теле ответа) или код ошибки от 400 до 599")
        if status == 200 and error_code is None:
            raise BadInput("Для VK и OK со status 200 укажите error_code — код ошибки API (например, 6 или 10)")
        if status != 200 and error_code is not None:
            raise BadInput("error_code бывает только при status 200: при другом статусе отвечает фронтенд"
                           " HTML-страницей")
    description = body.get("description")
    if description is not None and (not isinstance(description, str) or not description or len(description) > 4096):
        raise BadInput("Поле description: непустая строка до 4096 символов")
    times = _count(body, "times", 1, 1_000_000, "Поле times: сколько вызовов, целое число от 1 до 1000000")
    for_seconds = _duration(body)
    if (times is None) == (for_seconds is None):
        raise BadInput("Укажите ровно одно из полей: times (сколько вызовов) или for_seconds (сколько секунд)")
    return service, {"method": method, "status": status, "error_code": error_code, "description": description,
                     "parameters": _parameters(body, service), "times": times, "for_seconds": for_seconds}


def add_fault_routes(app: web.Application, *, vk: VkEmulator, telegram: TelegramEmulator, ok: OkEmulator | None,
                     work_chat_id: int) -> None:
    books = {"telegram": telegram.faults, "vk": vk.faults, **({"ok": ok.faults} if ok is not None else {})}

    async def add(request: web.Request) -> web.Response:
        try:
            service, fault = read_fault(await json_body(request), books)
        except BadInput as exc:
            return json_error(400, str(exc))
        book = books[service]
        return web.json_response({"ok": True, "service": service, "fault": book.view(book.add(**fault))})

    async def listing(_request: web.Request) -> web.Response:
        return web.json_response({"faults": [{"service": name, **f} for name, book in books.items()
                                             for f in book.active()]})

    async def clear(request: web.Request) -> web.Response:
        wanted = request.query.get("service")
        if wanted is not None and wanted not in books:
            return json_error(400, "Параметр service: " + ", ".join(books))
        cleared = sum(book.clear() for name, book in books.items() if wanted in (None, name))
        return web.json_response({"ok": True, "cleared": cleared})

    async def bot_status(request: web.Request) -> web.Response:
        try:
            body = await json_body(request)
            chat_id = whole(body.get("chat_id", work_chat_id), "chat_id")
            status = body.get("status")
            if status not in ("kicked", "left", "member", "administrator"):
                raise BadInput("Поле status: kicked (бота удалили), left (бот вышел), member или administrator")
            by = whole(body["by"], "by") if body.get("by") is not None else None
            telegram.set_bot_status(chat_id, status, by=by)
        except BadInput as exc:
            return json_error(400, str(exc))
        except (LookupError, ValueError) as exc:
            return json_error(400, f"Нельзя изменить статус бота: {exc}")
        return web.json_response({"ok": True, "member": telegram.bot_membership(chat_id)})

    async def migrate(request: web.Request) -> web.Response:
        try:
            body = await json_body(request)
            chat_id = whole(body.get("chat_id", work_chat_id), "chat_id")
            new_chat_id = whole(body.get("new_chat_id"), "new_chat_id")
            by = whole(body["by"], "by") if body.get("by") is not None else None
            telegram.migrate_chat(chat_id, new_chat_id, by=by)
        except BadInput as exc:
            return json_error(400, str(exc))
        except (LookupError, ValueError) as exc:
            return json_error(400, f"Нельзя преобразовать чат в супергруппу: {exc}")
        return web.json_response({"ok": True})

    async def deactivate(request: web.Request) -> web.Response:
        try:
            body = await json_body(request)
            user_id = whole(body.get("user_id"), "user_id")
            how = body.get("deactivated")
            if user_id <= 0 or how not in ("deleted", "banned", None):
                raise BadInput("Нужны user_id (положительный ID пользователя VK) и deactivated: deleted, banned или"
                               " null (страница снова активна)")
        except BadInput as exc:
            return json_error(400, str(exc))
        vk.deactivate_user(user_id, how)
        return web.json_response({"ok": True})

    async def telegram_calls(request: web.Request) -> web.Response:
        since = request.query.get("since", "0")
        return web.json_response(telegram.call_log[int(since) if since.isdigit() else 0:])

    app.router.add_get("/api/telegram/calls", telegram_calls)
    app.router.add_post("/api/faults", add)
    app.router.add_get("/api/faults", listing)
    app.router.add_delete("/api/faults", clear)
    app.router.add_post("/api/telegram/bot-status", bot_status)
    app.router.add_post("/api/telegram/migrate", migrate)
    app.router.add_post("/api/vk/users/deactivate", deactivate)
