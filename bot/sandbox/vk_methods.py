"""VK API methods the sandbox implements, with VK's parameter and token rules (publishing: `vk_publish`).

Token types come from `access_token_type` in VK's schema (`*/methods.json`): a community token on a user-only
method gets error 27. Parameter errors use VK's own wording ("comment_id is undefined",
"owner_id not integer").

Id rules (documented choice, applied everywhere): community content is addressed by `owner_id = -group_id`
(wall, photos, video, market) or `group_id = +group_id` (board, groups.*). Any other owner (a positive id, a
missing `owner_id`, which VK reads as the caller's own page, or another community) gets error 100
"owner_id is incorrect" / "group_id is incorrect", because the sandbox hosts no other pages; a non-positive
`group_id` gets VK's "group_id should be greater than 0".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.vk_access import ADMIN_LEVEL
from bot.sandbox.vk_errors import VkApiError, param_error
from bot.sandbox.vk_events import comment_object, delete_object, event_type
from bot.sandbox.vk_state import Comment, Commentable, VkState

USER, GROUP = "user", "group"
MAX_MESSAGE_LENGTH = 9000
BAN_MAX_SECONDS = 365 * 24 * 3600
PHOTO_NO_AVATAR = "https://vk.com/images/camera_100.png"


@dataclass
class Context:
    """What a method may touch besides its parameters."""

    state: VkState
    admin_user_id: int
    confirmation_code: str
    base_url: str = ""  # where this emulator is reached, e.g. "http://127.0.0.1:8080/emulators/vk"


class Call:
    """Parameters of one call, read the way VK reads them (all values arrive as strings)."""

    def __init__(self, params: dict[str, str], token: str, ctx: Context) -> None:
        self.params = params
        self.token = token
        self.ctx = ctx
        self.state = ctx.state

    @property
    def actor_id(self) -> int:
        """Who acts: the admin user for a user token, the community for a community token."""
        return self.ctx.admin_user_id if self.token == USER else -self.state.group_id

    def has(self, name: str) -> bool:
        return self.params.get(name, "") != ""

    def text(self, name: str, default: str = "") -> str:
        return self.params.get(name, default)

    def opt_int(self, name: str, default: int | None = None) -> int | None:
        raw = self.params.get(name, "")
        if raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise param_error(f"{name} not integer") from None

    def req_int(self, name: str) -> int:
        value = self.opt_int(name)
        if value is None:
            raise param_error(f"{name} is undefined")
        return value

    def flag(self, name: str) -> bool:
        raw = self.params.get(name, "").lower()
        if raw in ("", "0", "false"):
            return False
        if raw in ("1", "true"):
            return True
        raise param_error(f"{name} not boolean")

    def items(self, name: str) -> list[str]:
        return [part.strip() for part in self.params.get(name, "").split(",") if part.strip()]

    # ---- community addressing
    def community_owner(self, name: str = "owner_id", *, required: bool = False) -> int:
        owner_id = self.req_int(name) if required else self.opt_int(name, self.actor_id)
        if owner_id != -self.state.group_id:
            raise param_error(f"{name} is incorrect")
        return owner_id

    def community_group(self, name: str = "group_id") -> int:
        group_id = self.req_int(name)
        if group_id <= 0:
            raise param_error(f"{name} should be greater than 0")
        if group_id != self.state.group_id:
            raise param_error(f"{name} is incorrect")
        return group_id


def version_supported(raw: str) -> bool:
    """VK serves API versions from 5.81 on, both for requests and for Callback servers."""
    try:
        major, _, minor = raw.partition(".")
        return (int(major), int(minor or 0)) >= (5, 81)
    except ValueError:
        return False


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Method:
    handler: Handler
    tokens: frozenset[str]


METHODS: dict[str, Method] = {}


def method(name: str, *tokens: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = Method(handler, frozenset(tokens))
        return handler

    return register


# ---- comments: delete / restore on every kind of content
def _delete(call: Call, kind: str, comment_id: int, *, missing: int | None) -> int:
    """`missing` is the response for an unknown or already deleted comment; None means error 104."""
    found = call.state.find_comment(kind, comment_id)
    if not found or found[1].state == "deleted":
        if missing is None:
            raise VkApiError(104)
        return missing
    found[1].state = "deleted"
    found[1].deleter_id = call.actor_id
    deleter = call.actor_id if call.actor_id > 0 else None
    call.state.api_events.append(
        (event_type(kind, "delete"), delete_object(call.state.group_id, kind, found[0].id, found[1], deleter)))
    return 1


def _restore(call: Call, kind: str, comment_id: int, *, missing: int | None, not_deleted: int | None) -> int:
    found = call.state.find_comment(kind, comment_id)
    if not found:
        if missing is None:
            raise VkApiError(104)
        return missing
    comment = found[1]
    if comment.state != "deleted":
        if not_deleted is None:
            raise VkApiError(243)
        return not_deleted
    comment.state = "present"
    comment.deleter_id = None
    call.state.api_events.append(
        (event_type(kind, "restore"), comment_object(call.state.group_id, kind, found[0].id, comment)))
    return 1


@method("wall.deleteComment", USER)
def wall_delete_comment(call: Call) -> int:
    comment_id = call.req_int("comment_id")
    call.community_owner()
    post_id = call.opt_int("post_id")
    found = call.state.find_comment("wall", comment_id)
    if post_id is not None and found and found[0].id != post_id:
        raise VkApiError(104)
    return _delete(call, "wall", comment_id, missing=None)


@method("wall.restoreComment", USER)
def wall_restore_comment(call: Call) -> int:
    comment_id = call.req_int("comment_id")
    call.community_owner()
    return _restore(call, "wall", comment_id, missing=None, not_deleted=None)


@method("board.deleteComment", USER, GROUP)
def board_delete_comment(call: Call) -> int:
    topic_id, comment_id = call.req_int("topic_id"), call.req_int("comment_id")
    call.community_group()
    found = call.state.find_comment("board", comment_id)
    if found and found[0].id != topic_id:
        raise VkApiError(104)
    return _delete(call, "board", comment_id, missing=None)


@method("board.restoreComment", USER, GROUP)
def board_restore_comment(call: Call) -> int:
    topic_id, comment_id = call.req_int("topic_id"), call.req_int("comment_id")
    call.community_group()
    found = call.state.find_comment("board", comment_id)
    if found and found[0].id != topic_id:
        raise VkApiError(104)
    return _restore(call, "board", comment_id, missing=None, not_deleted=1)


@method("photos.deleteComment", USER)
def photos_delete_comment(call: Call) -> int:
    comment_id = call.req_int("comment_id")
    call.community_owner()
    return _delete(call, "photo", comment_id, missing=0)


@method("photos.restoreComment", USER)
def photos_restore_comment(call: Call) -> int:
    comment_id = call.req_int("comment_id")
    call.community_owner()
    return _restore(call, "photo", comment_id, missing=0, not_deleted=0)


@method("video.deleteComment", USER)
def video_delete_comment(call: Call) -> int:
    comment_id = call.req_int("comment_id")
    call.community_owner()
    return _delete(call, "video", comment_id, missing=None)


@method("video.restoreComment", USER)
def video_restore_comment(call: Call) -> int:
    comment_id = call.req_int("comment_id")
    call.community_owner()
    return _restore(call, "video", comment_id, missing=None, not_deleted=1)


@method("market.deleteComment", USER)
def market_delete_comment(call: Call) -> int:
    comment_id = call.req_int("comment_id")
    call.community_owner(required=True)
    return _delete(call, "market", comment_id, missing=0)


@method("market.restoreComment", USER)
def market_restore_comment(call: Call) -> int:
    comment_id = call.req_int("comment_id")
    call.community_owner(required=True)
    return _restore(call, "market", comment_id, missing=0, not_deleted=0)


# ---- wall
def _post(call: Call, post_id: int) -> Commentable:
    post = call.state.get_object("wall", post_id)
    if post is None or post.postponed or post.deleted:
        raise VkApiError(104)
    return post


@method("wall.createComment", USER, GROUP)
def wall_create_comment(call: Call) -> dict:
    call.community_owner()
    post = _post(call, call.req_int("post_id"))
    message = call.text("message")
    if not message.strip() and not call.has("attachments") and not call.has("sticker_id"):
        raise param_error("message is empty or invalid")
    from_group = call.opt_int("from_group", 0) or 0
    if from_group and from_group != call.state.group_id:
        raise param_error("from_group is incorrect")
    from_id = -call.state.group_id if (call.token == GROUP or from_group) else call.ctx.admin_user_id
    reply_to = call.opt_int("reply_to_comment")
    parents: list[int] = []
    reply_to_user = None
    if reply_to is not None:
        parent = post.comments.get(reply_to)
        if parent is None or parent.state == "deleted":
            raise param_error("reply_to_comment is invalid")
        parents = [parent.parents_stack[0] if parent.parents_stack else parent.id]
        reply_to_user = parent.from_id
    comment = Comment(
        id=call.state.next_id("wall"),
        from_id=from_id,
        text=message,
        date=int(time.time()),
        reply_to_comment=reply_to,
        reply_to_user=reply_to_user,
        parents_stack=parents,
        attachments=[{"raw": a} for a in call.items("attachments")],
    )
    call.state.add_comment("wall", post.id, comment)
    return {"comment_id": comment.id, "parents_stack": parents}


@method("wall.getById", USER)  # schema: user, service; a community token gets 27 (negezor/vk-io#177)
def wall_get_by_id(call: Call) -> dict:
    """Posts by "owner_post" pairs; VK leaves out what it cannot show (deleted, another wall, postponed)."""
    wanted = [p for p in call.text("posts").split(",") if p.strip()]
    if not wanted:
        raise param_error("posts is undefined")
    items = []
    for pair in wanted[:100]:
        owner, _, number = pair.strip().partition("_")
        try:
            owner_id, post_id = int(owner), int(number)
        except ValueError:
            raise param_error("posts is invalid") from None
        post = call.state.get_object("wall", post_id) if owner_id == -call.state.group_id else None
        if post is None or post.postponed or post.deleted:
            continue
        items.append({"id": post.id, "owner_id": owner_id, "from_id": post.from_id, "date": post.date,
                      "post_type": "post", "text": post.text, "attachments": [],
                      "comments": {"count": sum(1 for c in post.comments.values() if c.state == "present")}})
    return {"items": items}


@method("wall.getComments", USER)  # schema: user, service; a community token gets 27
def wall_get_comments(call: Call) -> dict:
    owner_id = call.community_owner()
    post = _post(call, call.req_int("post_id"))
    thread_of = call.opt_int("comment_id")
    count = min(max(call.opt_int("count", 10) or 0, 0), 100)
    offset = max(call.opt_int("offset", 0) or 0, 0)
    present = [c for c in post.comments.values() if c.state == "present"]
    if thread_of is not None:
        level = [c for c in present if c.parents_stack and c.parents_stack[0] == thread_of]
    else:
        level = [c for c in present if not c.parents_stack]
    level.sort(key=lambda c: c.id, reverse=call.text("sort", "asc") == "desc")

    def item(c: Comment) -> dict:
        data = c.as_dict()
        data.pop("state", None)
        data.update(owner_id=owner_id, post_id=post.id)
        if not c.parents_stack:
            replies = [r for r in present if r.parents_stack and r.parents_stack[0] == c.id]
            data["thread"] = {
                "count": len(replies),
                "items": [],
                "can_post": True,
                "show_reply_button": True,
                "groups_can_post": True,
            }
        return data

    return {
        "count": len(present) if thread_of is None else len(level),
        "current_level_count": len(level),
        "can_post": True,
        "show_reply_button": True,
        "groups_can_post": True,
        "items": [item(c) for c in level[offset : offset + count]],
    }


# ---- groups
def _group_object(call: Call) -> dict:
    state = call.state
    data = {
        "id": state.group_id,
        "name": state.group_name,
        "screen_name": f"club{state.group_id}",
        "is_closed": 0,
        "type": "group",
        "photo_50": PHOTO_NO_AVATAR,
        "photo_100": PHOTO_NO_AVATAR,
        "photo_200": PHOTO_NO_AVATAR,
    }
    if call.token == USER:  # what the token's owner is here (vk_access: managers, admin_level per role)
        role = call.state.access.managers_for(call.ctx.admin_user_id).get(call.ctx.admin_user_id)
        level = ADMIN_LEVEL.get(role or "", 0)
        data.update(is_admin=1 if level else 0, is_member=1, is_advertiser=1 if role == "advertiser" else 0)
        if level:
            data["admin_level"] = level
    return data


@method("groups.getById", USER, GROUP)
def groups_get_by_id(call: Call) -> dict:
    ids = call.items("group_ids") or call.items("group_id")
    if not ids:
        if call.token != GROUP:
            raise param_error("group_ids is undefined")
        ids = [str(call.state.group_id)]
    groups = []
    for raw in ids:
        ref = raw.removeprefix("club").removeprefix("public")
        if ref.lstrip("-").isdigit() and abs(int(ref)) == call.state.group_id:
            groups.append(_group_object(call))
        else:
            raise param_error("group_ids is undefined")
    return {"groups": groups, "profiles": []}


@method("groups.getCallbackConfirmationCode", USER, GROUP)
def groups_get_callback_confirmation_code(call: Call) -> dict:
    call.community_group()
    return {"code": call.ctx.confirmation_code}


@method("groups.ban", USER)
def groups_ban(call: Call) -> int:
    call.community_group()
    owner_id = call.opt_int("owner_id")
    if owner_id is None:
        owner_id = call.opt_int("user_id")  # the pre-5.x name VK still accepts
    if owner_id is None or owner_id == 0:
        raise param_error("owner_id is undefined")
    if owner_id == call.ctx.admin_user_id or owner_id == -call.state.group_id:
        raise VkApiError(15)
    now = int(time.time())
    end_date = call.opt_int("end_date", 0) or 0
    if end_date and (end_date <= now or end_date > now + BAN_MAX_SECONDS):
        raise param_error("end_date is invalid")
    reason = call.opt_int("reason", 0) or 0
    if not 0 <= reason <= 4:
        raise param_error("reason is invalid")
    call.state.ban(
        owner_id,
        end_date=end_date,
        reason=reason,
        comment=call.text("comment"),
        comment_visible=call.flag("comment_visible"),
        admin_id=call.ctx.admin_user_id,
    )
    return 1


@method("groups.unban", USER)
def groups_unban(call: Call) -> int:
    call.community_group()
    owner_id = call.opt_int("owner_id")
    if owner_id is None:
        owner_id = call.opt_int("user_id")
    if owner_id is None:
        raise param_error("owner_id is undefined")
    call.state.active_bans().pop(owner_id, None)
    return 1


@method("groups.getBanned", USER, GROUP)
def groups_get_banned(call: Call) -> dict:
    call.community_group()
    offset = max(call.opt_int("offset", 0) or 0, 0)
    count = min(max(call.opt_int("count", 20) or 0, 0), 200)
    bans = sorted(call.state.active_bans().values(), key=lambda b: b["date"])
    only = call.opt_int("owner_id")
    if only is not None:
        bans = [b for b in bans if b["user_id"] == only]
    items = []
    for ban in bans[offset : offset + count]:
        info = {
            "admin_id": ban["admin_id"],
            "date": ban["date"],
            "reason": ban["reason"],
            "comment": ban["comment"],
            "comment_visible": ban["comment_visible"],
            "end_date": ban["end_date"],
        }
        if ban["user_id"] > 0:
            items.append({"type": "profile", "profile": _user_object(call, ban["user_id"], []), "ban_info": info})
        else:
            items.append(
                {
                    "type": "group",
                    "group": {"id": -ban["user_id"], "name": f"club{-ban['user_id']}"},
                    "ban_info": info,
                }
            )
    return {"count": len(bans), "items": items}


# ---- users
def _user_object(call: Call, user_id: int, fields: list[str]) -> dict:
    """A user as users.get shows them. A deactivated page ("deleted" or "banned") shows `deactivated` and no privacy
    flags; a deleted one is named "DELETED" with an empty last name, a banned one keeps the name, and both show
    VK's deactivated picture (captured answers; that the privacy flags are absent today is UNVERIFIED)."""
    user = call.state.user(user_id)
    gone = user.get("deactivated")
    data: dict[str, Any] = {"id": user_id, "first_name": user["first_name"], "last_name": user["last_name"]}
    if gone == "deleted":
        data.update(first_name="DELETED", last_name="")
    if gone:
        data["deactivated"] = gone
    else:
        data.update(can_access_closed=True, is_closed=False)
    for name in fields:
        if name in ("screen_name", "domain"):
            data[name] = f"id{user_id}"
        elif name.startswith("photo_"):
            size = name[6:] if name[6:].isdigit() else "400"
            data[name] = f"https://vk.com/images/deactivated_{size}.png" if gone else PHOTO_NO_AVATAR
        elif name == "sex":
            data[name] = user.get("sex", 0)
    return data


@method("users.get", USER, GROUP)
def users_get(call: Call) -> list[dict]:
    raw_ids = call.items("user_ids") or call.items("user_id")
    if not raw_ids:
        return [_user_object(call, call.ctx.admin_user_id, call.items("fields"))] if call.token == USER else []
    ids = []
    for raw in raw_ids:
        ref = raw.removeprefix("id")
        if not ref.isdigit() or int(ref) <= 0:
            raise VkApiError(113)
        ids.append(int(ref))
    if len(ids) > 1000:
        raise param_error("user_ids is invalid")
    return [_user_object(call, user_id, call.items("fields")) for user_id in ids]


# ---- messages
@method("messages.send", USER, GROUP)
def messages_send(call: Call) -> int:
    state = call.state
    if call.token == USER:
        group_id = call.opt_int("group_id")
        if group_id is None:
            raise VkApiError(902)  # personal messages of the admin are not modelled
        if group_id != state.group_id:
            raise param_error("group_id is incorrect")
    peer_id = call.opt_int("peer_id")
    if peer_id is None:
        peer_id = call.opt_int("user_id")
    if peer_id is None:
        raise param_error("you should specify peer_id, user_id, domain, chat_id or user_ids param")
    if not call.has("random_id"):
        raise param_error("random_id is a required parameter")
    random_id = call.req_int("random_id")
    message = call.text("message")
    if not message.strip() and not call.has("attachment") and not call.has("sticker_id"):
        raise param_error("message is empty or invalid")
    if len(message) > MAX_MESSAGE_LENGTH:
        raise VkApiError(914)
    if peer_id >= 2_000_000_000:
        raise VkApiError(917)
    if peer_id not in state.can_message:
        raise VkApiError(901)
    if random_id and (peer_id, random_id) in state.sent_by_random_id:
        return state.sent_by_random_id[(peer_id, random_id)]  # VK does not resend a message with a used random_id
    msg_id = state.next_id("message")
    state.messages.append(
        {
            "id": msg_id,
            "peer_id": peer_id,
            "from_id": -state.group_id,
            "text": message,
            "date": int(time.time()),
            "out": 1,
            "random_id": random_id,
        }
    )
    if random_id:
        state.sent_by_random_id[(peer_id, random_id)] = msg_id
    return msg_id


# ---- Callback API servers (community settings → Работа с API → Callback API)
MAX_CALLBACK_SERVERS = 10
CALLBACK_EVENTS = frozenset({
    "audio_new", "board_post_delete", "board_post_edit", "board_post_new", "board_post_restore",
    "group_change_photo", "group_change_settings", "group_join", "group_leave", "group_officers_edit",
    "lead_forms_new", "market_comment_delete", "market_comment_edit", "market_comment_new",
    "market_comment_restore", "market_order_new", "market_order_edit", "message_allow", "message_deny",
    "message_new", "message_read", "message_reply", "message_typing_state", "message_edit",
    "photo_comment_delete", "photo_comment_edit", "photo_comment_new", "photo_comment_restore", "photo_new",
    "poll_vote_new", "user_block", "user_unblock", "video_comment_delete", "video_comment_edit",
    "video_comment_new", "video_comment_restore", "video_new", "message_reaction_event", "wall_post_new",
    "wall_reply_delete", "wall_reply_edit", "wall_reply_new", "wall_reply_restore", "wall_repost",
    "wall_schedule_post_new", "wall_schedule_post_delete",
})


def _server_fields(call: Call) -> tuple[str, str, str]:
    url = call.text("url").strip()
    if not url:
        raise param_error("url is undefined")
    if not url.startswith(("http://", "https://")):
        raise param_error("url is invalid")
    title = call.text("title")
    if not title:
        raise param_error("title is undefined")
    if len(title) > 14:
        raise param_error("title should be shorter than 14 characters")
    secret = call.text("secret_key")
    if len(secret) > 50:
        raise param_error("secret_key should be shorter than 50 characters")
    return url, title, secret


def _server(call: Call) -> dict:
    server_id = call.req_int("server_id")
    server = call.state.callback_servers.get(server_id)
    if server is None:
        raise param_error("server_id is incorrect")
    return server


@method("groups.getCallbackServers", USER, GROUP)
def groups_get_callback_servers(call: Call) -> dict:
    call.community_group()
    wanted = {int(x) for x in call.items("server_ids") if x.lstrip("-").isdigit()}
    servers = [dict(s) for s in call.state.callback_servers.values() if not wanted or s["id"] in wanted]
    return {"count": len(servers), "items": servers}


@method("groups.addCallbackServer", USER, GROUP)
def groups_add_callback_server(call: Call) -> dict:
    call.community_group()
    url, title, secret = _server_fields(call)
    if len(call.state.callback_servers) >= MAX_CALLBACK_SERVERS:
        raise VkApiError(2000)
    server_id = max(call.state.callback_servers, default=0) + 1
    call.state.callback_servers[server_id] = {"id": server_id, "title": title, "creator_id": call.ctx.admin_user_id,
                                              "url": url, "secret_key": secret, "status": "wait"}
    call.state.callback_settings[server_id] = {"api_version": "5.199", "events": {}}
    call.state.pending_confirmations.append(server_id)  # VK checks the address right after, as on the site
    return {"server_id": server_id}


@method("groups.editCallbackServer", USER, GROUP)
def groups_edit_callback_server(call: Call) -> int:
    call.community_group()
    server = _server(call)
    url, title, secret = _server_fields(call)
    server.update(url=url, title=title, secret_key=secret, status="wait")
    call.state.pending_confirmations.append(server["id"])
    return 1


@method("groups.deleteCallbackServer", USER, GROUP)
def groups_delete_callback_server(call: Call) -> int:
    call.community_group()
    server = _server(call)
    del call.state.callback_servers[server["id"]]
    call.state.callback_settings.pop(server["id"], None)
    return 1


@method("groups.setCallbackSettings", USER, GROUP)
def groups_set_callback_settings(call: Call) -> int:
    call.community_group()
    server = _server(call)
    settings = call.state.callback_settings[server["id"]]
    if call.has("api_version"):
        version = call.text("api_version")
        if not version_supported(version):
            raise param_error("api_version is invalid")
        settings["api_version"] = version
    for name in CALLBACK_EVENTS:
        if name in call.params:
            settings["events"][name] = 1 if call.flag(name) else 0
    return 1


@method("groups.getCallbackSettings", USER, GROUP)
def groups_get_callback_settings(call: Call) -> dict:
    call.community_group()
    server = _server(call)
    settings = call.state.callback_settings[server["id"]]
    return {"api_version": settings["api_version"],
            "events": {name: settings["events"].get(name, 0) for name in sorted(CALLBACK_EVENTS)}}
