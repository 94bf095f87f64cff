"""Telegram Bot API emulator: `/bot{token}/{method}` over real HTTP, plus the people and chats around the bot.

Point aiogram at it with `AiohttpSession(api=TelegramAPIServer.from_base(base))`. It answers with Telegram's
own HTTP status and description for what it refuses (bad HTML, long texts and captions, bad buttons, unknown
messages, unmodified edits, stale callback queries, missing channel rights, users who never wrote or blocked
the bot, flood limits) and delivers updates the way Telegram does: POSTed to the webhook with
`X-Telegram-Bot-Api-Secret-Token`, or queued for `getUpdates`.

The emulator is split by idea; this module only wires the parts together and speaks HTTP:
- `telegram_core`: chats, stored messages, access rules, presses;
- `telegram_chats`: the work chat's people, getChat / getChatMember / getChatAdministrators;
- `telegram_channel`: channels and what was published there;
- `telegram_private`: private chats with the bot (drafts from staff);
- `telegram_messages`: sendMessage, edits, deleteMessage, copyMessage;
- `telegram_media`: sendPhoto, sendMediaGroup, sendPoll;
- `telegram_files`: uploads, file_ids, getFile and `GET /file/bot{token}/{file_path}`;
- `telegram_updates`: webhook and long polling;
- `telegram_membership`: the bot kicked from (and added back to) a group, a group upgraded to a supergroup;
- `faults`: errors injected for N calls or S seconds (`faults`, `fail_next`).

Documented deviations: `setWebhook` accepts http:// and loopback URLs (the sandbox runs offline); pictures
are not re-encoded (every size downloads the original bytes); URLs given as photos are not fetched.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from bot.sandbox.faults import STATUS_TEXT, Fault, FaultBook
from bot.sandbox.rate_limit import SlidingWindow
from bot.sandbox.telegram_channel import ChannelMethods
from bot.sandbox.telegram_chats import WorkChatMethods
from bot.sandbox.telegram_core import Chat, RequestParams
from bot.sandbox.telegram_documents import DocumentMethods
from bot.sandbox.telegram_files import MAX_UPLOAD_BYTES, FileMethods, FileStore
from bot.sandbox.telegram_markup import TelegramError
from bot.sandbox.telegram_media import MediaMethods
from bot.sandbox.telegram_membership import SUPERGROUP_IDS, MembershipMethods
from bot.sandbox.telegram_messages import MessageMethods
from bot.sandbox.telegram_private import PrivateMethods
from bot.sandbox.telegram_updates import UpdateMethods


class TelegramEmulator(
    WorkChatMethods, ChannelMethods, PrivateMethods, MessageMethods, MediaMethods, DocumentMethods, FileMethods,
    UpdateMethods, MembershipMethods,
):
    """One bot, its group chats, channels and private chats, and the people in them."""

    def __init__(self, *, token: str, bot_username: str = "gospablik_bot", messages_per_minute: int = 20) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0])
        self.bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Госпаблик",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }
        self.calls: list[tuple[str, dict]] = []
        # Every call's outcome with its time, for checks from outside (who waited out a 429, what reached a chat).
        self.call_log: list[dict[str, Any]] = []
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, dict] = {}
        self.member_status: dict[tuple[int, int], str] = {}
        self._private = {}
        self._messages = {}
        self._message_ids = {}
        self._queries = {}
        self.faults = FaultBook()
        self._limit = SlidingWindow(messages_per_minute, 60.0)
        self._files = FileStore()
        self._deliveries = set()
        self._init_updates()
        # Room for Telegram's 50 MB upload limit plus the form around it; larger bodies answer 413 like Telegram.
        self.app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self.app.on_cleanup.append(self._close_session)

    # ---- set-up ----
    def add_chat(self, chat_id: int, title: str, *, is_forum: bool = False, topics: Iterable[int] = (),
                 kind: str = "supergroup") -> None:
        """A group chat with the bot as its administrator: a "supergroup" (id -100…) or a basic "group", which
        `migrate_chat` can upgrade."""
        if kind not in ("group", "supergroup") or chat_id >= 0 or (kind == "group" and chat_id <= SUPERGROUP_IDS):
            raise ValueError(f"a {kind} chat id is negative{' and above -10**12' if kind == 'group' else ''}")
        self.chats[chat_id] = Chat(chat_id, type=kind, title=title, is_forum=is_forum and kind == "supergroup",
                                   topics=set(topics))
        self._messages.setdefault(chat_id, {})
        self._message_ids.setdefault(chat_id, itertools.count(1))

    def add_user(
        self, user_id: int, first_name: str, last_name: str | None = None, username: str | None = None
    ) -> None:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        user["language_code"] = "ru"
        self.users[user_id] = user
        # Their private chat with the bot exists from now on, but the bot may write there only once they have.
        chat = self._private.setdefault(user_id, Chat(user_id, type="private"))
        chat.person = user
        self._messages.setdefault(user_id, {})
        self._message_ids.setdefault(user_id, itertools.count(1))

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """ "creator" | "administrator" | "member" | "left" | "kicked"; known users default to "member". For the bot
        itself this is `set_bot_status`: a kicked bot cannot write there, and it is told by `my_chat_member`."""
        if user_id == self.bot_user["id"]:
            self.set_bot_status(chat_id, status)
            return
        self.member_status[(chat_id, user_id)] = status

    def fail_next(self, method: str, status: int, description: str, retry_after: int | None = None) -> None:
        self.faults.add(method, status, description=description, times=1,
                        parameters={"retry_after": retry_after} if retry_after is not None else None)

    def calls_of(self, method: str) -> list[dict]:
        return [params for name, params in self.calls if name == method]

    # ---- HTTP ----
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        try:
            params = await self._read_params(request)
        except web.HTTPRequestEntityTooLarge:
            error = TelegramError(413, "Request Entity Too Large")
            return web.json_response(error.body(), status=error.status)
        self.calls.append((method, params))
        entry: dict[str, Any] = {"method": method, "chat_id": params.get("chat_id"), "at": time.time(), "status": 200}
        self.call_log.append(entry)
        handler = getattr(self, "_m_" + method, None)
        try:
            if handler is None:
                raise TelegramError(404, "Not Found")
            fault = self.faults.take(method)
            if fault is not None:
                entry["injected"] = True
                raise fault_error(fault)
            result = await handler(params)
        except TelegramError as exc:
            entry.update(status=exc.status, description=exc.description)
            if exc.retry_after is not None:
                entry["retry_after"] = exc.retry_after
            return web.json_response(exc.body(), status=exc.status)
        return web.json_response({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> RequestParams:
        """Query, JSON, urlencoded or multipart fields; multipart file parts go to `params.uploads`."""
        params = RequestParams(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                with contextlib.suppress(ValueError):
                    body = await request.json()
                    if isinstance(body, dict):
                        params.update(body)
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, str):
                        params[key] = value
                    elif isinstance(value, web.FileField):
                        params.uploads[key] = value.file.read()
                        params.upload_names[key] = value.filename or ""
        return params


def fault_error(fault: Fault) -> TelegramError:
    """An injected fault as Telegram answers it; a 429 always carries `retry_after`, as Telegram's do."""
    parameters = dict(fault.parameters)
    if fault.status == 429:
        parameters.setdefault("retry_after", 5)
    description = fault.description
    if description is None:
        if fault.status == 429:
            description = f"Too Many Requests: retry after {parameters['retry_after']}"
        elif "migrate_to_chat_id" in parameters:
            description = "Bad Request: group chat was upgraded to a supergroup chat"
        else:
            description = STATUS_TEXT.get(fault.status, "Error")
    return TelegramError(fault.status, description, parameters.get("retry_after"),
                         migrate_to_chat_id=parameters.get("migrate_to_chat_id"), error_code=fault.error_code)
