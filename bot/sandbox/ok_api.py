"""OK (ok.ru) API emulator: REST `fb.do` (signed, user token) and the Bot API `/graph/*` (group token).

As strict as api.ok.ru for what it implements, so a request OK would reject is rejected with OK's error shape
(`ok_errors`). REST checks, in order: `format=json` (otherwise an XML error, as a JSON client would get XML from
OK) → method (3) → `application_key` (101) → `sig` present (104) → session: missing 103, not the admin's user
token or revoked or expired (`ok_security`) 102 → signature (104) → an error injected with `fail_next` or `faults` (a
fault with an HTTP status other than 200 fails before anything, as OK's front end would, with an HTML page) → flood,
10 calls/s per token (8) → the method's own parameters (100, 160 wrong group, 300 unknown topic/comment). Comment
paging: see `ok_state`.
Publishing (mediatopic.*, photosV2.getUploadUrl and the photo upload server at `POST /upload/photos`): `ok_publish`.

Graph (Bot API): `?access_token=<group token>` only, no signature; an unknown or revoked key gets 102. Its error
shape is UNVERIFIED: assumed to be REST's JSON body with HTTP 200. POSTs need `Content-Type: application/json`
(any charset). Security methods (group.getMembers, users.getCurrentUser) and token revocation: `ok_security`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from bot.sandbox import ok_publish, ok_security
from bot.sandbox.faults import FaultBook, front_response, is_api, is_front
from bot.sandbox.ok_errors import OkApiError, Params, invalid, not_found, ok_fault
from bot.sandbox.ok_state import (
    OkComment,
    OkState,
    OkTopic,
    comment_anchor,
    page_comments,
    parse_comment_anchor,
    parse_topics_anchor,
    topics_anchor,
)
from bot.sandbox.ok_webhook import GRAPH_ROUTES, GraphHandler
from bot.sandbox.rate_limit import SlidingWindow

USER, GROUP = "user", "group"
UNSIGNED = ("sig", "access_token", "session_key")
NOT_LOGGED = (*UNSIGNED, "application_key")
FLOOD_LIMIT = 10  # calls per second per token: OK publishes no figure, this is the emulator's choice
USER_FIELDS = ("first_name", "last_name", "name")
# comment.<FIELD> -> JSON key; other comment fields OK knows (LIKE_COUNT, ATTACHMENTS...) are accepted and ignored
COMMENT_FIELDS = {
    "ID": "id",
    "AUTHOR_ID": "author_id",
    "AUTHOR_NAME": "author_name",
    "TEXT": "text",
    "DATE": "date",
    "DATE_MS": "date_ms",
    "REPLY_TO_COMMENT_ID": "reply_to_comment_id",
    "REPLY_TO_ID": "reply_to_id",
    "REPLY_TO_NAME": "reply_to_name",
}
DEFAULT_COMMENT_KEYS = frozenset(COMMENT_FIELDS.values()) - {"date_ms"}


def ok_signature(params: Mapping[str, str], access_token: str, application_secret_key: str) -> str:
    """OK's session-call signature: md5(sorted k=v of raw UTF-8 values + md5(token + app secret)), lowercase hex."""
    secret = hashlib.md5((access_token + application_secret_key).encode()).hexdigest()
    concat = "".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in UNSIGNED)
    return hashlib.md5((concat + secret).encode("utf-8")).hexdigest()


class Call(Params):
    """One REST call: its parameters plus what a method may touch."""

    def __init__(self, params: dict[str, str], emulator: OkEmulator, base_url: str = "") -> None:
        super().__init__(params)
        self.emulator = emulator
        self.state = emulator.state
        self.base_url = base_url  # where this emulator is reached, mount prefix included

    def topic(self, id_name: str, type_name: str) -> OkTopic:
        topic_id = self.required(id_name)
        self.choice(type_name, ("GROUP_TOPIC",))
        topic = self.state.topics.get(topic_id)
        if topic is None or not topic.visible():
            raise not_found(f"Discussion {topic_id} not found")
        return topic

    def comment(self, topic: OkTopic, name: str = "comment_id") -> OkComment:
        """A present comment of `topic`; unknown or already deleted is 300 (a client reads it as done)."""
        comment_id = self.required(name)
        comment = topic.find(comment_id)
        if comment is None or comment.state == "deleted":
            raise not_found(f"Comment {comment_id} not found")
        return comment


Handler = Callable[[Call], Any]
METHODS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    """Registers a REST method: adding one is this decorator and its handler."""

    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


METHODS.update(ok_publish.METHODS)
METHODS.update(ok_security.METHODS)


@method("group.getInfo")
def group_get_info(call: Call) -> list[dict]:
    uids, fields = call.ids("uids"), call.fields()
    name = {"name": call.state.group_name} if not fields or "name" in fields else {}
    return [{"uid": uid, **name} for uid in uids if uid == call.state.group_id]


@method("users.getInfo")
def users_get_info(call: Call) -> list[dict]:
    uids, fields = call.ids("uids"), call.fields()
    wanted = [f for f in USER_FIELDS if not fields or f in fields]
    users = [call.state.user(uid) for uid in uids]
    return [{"uid": user["uid"], **{f: user[f] for f in wanted}} for user in users]


@method("group.getStatTopics")
def group_get_stat_topics(call: Call) -> dict:
    gid = call.required("gid")
    if gid != call.state.group_id:
        raise OkApiError(160)
    fields, count = call.fields(), call.count()
    start, end = call.number("start_time"), call.number("end_time")
    published = list(call.state.topics.values())
    below = len(published)
    if call.text("anchor"):
        parsed = parse_topics_anchor(call.text("anchor"))
        if parsed is None or parsed > len(published):
            raise invalid("anchor", call.text("anchor"))
        below = parsed
    matching = [
        (index, topic)
        for index, topic in reversed(list(enumerate(published[:below])))
        if topic.visible() and (start is None or topic.date_ms >= start) and (end is None or topic.date_ms <= end)
    ]
    page = matching[:count]
    rows = []
    for _index, topic in page:
        row: dict[str, Any] = {"id": topic.id}
        if "comments" in fields:
            row["comments"] = topic.present_count()
        rows.append(row)
    anchor = topics_anchor(page[-1][0] if page else below)
    return {"topics": rows, "anchor": anchor, "has_more": len(matching) > len(page)}


def comment_keys(call: Call) -> set[str]:
    """JSON keys asked for by `fields` (e.g. "comment.ID,comment.TEXT"); none asked = all modelled keys."""
    keys = {"id"}
    asked = call.fields()
    for name in asked:
        entity, dot, field = name.partition(".")
        if not dot or not field:
            raise invalid("fields", call.text("fields"))
        if entity == "comment" and field == "*":
            keys |= DEFAULT_COMMENT_KEYS
        elif entity == "comment" and field.upper() in COMMENT_FIELDS:
            keys.add(COMMENT_FIELDS[field.upper()])
    return keys if asked else keys | DEFAULT_COMMENT_KEYS


@method("discussions.getComments")
def discussions_get_comments(call: Call) -> dict:
    topic = call.topic("discussionId", "discussionType")
    direction = call.choice("direction", ("FORWARD", "BACKWARD"), "FORWARD")
    count, include_removed, keys = call.count(), call.flag("includeRemoved"), comment_keys(call)
    call.flag("mark_as_read")  # validated; the emulator keeps no read state, so UNREAD reads as FIRST
    raw = call.text("anchor") or ("FIRST" if direction == "FORWARD" else "LAST")
    constants = {"FIRST": 0, "UNREAD": 0, "LAST": len(topic.comments)}
    position = constants[raw] if raw in constants else parse_comment_anchor(raw, topic.id)
    if position is None or position > len(topic.comments):
        raise invalid("anchor", raw)
    comments, answer, has_more = page_comments(topic, position, direction, count, include_removed)
    return {
        "comments": [c.render(keys) for c in comments],
        "anchor": comment_anchor(topic.id, answer),
        "has_more": has_more,
    }


@method("discussions.deleteDiscussionComment")
def discussions_delete_comment(call: Call) -> dict:
    topic = call.topic("discussionId", "discussionType")
    spam, block = call.flag("mark_as_spam"), call.flag("block_author")
    comment = call.comment(topic)
    comment.state, comment.deleted_by = "deleted", call.emulator.admin_user_id
    comment.spam = comment.spam or spam
    if block and comment.author_id not in (call.state.group_id, call.emulator.admin_user_id):
        call.state.block(comment.author_id)  # UNVERIFIED on OK: group black list vs the admin's own
    return {"success": True}


@method("discussions.markCommentAsSpam")
def discussions_mark_spam(call: Call) -> dict:
    topic = call.topic("discussionId", "discussionType")
    call.comment(topic).spam = True  # the comment stays visible: OK does not document that it hides it
    return {"success": True}


@method("discussions.addDiscussionComment")
def discussions_add_comment(call: Call) -> str:
    topic = call.topic("entityId", "entityType")
    text, as_admin = call.required("comment"), call.flag("as_admin")
    reply_to = call.comment(topic, "reply_to_comment_id").id if call.text("reply_to_comment_id") else None
    author = call.state.group_id if as_admin else call.emulator.admin_user_id
    # UNVERIFIED response shape: the new comment id as a bare JSON string
    return call.state.add_comment(topic, author, text, reply_to_comment_id=reply_to).id


def _json_response(body: Any) -> web.Response:
    return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/json")


class OkEmulator(ok_security.OkSecurity):
    """One OK group: its admin's REST user token and its Bot API group token."""

    def __init__(
        self,
        *,
        group_id: str,
        group_name: str,
        application_key: str,
        application_secret_key: str,
        user_token: str,
        group_token: str,
        admin_user_id: str,
        state: OkState | None = None,
        enforce_rate_limits: bool = True,
    ) -> None:
        if not admin_user_id.isdigit():
            raise ValueError("admin_user_id is OK's numeric user id, as a string")
        if state is not None and state.group_id != group_id:
            raise ValueError(f"state belongs to group {state.group_id}, not {group_id}")
        self.state = state or OkState(group_id, group_name)
        self.application_key = application_key
        self.application_secret_key = application_secret_key
        self.admin_user_id = admin_user_id
        self.enforce_rate_limits = enforce_rate_limits
        self.calls: list[dict] = []
        self.rate_limit = SlidingWindow(FLOOD_LIMIT, 1.0)
        self._tokens = {user_token: USER, group_token: GROUP}
        self.faults = FaultBook()
        self.app = web.Application()
        for path in ("/fb.do", "/api/{group}/{method}"):
            for verb in ("GET", "POST"):
                self.app.router.add_route(verb, path, self._rest)
        self.app.router.add_route("POST", "/upload/photos", partial(ok_publish.receive_upload, self))
        for verb, path, name, handler in GRAPH_ROUTES:
            self.app.router.add_route(verb, path, self._graph_route(name, handler))

    # ---- the public test/demo surface
    @property
    def group_id(self) -> str:
        return self.state.group_id

    def add_user(self, user_id: str, first_name: str, last_name: str) -> None:
        self.state.add_user(user_id, first_name, last_name)

    def new_user_id(self) -> str:
        return self.state.new_user_id()

    def add_topic(self, text: str, *, topic_id: str | None = None, date_ms: int | None = None) -> str:
        """Publishes a group post (as an admin would on ok.ru) and returns its topic id."""
        return self.state.add_topic(text, topic_id=topic_id, date_ms=date_ms).id

    def add_comment(
        self, topic_id: str | None, author_id: str, text: str, *, reply_to_comment_id: str | None = None
    ) -> str:
        """A citizen comments on a topic (None = the newest one); a blacklisted author cannot, as on OK."""
        topic = self.state.default_topic() if topic_id is None else self.state.topics[topic_id]
        if not topic.visible():
            raise KeyError(f"topic {topic_id} is deleted or not yet published")
        if author_id in self.state.blocked:
            raise PermissionError(f"user {author_id} is in the group's black list")
        return self.state.add_comment(topic, author_id, text, reply_to_comment_id=reply_to_comment_id).id

    def receive_message(self, user_id: str, text: str, *, name: str | None = None) -> tuple[str, dict]:
        """A citizen writes to the group: (chat id, stored message). Used by `OkWebhookSender`."""
        user_id = user_id.removeprefix("user:")
        if not user_id.isdigit():
            raise ValueError(f"OK user ids are digits: {user_id!r}")
        if name and user_id not in self.state.users:
            first, _, last = name.partition(" ")
            self.state.add_user(user_id, first, last)
        chat = self.state.chat_for_user(user_id)
        return chat.chat_id, self.state.add_message(chat, "in", text)

    def fail_next(self, method: str, code: int, times: int = 1) -> None:
        """The next `times` calls of `method` (REST name or Graph doc name) fail with OK error `code`."""
        self.faults.add(method, 200, error_code=code, times=times)

    def snapshot(self) -> dict:
        return self.state.snapshot()

    def calls_of(self, method: str) -> list[dict]:
        return [c for c in self.calls if c["method"] == method]

    # ---- shared checks
    def _after_auth(self, name: str, token: str) -> None:
        fault = self.faults.take(name, where=is_api)
        if fault is not None:
            raise ok_fault(fault.error_code or 1, fault.description)
        if self.enforce_rate_limits and self.rate_limit.hit(token) > 0:
            raise OkApiError(8)

    def _front_fault(self, name: str, entry: dict[str, Any]) -> web.Response | None:
        """A fault of OK's front end: an HTML page before the API sees the call."""
        fault = self.faults.take(name, where=is_front)
        if fault is not None:
            self.calls.append({**entry, "error": {"http_status": fault.status}})
        return front_response(fault) if fault is not None else None

    # ---- REST
    async def _rest(self, request: web.Request) -> web.Response:
        params = {k: v for k, v in request.query.items()}
        if request.method == "POST" and request.body_exists:
            if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
            else:
                await request.read()  # OK reads no JSON bodies: parameters must be form fields
        group, tail = request.match_info.get("group"), request.match_info.get("method")
        name = f"{group}.{tail}" if group and tail else params.get("method", "")
        prefix = request.path.rpartition(f"/api/{group}/{tail}" if group and tail else "/fb.do")[0]
        token = params.get("access_token") or params.get("session_key") or ""
        entry: dict[str, Any] = {
            "method": name,
            "params": {k: v for k, v in params.items() if k not in NOT_LOGGED},
            "token": self._tokens.get(token),
            "at": time.time(),
        }
        front = self._front_fault(name, entry)
        if front is not None:
            return front
        if params.get("format", "").lower() != "json":
            error = OkApiError(100, "Only JSON format is emulated")
            entry["error"] = {"error_code": error.code, "error_msg": error.message}
            self.calls.append(entry)
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<error_response>'
                f"<error_code>{error.code}</error_code><error_msg>{escape(error.message)}</error_msg>"
                "</error_response>"
            )
            return web.Response(text=xml, content_type="application/xml")
        try:
            body = entry["response"] = self._dispatch(name, params, token, f"{request.scheme}://{request.host}{prefix}")
        except OkApiError as exc:
            entry["error"] = {"error_code": exc.code, "error_msg": exc.message}
            body = exc.body()
        self.calls.append(entry)
        return _json_response(body)

    def _dispatch(self, name: str, params: dict[str, str], token: str, base_url: str = "") -> Any:
        handler = METHODS.get(name)
        if handler is None:
            raise OkApiError(3, f"Method {name} not found" if name else "No method specified")
        if not params.get("application_key"):
            raise OkApiError(101, "No application key")
        if params["application_key"] != self.application_key:
            raise OkApiError(101, "Application not exist")
        sig = params.get("sig", "")
        if not sig:
            raise OkApiError(104, "No signature specified")
        if not token:
            raise OkApiError(103, "No session key")
        if self._tokens.get(token) != USER or not self.state.access.token_valid(USER):
            raise OkApiError(102)
        if sig != ok_signature(params, token, self.application_secret_key):
            raise OkApiError(104, f"Invalid signature {sig}")
        self._after_auth(name, token)
        return handler(Call(params, self, base_url))

    # ---- Graph (Bot API)
    def _graph_route(self, name: str, handler: GraphHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def route(request: web.Request) -> web.Response:
            return await self._graph(request, name, handler)

        return route

    async def _graph(self, request: web.Request, name: str, handler: GraphHandler) -> web.Response:
        token = request.query.get("access_token", "")
        chat_path = request.match_info.get("chat_id")
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        if request.method == "GET":
            body = {k: v for k, v in request.query.items() if k != "access_token"}
        logged = dict(body) if isinstance(body, dict) else {}
        if chat_path is not None:
            logged["chat_id"] = chat_path
        entry: dict[str, Any] = {"method": name, "params": logged, "token": self._tokens.get(token), "at": time.time()}
        front = self._front_fault(name, entry)
        if front is not None:
            return front
        try:
            if self._tokens.get(token) != GROUP or not self.state.access.token_valid(GROUP):
                raise OkApiError(102)
            if request.method == "POST":
                if request.content_type != "application/json":
                    raise OkApiError(100, "Content-Type must be application/json")
                if not isinstance(body, dict):
                    raise OkApiError(100, "Malformed JSON body")
            self._after_auth(name, token)
            result = entry["response"] = handler(self, body or {}, chat_path)
        except OkApiError as exc:
            entry["error"] = {"error_code": exc.code, "error_msg": exc.message}
            result = exc.body()
        self.calls.append(entry)
        return _json_response(result)
