"""The OK part of the sandbox control API: comment on a group topic, write to the group, see the calls.

Routes (added to `/sandbox`): `POST /api/ok/comment`, `POST /api/ok/message`, `GET /api/ok/calls`,
`GET /api/ok/group` (administrators and tokens: `control_security`). The comment lands in the emulated group
only; the service finds it by polling, as it would on OK.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.control_security import ok_admins, ok_tokens
from bot.sandbox.ok_api import OkEmulator
from bot.sandbox.ok_webhook import OkWebhookSender

JsonBody = Callable[[web.Request], Awaitable[dict]]


@dataclass
class OkInfo:
    group_id: str
    webhook_url: str
    poll_interval: float


def _error(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


def _user_id(value: Any, what: str) -> str:
    text = str(value if value is not None else "").strip().removeprefix("user:")
    if isinstance(value, bool) or not text.isdigit():
        raise ValueError(f"{what}: нужен числовой идентификатор пользователя OK")
    return text


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("Поле text: напишите текст")
    return value


def state_section(ok: OkEmulator, info: OkInfo) -> dict[str, Any]:
    return {"group_id": info.group_id, "group_name": ok.state.group_name, "webhook_url": info.webhook_url,
            "poll_interval": info.poll_interval, "admins": ok_admins(ok), "tokens": ok_tokens(ok),
            "topics": [{"id": t.id, "text": t.text} for t in reversed(list(ok.state.topics.values()))],
            "citizens": [{"user_id": uid, "name": u.get("name") or f"{u['first_name']} {u['last_name']}".strip()}
                         for uid, u in ok.state.users.items()]}


def add_ok_routes(app: web.Application, *, ok: OkEmulator, sender: OkWebhookSender, info: OkInfo,
                  json_body: JsonBody) -> None:
    async def comment(request: web.Request) -> web.Response:
        try:
            body = await json_body(request)
            author = _user_id(body.get("author_id"), "author_id")
            text = _text(body.get("text"))
            name = body.get("author_name")
            if isinstance(name, str) and name.strip() and author not in ok.state.users:
                first, _, last = name.strip().partition(" ")
                ok.add_user(author, first, last)
            topic_id = body.get("topic_id")
            if topic_id not in (None, "") and str(topic_id) not in ok.state.topics:
                raise ValueError(f"Запись {topic_id} не найдена в группе")
            topic = str(topic_id) if topic_id not in (None, "") else None
            comment_id = ok.add_comment(topic, author, text)
        except PermissionError:
            return _error("Автор в чёрном списке группы: OK не даст ему комментировать")
        except ValueError as exc:
            return _error(str(exc))
        found = ok.state.find_comment(comment_id)
        assert found is not None
        return web.json_response({"comment_id": comment_id, "topic_id": found[0].id})

    async def message(request: web.Request) -> web.Response:
        try:
            body = await json_body(request)
            user_id = _user_id(body.get("user_id"), "user_id")
            text = _text(body.get("text"))
            name = body.get("name") if isinstance(body.get("name"), str) else ""
        except ValueError as exc:
            return _error(str(exc))
        result = await sender.deliver_message(user_id, name or ok.state.user(user_id)["name"], text)
        return web.json_response(result)

    async def calls(request: web.Request) -> web.Response:
        since = request.query.get("since", "0")
        start = int(since) if since.isdigit() else 0
        return web.json_response([{k: v for k, v in c.items() if k != "at"} for c in ok.calls[start:]])

    async def group(_request: web.Request) -> web.Response:
        return web.json_response(ok.snapshot())

    app.router.add_post("/api/ok/comment", comment)
    app.router.add_post("/api/ok/message", message)
    app.router.add_get("/api/ok/calls", calls)
    app.router.add_get("/api/ok/group", group)
