"""Telegram Bot API emulator: `/bot{token}/{method}` over real HTTP, plus the humans of the work chat.

Point aiogram at it with `AiohttpSession(api=TelegramAPIServer.from_base(base))`. It answers with Telegram's
own descriptions for what it refuses (bad HTML, long text, bad buttons, unknown messages, unmodified edits,
stale callback queries, flood limits) and delivers updates the way Telegram does: POSTed to the webhook with
`X-Telegram-Bot-Api-Secret-Token`, or queued for `getUpdates`.

One documented deviation: `setWebhook` accepts http:// and loopback URLs (Telegram requires public HTTPS on
ports 443/80/88/8443), because the sandbox runs offline.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.sandbox.rate_limit import SlidingWindow
from bot.sandbox.telegram_html import render_html
from bot.sandbox.telegram_markup import TelegramError, bad_request, inline_keyboard, load_json, message_text

MAX_ANSWER_LENGTH = 200
POLL_TIMEOUT_CAP = 1.0
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "my_chat_member",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "chat_join_request",
    }
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


@dataclass
class _Chat:
    id: int
    title: str
    is_forum: bool
    topics: set[int]
    type: str = "supergroup"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "type": self.type, "is_forum": self.is_forum}


@dataclass
class _Stored:
    """A message as the chat shows it now."""

    message: dict[str, Any]
    edits: int = 0


@dataclass
class _Query:
    chat_id: int
    message_id: int
    future: asyncio.Future
    answered: bool = False
    expired: bool = False


@dataclass
class _Webhook:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    pending: list[dict] = field(default_factory=list)


class TelegramEmulator:
    """One bot, its group chats and the people in them."""

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
        self.chats: dict[int, _Chat] = {}
        self.users: dict[int, dict] = {}
        self.member_status: dict[tuple[int, int], str] = {}
        self._messages: dict[int, dict[int, _Stored]] = {}
        self._message_ids: dict[int, itertools.count] = {}
        self._queries: dict[str, _Query] = {}
        self._failures: dict[str, list[TelegramError]] = {}
        self._limit = SlidingWindow(messages_per_minute, 60.0)
        self._webhook = _Webhook()
        self._allowed: list[str] | None = None
        self._update_ids = itertools.count(1)
        self._queue: list[dict] = []
        self._queue_event = asyncio.Event()
        self._poller: asyncio.Future | None = None
        self._session: aiohttp.ClientSession | None = None
        self._deliveries: set[asyncio.Task] = set()
        self.app = web.Application()
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.app.on_cleanup.append(self._close_session)

    # ---- set-up ----
    def add_chat(self, chat_id: int, title: str, *, is_forum: bool = False, topics: Iterable[int] = ()) -> None:
        self.chats[chat_id] = _Chat(chat_id, title, is_forum, set(topics))
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

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """ "creator" | "administrator" | "member" | "left" | "kicked"; known users default to "member"."""
        self.member_status[(chat_id, user_id)] = status

    def fail_next(self, method: str, status: int, description: str, retry_after: int | None = None) -> None:
        self._failures.setdefault(method, []).append(TelegramError(status, description, retry_after))

    def calls_of(self, method: str) -> list[dict]:
        return [params for name, params in self.calls if name == method]

    # ---- what the humans see and do ----
    def chat_view(self, chat_id: int) -> list[dict]:
        view = []
        for stored in self._messages.get(chat_id, {}).values():
            msg = stored.message
            buttons = (msg.get("reply_markup") or {}).get("inline_keyboard", [])
            sender = msg.get("from", {})
            view.append(
                {
                    "message_id": msg["message_id"],
                    "text": msg.get("text", ""),
                    "html": render_html(msg.get("text", ""), msg.get("entities", [])),
                    "buttons": [
                        [{k: v for k, v in b.items() if k in ("text", "callback_data", "url")} for b in row]
                        for row in buttons
                    ],
                    "edits": stored.edits,
                    "thread_id": msg.get("message_thread_id"),
                    "date": msg["date"],
                    "from": {
                        "id": sender.get("id"),
                        "is_bot": sender.get("is_bot", False),
                        "name": " ".join(filter(None, [sender.get("first_name"), sender.get("last_name")])),
                    },
                    "reply_to_message_id": (msg.get("reply_to_message") or {}).get("message_id"),
                }
            )
        return view

    async def press(
        self,
        *,
        chat_id: int,
        message_id: int,
        callback_data: str,
        user_id: int,
        timeout: float = 15,
    ) -> dict:
        """A person presses an inline button; returns the bot's answer {"text", "show_alert"}."""
        stored = self._stored(chat_id, message_id)
        if stored is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        query_id = str(secrets.randbits(63))
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._queries[query_id] = _Query(chat_id, message_id, future)
        update = {
            "callback_query": {
                "id": query_id,
                "from": self._person(user_id),
                "message": copy.deepcopy(stored.message),
                "chat_instance": str(abs(hash(("chat", chat_id))) % 10**18),
                "data": callback_data,
            }
        }
        # The webhook request may still be running when the answer arrives (the bot answers first, then edits
        # the card): let it finish on its own rather than cutting the bot's handler short.
        delivery = asyncio.create_task(self._deliver(update, deadline=time.monotonic() + timeout))
        self._deliveries.add(delivery)
        delivery.add_done_callback(self._deliveries.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            self._queries[query_id].expired = True
            raise TimeoutError(f"the bot did not answer callback query {query_id} within {timeout} s") from None

    async def send_user_message(
        self,
        *,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to_message_id: int | None = None,
        thread_id: int | None = None,
    ) -> dict:
        """A person writes into the chat; the message is delivered to the bot as an update."""
        chat = self._chat(chat_id)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids[chat_id]),
            "from": self._person(user_id),
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "text": text,
        }
        if reply_to_message_id is not None:
            replied = self._stored(chat_id, reply_to_message_id)
            if replied is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {chat_id}")
            message["reply_to_message"] = copy.deepcopy(replied.message)
            thread_id = thread_id or replied.message.get("message_thread_id")
        if thread_id is not None and chat.is_forum:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        self._messages[chat_id][message["message_id"]] = _Stored(message)
        await self._deliver({"message": copy.deepcopy(message)}, deadline=time.monotonic() + 15)
        return message

    # ---- HTTP ----
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params = await self._read_params(request)
        self.calls.append((method, params))
        handler = getattr(self, "_m_" + method, None)
        try:
            if handler is None:
                raise TelegramError(404, "Not Found")
            if self._failures.get(method):
                raise self._failures[method].pop(0)
            result = await handler(params)
        except TelegramError as exc:
            return web.json_response(exc.body(), status=exc.status)
        return web.json_response({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
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
        return params

    # ---- parameter helpers ----
    def _chat(self, raw: Any) -> _Chat:
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def _stored(self, chat_id: int, message_id: int) -> _Stored | None:
        return self._messages.get(chat_id, {}).get(message_id)

    def _person(self, user_id: int) -> dict:
        if user_id not in self.users:
            raise LookupError(f"unknown Telegram user {user_id}; add_user() first")
        return dict(self.users[user_id])

    @staticmethod
    def _int(params: dict, name: str) -> int | None:
        value = params.get(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    @staticmethod
    def _bool(params: dict, name: str) -> bool:
        value = params.get(name)
        return value is True or str(value).lower() in ("true", "1")

    def _check_flood(self, chat: _Chat) -> None:
        if chat.id > 0:
            return
        wait = self._limit.hit(chat.id)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise TelegramError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    def _text(self, params: dict) -> tuple[str, list[dict]]:
        return message_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), user_lookup=self.users.get
        )

    def _target(self, params: dict, verb: str) -> tuple[_Chat, _Stored]:
        """The chat and message a call names, with Telegram's errors for each thing missing."""
        if params.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        chat = self._chat(params.get("chat_id"))
        message_id = self._int(params, "message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        stored = self._stored(chat.id, message_id)
        if stored is None:
            raise bad_request(f"message to {verb} not found")
        return chat, stored

    def _edit_target(self, params: dict) -> tuple[_Chat, _Stored]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat, stored = self._target(params, "edit")
        if stored.message.get("from", {}).get("id") != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return chat, stored

    # ---- methods ----
    async def _m_getMe(self, params: dict) -> dict:
        return dict(self.bot_user)

    async def _m_sendMessage(self, params: dict) -> dict:
        if params.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        chat = self._chat(params.get("chat_id"))
        thread_id = self._int(params, "message_thread_id")
        if thread_id is not None and (not chat.is_forum or thread_id not in chat.topics):
            raise bad_request("message thread not found")
        text, entities = self._text(params)
        keyboard = inline_keyboard(params.get("reply_markup"))
        reply_to = self._int(params, "reply_to_message_id")
        allow_without_reply = self._bool(params, "allow_sending_without_reply")
        if params.get("reply_parameters") not in (None, ""):
            reply = load_json(params["reply_parameters"], "reply parameters")
            if not isinstance(reply, dict) or not reply.get("message_id"):
                raise bad_request("message identifier is not specified")
            reply_to = int(reply["message_id"])
            allow_without_reply = bool(reply.get("allow_sending_without_reply"))
        replied = self._stored(chat.id, reply_to) if reply_to is not None else None
        if reply_to is not None and replied is None and not allow_without_reply:
            raise bad_request("message to be replied not found")
        self._check_flood(chat)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids[chat.id]),
            "from": dict(self.bot_user),
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        elif replied is not None and replied.message.get("message_thread_id"):
            message.update(message_thread_id=replied.message["message_thread_id"], is_topic_message=True)
        if replied is not None:
            message["reply_to_message"] = copy.deepcopy(replied.message)
            message["reply_to_message"].pop("reply_to_message", None)
        if keyboard is not None:
            message["reply_markup"] = {"inline_keyboard": keyboard}
        self._messages[chat.id][message["message_id"]] = _Stored(message)
        return copy.deepcopy(message)

    async def _m_editMessageText(self, params: dict) -> dict:
        chat, stored = self._edit_target(params)
        text, entities = self._text(params)
        keyboard = inline_keyboard(params.get("reply_markup"))
        new_markup = {"inline_keyboard": keyboard} if keyboard is not None else None
        msg = stored.message
        if msg.get("text") == text and msg.get("entities", []) == entities and msg.get("reply_markup") == new_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._check_flood(chat)
        msg["text"] = text
        msg.pop("entities", None)
        if entities:
            msg["entities"] = entities
        msg.pop("reply_markup", None)  # like Telegram: no reply_markup in the edit removes the keyboard
        if new_markup is not None:
            msg["reply_markup"] = new_markup
        msg["edit_date"] = int(time.time())
        stored.edits += 1
        return copy.deepcopy(msg)

    async def _m_editMessageReplyMarkup(self, params: dict) -> dict:
        chat, stored = self._edit_target(params)
        keyboard = inline_keyboard(params.get("reply_markup"))
        new_markup = {"inline_keyboard": keyboard} if keyboard else None
        msg = stored.message
        if msg.get("reply_markup") == new_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._check_flood(chat)
        msg.pop("reply_markup", None)
        if new_markup is not None:
            msg["reply_markup"] = new_markup
        msg["edit_date"] = int(time.time())
        stored.edits += 1
        return copy.deepcopy(msg)

    async def _m_deleteMessage(self, params: dict) -> bool:
        chat, stored = self._target(params, "delete")
        message_id = stored.message["message_id"]
        if stored.message["date"] < time.time() - 48 * 3600:
            raise bad_request("message can't be deleted for everyone")
        del self._messages[chat.id][message_id]
        return True

    async def _m_answerCallbackQuery(self, params: dict) -> bool:
        query = self._queries.get(str(params.get("callback_query_id") or ""))
        if query is None or query.answered or query.expired:
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        if not query.future.done():
            query.future.set_result({"text": text, "show_alert": self._bool(params, "show_alert")})
        return True

    async def _m_getChat(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        return {
            **chat.as_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member(self, chat: _Chat, user_id: int) -> dict:
        if user_id == self.bot_user["id"]:
            return self._admin(self.bot_user, can_be_edited=False)
        if user_id not in self.users:
            raise bad_request("user not found")
        status = self.member_status.get((chat.id, user_id), "member")
        user = {k: v for k, v in self.users[user_id].items() if k != "language_code"}
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            return self._admin(user, can_be_edited=False)
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        return {"status": status, "user": user}

    @staticmethod
    def _admin(user: dict, *, can_be_edited: bool) -> dict:
        rights = dict.fromkeys(
            (
                "is_anonymous",
                "can_manage_video_chats",
                "can_promote_members",
                "can_change_info",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_send_welcome_messages",
            ),
            False,
        )
        rights.update(
            can_manage_chat=True,
            can_delete_messages=True,
            can_restrict_members=True,
            can_invite_users=True,
            can_pin_messages=True,
            can_manage_topics=True,
        )
        return {"status": "administrator", "user": dict(user), "can_be_edited": can_be_edited, **rights}

    async def _m_getChatMember(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        user_id = self._int(params, "user_id")
        if user_id is None:
            raise bad_request("user not found")
        return self._member(chat, user_id)

    async def _m_getChatAdministrators(self, params: dict) -> list[dict]:
        chat = self._chat(params.get("chat_id"))
        admins = [self._member(chat, int(self.bot_user["id"]))]  # type: ignore[call-overload]
        for (chat_id, user_id), status in self.member_status.items():
            if chat_id == chat.id and status in ("creator", "administrator") and user_id in self.users:
                admins.append(self._member(chat, user_id))
        return admins

    # ---- updates: webhook and polling ----
    async def _m_setWebhook(self, params: dict) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret not in (None, "") and not SECRET_TOKEN.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if url and not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("allowed_updates") not in (None, ""):
            self._allowed = list(load_json(params["allowed_updates"], "allowed updates"))
        if self._bool(params, "drop_pending_updates"):
            self._queue.clear()
        self._webhook.url = url
        self._webhook.secret_token = str(secret) if secret not in (None, "") else None
        if url and self._poller is not None and not self._poller.done():
            self._poller.set_result("webhook")
        return True

    async def _m_deleteWebhook(self, params: dict) -> bool:
        if self._bool(params, "drop_pending_updates"):
            self._queue.clear()
        self._webhook.url = ""
        self._webhook.secret_token = None
        return True

    async def _m_getWebhookInfo(self, params: dict) -> dict:
        info: dict[str, Any] = {
            "url": self._webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue) if not self._webhook.url else 0,
            "max_connections": 40,
        }
        if self._allowed is not None:
            info["allowed_updates"] = list(self._allowed)
        if self._webhook.last_error_date:
            info.update(
                last_error_date=self._webhook.last_error_date, last_error_message=self._webhook.last_error_message
            )
        return info

    async def _m_getUpdates(self, params: dict) -> list[dict]:
        if self._webhook.url:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if params.get("allowed_updates") not in (None, ""):
            self._allowed = list(load_json(params["allowed_updates"], "allowed updates"))
        offset = self._int(params, "offset")
        if offset is not None:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        limit = min(max(self._int(params, "limit") or 100, 1), 100)
        timeout = min(float(self._int(params, "timeout") or 0), POLL_TIMEOUT_CAP)
        if not self._queue and timeout > 0:
            if self._poller is not None and not self._poller.done():
                self._poller.set_result("conflict")
            self._poller = asyncio.get_running_loop().create_future()
            self._queue_event.clear()
            waiter = asyncio.ensure_future(self._queue_event.wait())
            await asyncio.wait([waiter, self._poller], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if self._poller.done() and self._poller.result() == "conflict":
                raise TelegramError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
        return copy.deepcopy(self._queue[:limit])

    def _allowed_types(self) -> frozenset[str]:
        return frozenset(self._allowed) if self._allowed else DEFAULT_ALLOWED

    async def _deliver(self, payload: dict, *, deadline: float) -> None:
        """Sends one update to the bot as Telegram would, retrying a failing webhook until `deadline`."""
        kind = next(iter(payload))
        if kind not in self._allowed_types():
            return  # the bot did not subscribe to this update type: Telegram drops it
        update = {"update_id": next(self._update_ids), **payload}
        delay = 0.1
        while True:
            if not self._webhook.url:
                self._queue.append(update)
                self._queue_event.set()
                return
            error = await self._post_webhook(update)
            if error is None:
                return
            self._webhook.last_error_date, self._webhook.last_error_message = int(time.time()), error
            if time.monotonic() + delay > deadline:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _post_webhook(self, update: dict) -> str | None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if self._webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook.secret_token
        try:
            async with self._session.post(
                self._webhook.url,
                data=json.dumps(update, ensure_ascii=False),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=60),
            ) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"Connection error: {exc.__class__.__name__}"

    async def close(self) -> None:
        await self._close_session(self.app)

    async def _close_session(self, _app: web.Application) -> None:
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
