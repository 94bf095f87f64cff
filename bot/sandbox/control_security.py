"""The account-security part of the sandbox control API: who manages the emulated pages, which credentials still
work, and what the bot may do in Telegram, so that a demo (or a check from outside) can plant a stranger among the
administrators or kill a token and watch the service notice.

Routes (added to `/sandbox`; bad input gets 400 `{"error": "<по-русски>"}`):
- `GET /api/vk/admins` → `{"admins": [{"user_id", "role", "name"}]}`; `POST` `{"user_id", "role"?}` (role: creator,
  administrator (default), editor, moderator, advertiser) and `DELETE` (`{"user_id"}` or `?user_id=`) → `{"ok": true,
  "admins": [...]}`;
- `GET /api/vk/tokens` → `{"user": {...}, "group": {...}}`; `POST /api/vk/revoke-token` `{"token": "user"|"group",
  "restore"?: bool}`; `POST /api/vk/token-expiry` `{"expires_at": unix seconds | null}` (the user token);
  `POST /api/vk/token-permissions` `{"token": "user"|"group", "permissions": [names]}`; each → `{"ok": true}`;
- the same for OK: `GET|POST|DELETE /api/ok/admins` (`{"user_id", "role"?: "ADMIN" (default) | "MODERATOR"}`),
  `GET /api/ok/tokens`, `POST /api/ok/revoke-token`, `POST /api/ok/token-expiry`;
- `GET /api/telegram/bot-rights` → `{"work": <ChatMember>, "channel"?: <ChatMember>}` (the bot, as getChatMember
  answers); `POST /api/telegram/bot-rights` `{"chat": "work"|"channel", "status": "administrator"|"member",
  <right>: bool...}` → `{"ok": true, "member": <ChatMember>}`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.sandbox.ok_access import MANAGER_STATUSES
from bot.sandbox.ok_api import OkEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.sandbox.telegram_channel import CHANNEL_RIGHTS
from bot.sandbox.telegram_chats import GROUP_RIGHTS
from bot.sandbox.vk_access import COMMUNITY_RIGHTS, MANAGER_ROLES, USER_SCOPES
from bot.sandbox.vk_api import VkEmulator

JsonBody = Callable[[web.Request], Awaitable[dict]]
Handler = Callable[[web.Request], Awaitable[web.Response]]
TOKENS = ("user", "group")
TOKEN_ERROR = "Поле token: user (ключ администратора) или group (ключ сообщества)"


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _guarded(handler: Callable[[web.Request], Awaitable[Any]]) -> Handler:
    """Runs a route; a ValueError (the control API's BadInput is one) is the caller's mistake: 400."""

    async def route(request: web.Request) -> web.Response:
        try:
            return web.json_response(await handler(request))
        except ValueError as exc:
            return _error(str(exc))

    return route


# ---- views
def vk_admins(vk: VkEmulator) -> list[dict[str, Any]]:
    def name(user_id: int) -> str:
        user = vk.state.user(user_id)
        return f"{user['first_name']} {user['last_name']}"

    return [{"user_id": user_id, "role": role, "name": name(user_id)} for user_id, role in vk.managers().items()]


def vk_tokens(vk: VkEmulator) -> dict[str, Any]:
    access = vk.state.access
    expired = access.user_expires_at is not None and access.user_expires_at <= time.time()
    return {
        "user": {"valid": access.token_problem("user") is None, "revoked": "user" in access.revoked,
                 "expires_at": access.user_expires_at, "expired": expired, "scope": list(access.user_scope),
                 "mask": access.scope_mask()},
        "group": {"valid": access.token_problem("group") is None, "revoked": "group" in access.revoked,
                  "rights": list(access.community_rights), "mask": access.rights_mask()},
    }


def ok_admins(ok: OkEmulator) -> list[dict[str, Any]]:
    return [{"user_id": user_id, "role": role, "name": ok.state.user(user_id)["name"]}
            for user_id, role in ok.managers().items()]


def ok_tokens(ok: OkEmulator) -> dict[str, Any]:
    access = ok.state.access
    expired = access.user_expires_at is not None and access.user_expires_at <= time.time()
    return {"user": {"valid": access.token_valid("user"), "revoked": "user" in access.revoked,
                     "expires_at": access.user_expires_at, "expired": expired},
            "group": {"valid": access.token_valid("group"), "revoked": "group" in access.revoked}}


# ---- reading the requests
async def _target_user(request: web.Request, json_body: JsonBody) -> tuple[Any, dict]:
    """The user a DELETE names: `?user_id=` or `{"user_id"}` in a JSON body."""
    if "user_id" in request.query:
        return request.query["user_id"], {}
    body = await json_body(request)
    return body.get("user_id"), body


def _vk_user(value: Any) -> int:
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not text.isdigit() or int(text) <= 0:
        raise ValueError("Поле user_id: нужен положительный числовой ID пользователя VK")
    return int(text)


def _ok_user(value: Any) -> str:
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not text.isdigit():
        raise ValueError("Поле user_id: нужен числовой идентификатор пользователя OK")
    return text


def _token(body: dict) -> tuple[str, bool]:
    token, restore = body.get("token"), body.get("restore", False)
    if token not in TOKENS:
        raise ValueError(TOKEN_ERROR)
    if not isinstance(restore, bool):
        raise ValueError("Поле restore: true (вернуть ключ) или false (отозвать)")
    return token, restore


def _expiry(body: dict) -> int | None:
    if "expires_at" not in body:
        raise ValueError("Поле expires_at: время в секундах Unix или null (ключ не истекает)")
    value = body["expires_at"]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("Поле expires_at: время в секундах Unix или null (ключ не истекает)")
    return value


def add_vk_security_routes(app: web.Application, *, vk: VkEmulator, json_body: JsonBody) -> None:
    async def admins(_request: web.Request) -> dict:
        return {"admins": vk_admins(vk)}

    async def add_admin(request: web.Request) -> dict:
        body = await json_body(request)
        user_id = _vk_user(body.get("user_id"))
        role = body.get("role", "administrator")
        if role not in MANAGER_ROLES:
            raise ValueError(f"Поле role: одна из ролей {', '.join(MANAGER_ROLES)}")
        vk.add_manager(user_id, role)
        return {"ok": True, "admins": vk_admins(vk)}

    async def remove_admin(request: web.Request) -> dict:
        user_id = _vk_user((await _target_user(request, json_body))[0])
        if user_id not in vk.managers():
            raise ValueError(f"Пользователь {user_id} не входит в руководство сообщества")
        vk.remove_manager(user_id)
        return {"ok": True, "admins": vk_admins(vk)}

    async def tokens(_request: web.Request) -> dict:
        return vk_tokens(vk)

    async def revoke(request: web.Request) -> dict:
        token, restore = _token(await json_body(request))
        (vk.restore_token if restore else vk.revoke_token)(token)
        return {"ok": True}

    async def expiry(request: web.Request) -> dict:
        vk.set_user_token_expiry(_expiry(await json_body(request)))
        return {"ok": True}

    async def permissions(request: web.Request) -> dict:
        body = await json_body(request)
        token, names = body.get("token"), body.get("permissions")
        if token not in TOKENS:
            raise ValueError(TOKEN_ERROR)
        known = USER_SCOPES if token == "user" else COMMUNITY_RIGHTS
        if not isinstance(names, list) or not all(isinstance(n, str) and n in known for n in names):
            raise ValueError(f"Поле permissions: список из {', '.join(known)}")
        (vk.set_user_scope if token == "user" else vk.set_community_rights)(names)
        return {"ok": True}

    app.router.add_get("/api/vk/admins", _guarded(admins))
    app.router.add_post("/api/vk/admins", _guarded(add_admin))
    app.router.add_delete("/api/vk/admins", _guarded(remove_admin))
    app.router.add_get("/api/vk/tokens", _guarded(tokens))
    app.router.add_post("/api/vk/revoke-token", _guarded(revoke))
    app.router.add_post("/api/vk/token-expiry", _guarded(expiry))
    app.router.add_post("/api/vk/token-permissions", _guarded(permissions))


def add_ok_security_routes(app: web.Application, *, ok: OkEmulator, json_body: JsonBody) -> None:
    async def admins(_request: web.Request) -> dict:
        return {"admins": ok_admins(ok)}

    async def add_admin(request: web.Request) -> dict:
        body = await json_body(request)
        user_id = _ok_user(body.get("user_id"))
        role = body.get("role", "ADMIN")
        if role not in MANAGER_STATUSES:
            raise ValueError("Поле role: ADMIN (администратор) или MODERATOR (модератор)")
        ok.add_manager(user_id, role)
        return {"ok": True, "admins": ok_admins(ok)}

    async def remove_admin(request: web.Request) -> dict:
        user_id = _ok_user((await _target_user(request, json_body))[0])
        if user_id not in ok.managers():
            raise ValueError(f"Пользователь {user_id} не администратор и не модератор группы")
        ok.remove_manager(user_id)
        return {"ok": True, "admins": ok_admins(ok)}

    async def tokens(_request: web.Request) -> dict:
        return ok_tokens(ok)

    async def revoke(request: web.Request) -> dict:
        token, restore = _token(await json_body(request))
        (ok.restore_token if restore else ok.revoke_token)(token)
        return {"ok": True}

    async def expiry(request: web.Request) -> dict:
        ok.set_user_token_expiry(_expiry(await json_body(request)))
        return {"ok": True}

    app.router.add_get("/api/ok/admins", _guarded(admins))
    app.router.add_post("/api/ok/admins", _guarded(add_admin))
    app.router.add_delete("/api/ok/admins", _guarded(remove_admin))
    app.router.add_get("/api/ok/tokens", _guarded(tokens))
    app.router.add_post("/api/ok/revoke-token", _guarded(revoke))
    app.router.add_post("/api/ok/token-expiry", _guarded(expiry))


def add_telegram_security_routes(app: web.Application, *, telegram: TelegramEmulator, work_chat_id: int,
                                 channel_id: int | None, json_body: JsonBody) -> None:
    chats = {"work": work_chat_id, **({"channel": channel_id} if channel_id is not None else {})}

    def member(chat_id: int) -> dict:
        return telegram.bot_membership(chat_id)

    async def rights(_request: web.Request) -> dict:
        return {name: member(chat_id) for name, chat_id in chats.items()}

    async def set_rights(request: web.Request) -> dict:
        body = await json_body(request)
        chat, status = body.get("chat"), body.get("status")
        if chat not in chats:
            raise ValueError(f"Поле chat: {' или '.join(chats)}")
        if status not in ("administrator", "member"):
            raise ValueError("Поле status: administrator (администратор) или member (обычный участник)")
        given = {k: v for k, v in body.items() if k not in ("chat", "status")}
        if not all(k.startswith("can_") and isinstance(v, bool) for k, v in given.items()):
            raise ValueError("Права бота: поля can_…, значения true или false")
        if status == "member" and given:
            raise ValueError("У обычного участника нет прав администратора: уберите поля can_…")
        unknown = sorted(set(given) - (CHANNEL_RIGHTS if chat == "channel" else GROUP_RIGHTS))
        if unknown:
            raise ValueError(f"Таких прав у бота в этом чате не бывает: {', '.join(unknown)}")
        telegram.set_bot_membership(chats[chat], status, given)
        return {"ok": True, "member": member(chats[chat])}

    app.router.add_get("/api/telegram/bot-rights", _guarded(rights))
    app.router.add_post("/api/telegram/bot-rights", _guarded(set_rights))
