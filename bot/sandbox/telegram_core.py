"""State and rules the whole Telegram emulator shares: chats of every kind, stored messages, who may write where.

The emulator is split by idea into mixins (work chat, channels, private chats, messages, media, files, updates).
They all work on the state declared here, so a rule Telegram applies to every method (which chat a `chat_id`
names, whether the bot may write there, how a new message looks, how a button press reaches the bot) is
written once.
"""

from __future__ import annotations

import asyncio
import copy
import math
import secrets
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox.rate_limit import SlidingWindow
from bot.sandbox.telegram_files import FileStore
from bot.sandbox.telegram_markup import TelegramError, bad_request, load_json, message_text

DELETE_WINDOW = 48 * 3600  # bots cannot delete (or revoke) messages older than two days
NOT_A_CHANNEL_MEMBER = "Forbidden: bot is not a member of the channel chat"
NEED_CHANNEL_ADMIN = "need administrator rights in the channel chat"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
BLOCKED = "Forbidden: bot was blocked by the user"
UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"


@dataclass
class Chat:
    """A supergroup (the work chat), a channel, or the private chat of one person with the bot."""

    id: int
    type: str = "supergroup"
    title: str = ""
    is_forum: bool = False
    topics: set[int] = field(default_factory=set)
    username: str | None = None
    bot_rights: dict[str, bool] | None = None  # channels: the bot's administrator rights; None = not a member
    # groups: "administrator" (with bot_rights, None = the usual set) | "member" | "left" | "kicked"
    bot_status: str = "administrator"
    person: dict[str, Any] | None = None  # private chats: the user
    started: bool = False  # private chats: the person has written to the bot
    blocked: bool = False  # private chats: the person has blocked the bot
    migrated_to: int | None = None  # a group upgraded to a supergroup: the supergroup's id

    def as_dict(self) -> dict[str, Any]:
        """The Bot API `Chat` object."""
        if self.type == "private":
            person = self.person or {}
            data = {"id": self.id, "type": "private", "first_name": person.get("first_name", "")}
            data.update({k: person[k] for k in ("last_name", "username") if person.get(k)})
            return data
        data = {"id": self.id, "title": self.title, "type": self.type}
        if self.type == "supergroup":
            data["is_forum"] = self.is_forum
        if self.username:
            data["username"] = self.username
        return data

    def right(self, name: str) -> bool:
        return bool((self.bot_rights or {}).get(name))


@dataclass
class Stored:
    """A message as the chat shows it now."""

    message: dict[str, Any]
    edits: int = 0
    outgoing: bool = False  # sent by the bot
    deleted: bool = False


@dataclass
class Query:
    chat_id: int
    message_id: int
    future: asyncio.Future
    answered: bool = False
    expired: bool = False


class RequestParams(dict[str, Any]):
    """A request's fields; `uploads` holds the bytes of its multipart file parts by part name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.uploads: dict[str, bytes] = {}
        self.upload_names: dict[str, str] = {}  # the file name each multipart file part was sent with


class TelegramCore:
    """The state every part of the emulator reads, and the rules they share."""

    token: str
    bot_user: dict[str, Any]
    calls: list[tuple[str, dict]]
    chats: dict[int, Chat]
    users: dict[int, dict]
    member_status: dict[tuple[int, int], str]
    app: web.Application
    _private: dict[int, Chat]
    _messages: dict[int, dict[int, Stored]]
    _message_ids: dict[int, Iterator[int]]
    _queries: dict[str, Query]
    _limit: SlidingWindow
    _files: FileStore
    _deliveries: set[asyncio.Task]

    async def _deliver(self, payload: dict, *, deadline: float) -> None:
        raise NotImplementedError  # provided by UpdateMethods

    # ---- which chat, and may the bot use it ----
    def _chat(self, raw: Any) -> Chat:
        """The chat a `chat_id` names: a numeric id, or `@username` of a public channel."""
        if isinstance(raw, str) and raw.startswith("@"):
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == raw[1:].lower():
                    return chat
            raise bad_request("chat not found")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        found = self.chats.get(chat_id) or self._private.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        if found.migrated_to is not None:
            raise TelegramError(400, UPGRADED, migrate_to_chat_id=found.migrated_to)
        return found

    def _param_chat(self, params: dict) -> Chat:
        if params.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        return self._chat(params.get("chat_id"))

    def _readable(self, chat: Chat) -> Chat:
        """Telegram shows a private channel only to its members, a public one (with a username) to anyone; a group
        that kicked the bot answers it nothing (UNVERIFIED for the read methods: confirmed for sends and edits)."""
        if chat.type == "channel" and chat.bot_rights is None and not chat.username:
            raise TelegramError(403, NOT_A_CHANNEL_MEMBER)
        if chat.type in ("group", "supergroup") and chat.bot_status == "kicked":
            raise TelegramError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        return chat

    def _writable(self, chat: Chat, *, post: bool) -> Chat:
        """Checks that the bot may change the chat; `post` = it sends a new message there."""
        if chat.type == "channel":
            if chat.bot_rights is None:
                raise TelegramError(403, NOT_A_CHANNEL_MEMBER)
            if post and not chat.right("can_post_messages"):
                raise bad_request(NEED_CHANNEL_ADMIN)
        elif chat.type in ("group", "supergroup"):
            if chat.bot_status == "kicked":
                raise TelegramError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
            if chat.bot_status == "left":
                raise TelegramError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        elif chat.type == "private":
            if chat.blocked:
                raise TelegramError(403, BLOCKED)
            if not chat.started:
                raise TelegramError(403, CANT_INITIATE)
        return chat

    def _check_flood(self, chat: Chat) -> None:
        """About 20 messages a minute per group or channel (an album counts once); private chats are not limited.

        Telegram asks for about one message a second in a private chat but tolerates bursts, so the emulator
        does not refuse them there; the ~30 messages a second overall is not enforced either.
        """
        if chat.type == "private":
            return
        wait = self._limit.hit(chat.id)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise TelegramError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    # ---- parameters ----
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

    def _text(self, params: dict) -> tuple[str, list[dict]]:
        return message_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), user_lookup=self.users.get
        )

    def _person(self, user_id: int) -> dict:
        if user_id not in self.users:
            raise LookupError(f"unknown Telegram user {user_id}; add_user() first")
        return dict(self.users[user_id])

    # ---- messages ----
    def _stored(self, chat_id: int, message_id: int) -> Stored | None:
        stored = self._messages.get(chat_id, {}).get(message_id)
        return None if stored is None or stored.deleted else stored

    def _reply_context(self, chat: Chat, params: dict) -> tuple[int | None, Stored | None]:
        """(topic, replied message) of a send, with Telegram's errors for a missing topic or reply."""
        thread_id = self._int(params, "message_thread_id")
        if thread_id is not None and (not chat.is_forum or thread_id not in chat.topics):
            raise bad_request("message thread not found")
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
        return thread_id, replied

    def _new_message(self, chat: Chat, thread_id: int | None = None, replied: Stored | None = None) -> dict[str, Any]:
        """A new bot message: in a channel it is signed by the channel (`sender_chat`), elsewhere by the bot."""
        message: dict[str, Any] = {"message_id": next(self._message_ids[chat.id])}
        if chat.type == "channel":
            message["sender_chat"] = chat.as_dict()
        else:
            message["from"] = dict(self.bot_user)
        message.update(date=int(time.time()), chat=chat.as_dict())
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        elif replied is not None and replied.message.get("message_thread_id"):
            message.update(message_thread_id=replied.message["message_thread_id"], is_topic_message=True)
        if replied is not None:
            message["reply_to_message"] = copy.deepcopy(replied.message)
            message["reply_to_message"].pop("reply_to_message", None)
        return message

    def _keep(self, chat: Chat, message: dict[str, Any], *, outgoing: bool) -> dict[str, Any]:
        """Stores a message in its chat and returns the copy the API answers with."""
        self._messages.setdefault(chat.id, {})[message["message_id"]] = Stored(message, outgoing=outgoing)
        return copy.deepcopy(message)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Runs a delivery in the background; `close()` cancels what is still running."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    # ---- people press buttons ----
    async def _press(self, chat_id: int, message_id: int, callback_data: str, user_id: int, timeout: float) -> dict:
        """Delivers a callback_query for a press and waits for the bot's answerCallbackQuery."""
        stored = self._stored(chat_id, message_id)
        if stored is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        query_id = str(secrets.randbits(63))
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._queries[query_id] = Query(chat_id, message_id, future)
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
        self._spawn(self._deliver(update, deadline=time.monotonic() + timeout))
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            self._queries[query_id].expired = True
            raise TimeoutError(f"the bot did not answer callback query {query_id} within {timeout} s") from None
