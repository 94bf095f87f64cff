"""Control API and demo page of the sandbox, mounted by the service with `app.add_subapp("/sandbox", ...)`.

The page plays the citizens (they comment on the VK wall and write to the community) and the staff (they press
buttons in the Telegram work chat); the service under test sits between the two emulators and only sees real
Callback requests and real Bot API updates. Administrators, tokens and the bot's rights: `control_security`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bot.sandbox.control_faults import add_fault_routes
from bot.sandbox.control_input import BadInput, whole
from bot.sandbox.control_input import json_body as _json_body
from bot.sandbox.control_input import json_error as _json_error
from bot.sandbox.control_ok import OkInfo, add_ok_routes, state_section
from bot.sandbox.control_security import (
    add_ok_security_routes,
    add_telegram_security_routes,
    add_vk_security_routes,
    vk_admins,
    vk_tokens,
)
from bot.sandbox.control_telegram import add_telegram_routes
from bot.sandbox.ok_api import OkEmulator
from bot.sandbox.ok_webhook import OkWebhookSender
from bot.sandbox.telegram_api import TelegramEmulator
from bot.sandbox.vk_api import VkEmulator
from bot.sandbox.vk_callback import CallbackSender
from bot.sandbox.vk_events import EventFiller

STATIC_DIR = Path(__file__).parent / "static"
__all__ = ["BadInput", "SandboxInfo", "sandbox_app"]


@dataclass
class SandboxInfo:
    group_id: int
    callback_url: str
    secret: str
    confirmation: str
    work_chat_id: int
    staff: list[dict] = field(default_factory=list)  # [{"user_id","name","role","roles","unit"}]
    outsider_user_id: int = 0
    channel: dict | None = None  # {"channel_id", "title", "username"}
    targets: list[str] = field(default_factory=list)  # "network:account_id" of every page one may publish to


def _names(vk: VkEmulator, snapshot: dict) -> dict[str, str]:
    """Display names of everyone the page shows (authors, correspondents, banned users)."""
    ids: set[int] = set(vk.users)
    for section in ("posts", "topics", "photos", "videos", "market"):
        for item in snapshot[section]:
            ids.update(c["from_id"] for c in item["comments"])
    ids.update(m["from_id"] for m in snapshot["messages"])
    ids.update(m["peer_id"] for m in snapshot["messages"])
    ids.update(b["user_id"] for b in snapshot["bans"])
    names: dict[str, str] = {}
    for user_id in ids:
        if user_id > 0:
            user = vk.state.user(user_id)
            names[str(user_id)] = f"{user['first_name']} {user['last_name']}"
        elif user_id == -vk.group_id:
            names[str(user_id)] = vk.state.group_name
        elif user_id < 0:
            names[str(user_id)] = f"Сообщество {-user_id}"
    return names


def sandbox_app(
    *,
    vk: VkEmulator,
    sender: CallbackSender,
    telegram: TelegramEmulator,
    info: SandboxInfo,
    ok: OkEmulator | None = None,
    ok_sender: OkWebhookSender | None = None,
    ok_info: OkInfo | None = None,
    press_timeout: float = 15.0,
) -> web.Application:
    """The page and its JSON API; `press_timeout` is how long a button press waits for the service's answer."""
    app = web.Application()
    filler = EventFiller(vk)

    async def page(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})

    async def state(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                **({"ok": state_section(ok, ok_info)} if ok is not None and ok_info is not None else {}),
                "vk": {
                    "group_id": info.group_id,
                    "group_name": vk.state.group_name,
                    "callback_url": info.callback_url,
                    "secret": info.secret,
                    "confirmation": info.confirmation,
                    "admins": vk_admins(vk),
                    "tokens": vk_tokens(vk),
                },
                "telegram": {
                    "work_chat_id": info.work_chat_id,
                    "staff": info.staff,
                    "outsider_user_id": info.outsider_user_id,
                    "outsider_name": _telegram_name(telegram, info.outsider_user_id),
                    **({"channel": info.channel} if info.channel else {}),
                },
                "targets": info.targets,
                "citizens": [
                    {"user_id": u["id"], "name": f"{u['first_name']} {u['last_name']}"} for u in vk.users.values()
                ],
            }
        )

    async def vk_event(request: web.Request) -> web.Response:
        try:
            body = await _json_body(request)
            event_type = body.get("type")
            obj = body.get("object")
            event_id = body.get("event_id")
            if not isinstance(event_type, str) or not event_type or event_type == "confirmation":
                raise BadInput("Поле type: укажите тип события VK, например wall_reply_new")
            if not isinstance(obj, dict):
                raise BadInput("Поле object: нужен JSON-объект события")
            if event_id is not None and not isinstance(event_id, str):
                raise BadInput("Поле event_id: нужна строка")
            if body.get("raw") is True:  # exactly what VK sent once, replayed: nothing filled in
                try:
                    vk.record_event_object(event_type, obj)
                except (TypeError, ValueError, AttributeError):
                    raise BadInput("Поле object: VK не присылает событие такого вида") from None
            else:
                obj = filler.fill(event_type, obj)
                vk.record_event_object(event_type, obj)
        except BadInput as exc:
            return _json_error(400, str(exc))
        result = await sender.deliver(event_type, obj, event_id)
        return web.json_response({**result, "object": obj})

    async def vk_confirm(_request: web.Request) -> web.Response:
        result = await sender.confirm()
        return web.json_response(
            {
                **result,
                "expected": info.confirmation,
                "confirmed": result["status"] == 200 and result["body"] == info.confirmation,
            }
        )

    async def vk_calls(request: web.Request) -> web.Response:
        since = request.query.get("since", "0")
        start = int(since) if since.isdigit() else 0
        return web.json_response(vk.calls[start:])

    async def vk_deliveries(_request: web.Request) -> web.Response:
        return web.json_response(sender.deliveries)

    async def vk_wall(_request: web.Request) -> web.Response:
        snapshot = vk.snapshot()
        snapshot["names"] = _names(vk, snapshot)
        return web.json_response(snapshot)

    async def telegram_chat(_request: web.Request) -> web.Response:
        return web.json_response(telegram.chat_view(info.work_chat_id))

    async def telegram_press(request: web.Request) -> web.Response:
        try:
            body = await _json_body(request)
            message_id = whole(body.get("message_id"), "message_id")
            user_id = whole(body.get("user_id"), "user_id")
            data = body.get("callback_data")
            if not isinstance(data, str) or not data:
                raise BadInput("Поле callback_data: нужна непустая строка")
            answer = await telegram.press(
                chat_id=info.work_chat_id,
                message_id=message_id,
                callback_data=data,
                user_id=user_id,
                timeout=press_timeout,
            )
        except BadInput as exc:
            return _json_error(400, str(exc))
        except LookupError as exc:
            return _json_error(400, f"Нельзя нажать: {exc}")
        except TimeoutError:
            return _json_error(504, "Сервис не ответил на нажатие кнопки вовремя")
        return web.json_response({"answer": answer})

    async def telegram_message(request: web.Request) -> web.Response:
        try:
            body = await _json_body(request)
            user_id = whole(body.get("user_id"), "user_id")
            text = body.get("text")
            if not isinstance(text, str) or not text.strip():
                raise BadInput("Поле text: напишите текст сообщения")
            reply_to = body.get("reply_to_message_id")
            message = await telegram.send_user_message(
                chat_id=info.work_chat_id,
                user_id=user_id,
                text=text,
                reply_to_message_id=whole(reply_to, "reply_to_message_id") if reply_to not in (None, "") else None,
            )
        except BadInput as exc:
            return _json_error(400, str(exc))
        except LookupError as exc:
            return _json_error(400, f"Нельзя отправить: {exc}")
        return web.json_response({"message": message})

    app.router.add_get("/", page)
    app.router.add_get("/api/state", state)
    app.router.add_post("/api/vk/event", vk_event)
    app.router.add_post("/api/vk/confirm", vk_confirm)
    app.router.add_get("/api/vk/calls", vk_calls)
    app.router.add_get("/api/vk/deliveries", vk_deliveries)
    app.router.add_get("/api/vk/wall", vk_wall)
    app.router.add_get("/api/telegram/chat", telegram_chat)
    app.router.add_post("/api/telegram/press", telegram_press)
    app.router.add_post("/api/telegram/message", telegram_message)
    if ok is not None and ok_sender is not None and ok_info is not None:
        add_ok_routes(app, ok=ok, sender=ok_sender, info=ok_info, json_body=_json_body)
        add_ok_security_routes(app, ok=ok, json_body=_json_body)
    add_vk_security_routes(app, vk=vk, json_body=_json_body)
    add_telegram_routes(app, telegram=telegram, channel_id=info.channel["channel_id"] if info.channel else None,
                        json_body=_json_body, press_timeout=press_timeout)
    add_fault_routes(app, vk=vk, telegram=telegram, ok=ok, work_chat_id=info.work_chat_id)
    if info.work_chat_id in telegram.chats:
        add_telegram_security_routes(app, telegram=telegram, work_chat_id=info.work_chat_id,
                                     channel_id=info.channel["channel_id"] if info.channel else None,
                                     json_body=_json_body)
    return app


def _telegram_name(telegram: TelegramEmulator, user_id: int) -> str:
    user = telegram.users.get(user_id)
    if not user:
        return "Посторонний"
    return " ".join(filter(None, [user.get("first_name"), user.get("last_name")]))
