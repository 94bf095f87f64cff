"""VK publishing in the emulator: wall.post, wall.delete, polls.create and the wall photo upload with its server.

Parameter names, token types (all user-only: a community token gets 27 before any of this runs) and answer
shapes follow VK's schema (wall/, polls/, photos/ methods.json, responses.json, objects.json); the upload flow
follows vk.md §3.3 and vkbottle's `PhotoWallUploader`. Where VK publishes no figure or text, the choice is the
emulator's and is marked so. Error texts follow VK's pattern "<param> is undefined/invalid".

The upload server lives in the emulator itself: `upload_url` is built from the address the API call came to
(scheme, host and the mount prefix, e.g. `/emulators/vk`), so it works wherever the emulator is mounted.
A failed upload answers as VK's does, `{"server", "photo": "[]", "hash"}` with HTTP 200 (vk-io#350 and
vk-php-sdk#119 show VK answering an empty photo list), and saving it is then 100 "photo is undefined"
(python273/vk_api#544).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import BodyPartReader, web

from bot.sandbox.sample_photos import image_info
from bot.sandbox.vk_errors import VkApiError, param_error
from bot.sandbox.vk_methods import USER, Call, method
from bot.sandbox.vk_state import VkState

WALL_ALBUM = -14  # the album VK names in a community's wall upload_url (`aid=-14`)
COMMUNITY_PHOTO_USER = 100  # the `user_id` VK puts on photos a community posted
MAX_POST_LENGTH = 16384  # emulator's figure: neither vk.md nor the schema gives one
MAX_ATTACHMENTS = 10  # wall.post takes at most 10 attachments (the link counts)
MAX_POLL_ANSWERS = 10  # schema, polls.create: "There can be from 1 to 10 answers"
MAX_CAPTION = 2048  # schema, photos.saveWallPhoto: "2048 digits max"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # VK's photo limits: 50 MB, width + height <= 14000, sides at most 1:20
MAX_SIDES, MAX_RATIO = 14000, 20
SIZE_TYPES = (("s", 75), ("m", 130), ("x", 604), ("y", 807), ("z", 1080), ("w", 2560))
MEDIA = re.compile(r"(photo|poll|video|audio|doc|page|note|album|market|market_album|audio_playlist)"
                   r"(-?\d+)_(\d+)(?:_([0-9A-Za-z]+))?")


def _sign(state: VkState, *parts: object) -> str:
    message = ":".join(str(p) for p in parts).encode()
    return hmac.new(state.upload_secret.encode(), message, hashlib.md5).hexdigest()


def _json(body: Any) -> web.Response:
    return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/json")


# ---- the upload server (what pu.vk.com does)
async def _photo_field(request: web.Request) -> bytes | None:
    """The file sent in the multipart field `photo` (VK reads no other field), at most MAX_UPLOAD_BYTES + 1."""
    if request.content_type != "multipart/form-data":
        await request.read()
        return None
    found: bytes | None = None
    try:
        async for part in await request.multipart():
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "photo" and part.filename and found is None:
                data = bytearray()
                while chunk := await part.read_chunk():
                    if len(data) <= MAX_UPLOAD_BYTES:
                        data += chunk
                found = bytes(data)
            else:
                await part.release()
    except ValueError:  # a malformed multipart body: nothing was received
        return None
    return found


async def receive_wall_upload(state: VkState, request: web.Request) -> web.Response:
    """POST upload_url: `{"server", "photo": "<JSON string>", "hash"}`, HTTP 200 even when nothing was taken."""
    query = request.query
    mid, gid, server = query.get("mid", ""), query.get("gid", ""), query.get("server", "")
    if not hmac.compare_digest(query.get("hash", ""), _sign(state, "url", mid, gid, server)):
        await request.read()
        return _json({"error": "invalid upload url"})  # UNVERIFIED: VK's answer to a forged upload_url
    data = await _photo_field(request)
    info = image_info(data) if data else None
    photo = "[]"
    if data and info and len(data) <= MAX_UPLOAD_BYTES and info.width + info.height <= MAX_SIDES \
            and max(info.width, info.height) <= MAX_RATIO * min(info.width, info.height):
        key = secrets.token_hex(12)
        state.uploads[key] = {"group_id": int(gid), "user_id": int(mid), "kind": info.kind, "width": info.width,
                              "height": info.height, "size": len(data), "at": int(time.time())}
        state.images[key] = (info.content_type, data)
        photo = json.dumps([{"photo": f"{key}:w", "sizes": [], "latitude": 0, "longitude": 0,
                             "kid": secrets.token_hex(16)}], separators=(",", ":"))
    return _json({"server": int(server), "photo": photo, "hash": _sign(state, "photo", server, photo, gid)})


async def serve_photo(state: VkState, request: web.Request) -> web.Response:
    """The uploaded image at the URLs in a photo's `sizes` (kept in memory only: gone after a restart)."""
    image = state.images.get(request.match_info["key"])
    if image is None:
        raise web.HTTPNotFound()
    return web.Response(body=image[1], content_type=image[0])


@method("photos.getWallUploadServer", USER)
def photos_get_wall_upload_server(call: Call) -> dict:
    group_id = call.community_group()
    query = {"act": "do_add", "mid": call.ctx.admin_user_id, "aid": WALL_ALBUM, "gid": group_id,
             "server": call.state.upload_server}
    query["hash"] = _sign(call.state, "url", query["mid"], group_id, query["server"])
    query |= {"api": 1, "wallphoto": 1}
    return {"album_id": WALL_ALBUM, "upload_url": f"{call.ctx.base_url}/upload/wall?{urlencode(query)}",
            "user_id": call.ctx.admin_user_id}


@method("photos.saveWallPhoto", USER)
def photos_save_wall_photo(call: Call) -> list[dict]:
    state = call.state
    photo = call.text("photo")
    if photo in ("", "[]"):
        raise param_error("photo is undefined")
    server = call.text("server")
    if server != str(state.upload_server):
        raise VkApiError(118)
    # The hash binds photo, server and group: another group_id (or none, i.e. the user's wall) is 121, as on VK.
    if not hmac.compare_digest(call.text("hash"), _sign(state, "photo", server, photo, call.text("group_id"))):
        raise VkApiError(121)
    try:
        key = json.loads(photo)[0]["photo"].partition(":")[0]
    except (ValueError, LookupError, TypeError, AttributeError):
        raise VkApiError(22) from None
    upload = state.uploads.get(key)
    if upload is None:
        raise VkApiError(22)
    caption = call.text("caption")
    if len(caption) > MAX_CAPTION:
        raise param_error("caption is too long")
    if "photo_id" in upload:  # saved already: the same photo again (emulator's choice; VK's answer UNVERIFIED)
        return [state.photo_objects[upload["photo_id"]]]
    item = state.add_object("photo", caption)
    width, height = upload["width"], upload["height"]
    sizes = []
    for size_type, limit in SIZE_TYPES:
        scale = min(1.0, limit / max(width, height))
        sizes.append({"type": size_type, "url": f"{call.ctx.base_url}/photo/{key}",
                      "width": max(1, round(width * scale)), "height": max(1, round(height * scale))})
        if scale == 1.0:
            break
    state.photo_objects[item.id] = {
        "album_id": WALL_ALBUM, "date": item.date, "id": item.id, "owner_id": item.owner_id,
        "access_key": secrets.token_hex(9), "sizes": sizes, "text": caption, "user_id": COMMUNITY_PHOTO_USER,
        "has_tags": False, "width": width, "height": height,
    }
    upload["photo_id"] = item.id
    return [state.photo_objects[item.id]]


# ---- polls
@method("polls.create", USER)
def polls_create(call: Call) -> dict:
    state = call.state
    question = call.text("question")
    if not question.strip():
        raise param_error("question is undefined")
    owner_id = call.opt_int("owner_id", call.ctx.admin_user_id)
    if owner_id not in (-state.group_id, call.ctx.admin_user_id):
        raise param_error("owner_id is incorrect")
    raw = call.text("add_answers")
    if not raw:
        raise param_error("add_answers is undefined")
    try:
        answers = json.loads(raw)
    except ValueError:
        answers = None
    if not isinstance(answers, list) or not 1 <= len(answers) <= MAX_POLL_ANSWERS \
            or not all(isinstance(a, str) and a.strip() for a in answers):
        raise param_error("add_answers is invalid")
    now = int(time.time())
    end_date = call.opt_int("end_date", 0) or 0
    if end_date and end_date <= now:
        raise param_error("end_date is invalid")
    poll_id = state.next_id("poll")
    poll = {
        "id": poll_id, "owner_id": owner_id, "author_id": call.ctx.admin_user_id, "created": now,
        "question": question, "votes": 0,
        "answers": [{"id": state.next_id("poll_answer"), "text": a, "votes": 0, "rate": 0} for a in answers],
        "anonymous": call.flag("is_anonymous"), "multiple": call.flag("is_multiple"), "end_date": end_date,
        "closed": False, "is_board": False, "can_edit": True, "can_vote": True, "can_report": False,
        "can_share": True, "disable_unvote": call.flag("disable_unvote"), "embed_hash": secrets.token_hex(9),
    }
    state.polls[poll_id] = poll
    return poll


# ---- the wall
def _attachment(call: Call, raw: str) -> dict:
    """One item of `attachments` as the attachment object VK shows on the post; unknown ones are refused."""
    state = call.state
    if raw.startswith(("http://", "https://")):
        host = urlsplit(raw).hostname
        if not host:
            raise param_error("attachments is invalid")
        return {"type": "link", "link": {"url": raw, "title": "", "caption": host, "description": "",
                                         "is_favorite": False}}
    match = MEDIA.fullmatch(raw)
    if match:
        kind, owner_id, item_id, key = match[1], int(match[2]), int(match[3]), match[4]
        if kind == "photo" and item_id in state.photo_objects:
            photo = state.photo_objects[item_id]
            if photo["owner_id"] == owner_id and key in (None, photo["access_key"]):
                return {"type": "photo", "photo": dict(photo)}
        if kind == "poll" and item_id in state.polls and state.polls[item_id]["owner_id"] == owner_id:
            return {"type": "poll", "poll": dict(state.polls[item_id])}
    # A missing object is refused rather than dropped: VK's exact answer is UNVERIFIED (vk-java-sdk#294 hints
    # that VK may drop what it cannot attach and then ask for a message).
    raise param_error("attachments is invalid")


@method("wall.post", USER)
def wall_post(call: Call) -> dict:
    state = call.state
    owner_id = call.community_owner()
    message = call.text("message")
    from_id = -state.group_id if call.flag("from_group") else call.ctx.admin_user_id
    publish_date = call.opt_int("publish_date")
    now = int(time.time())
    existing_id = call.opt_int("post_id")
    if existing_id is not None:  # publishes a postponed (deferred) post now
        post = state.get_object("wall", existing_id)
        if post is None or not post.postponed or post.deleted:
            raise param_error("post_id is invalid")
        post.postponed, post.date = False, now
        if message:
            post.text = message
        return {"post_id": post.id}
    # guid: "a unique identifier to prevent sending the same post again" (VK's docs): the post it made is
    # answered again and nothing new is posted. The emulator remembers guids for good (VK's window unknown).
    guid = call.text("guid")
    if guid and f"{owner_id}:{guid}" in state.guids:
        return {"post_id": state.guids[f"{owner_id}:{guid}"]}
    raw = call.items("attachments")
    if not message.strip() and not raw:
        raise param_error("message is empty or invalid")
    if len(message) > MAX_POST_LENGTH:
        raise param_error("message is too long")
    if len(raw) > MAX_ATTACHMENTS:
        raise param_error("attachments is invalid: too many attachments")
    attachments = [_attachment(call, item) for item in raw]
    kinds = [a["type"] for a in attachments]
    if kinds.count("link") > 1:  # the schema: "If more than one link is being attached, an error will be thrown"
        raise param_error("attachments is invalid: more than one link")
    if kinds.count("poll") > 1:
        raise param_error("attachments is invalid: more than one poll")
    postponed = publish_date is not None and publish_date > now
    post = state.add_object("wall", message, date=publish_date if postponed else now, from_id=from_id,
                            postponed=postponed)
    post.attachments = attachments
    if guid:
        state.guids[f"{owner_id}:{guid}"] = post.id
    return {"post_id": post.id}


@method("wall.delete", USER)
def wall_delete(call: Call) -> int:
    call.community_owner()
    post = call.state.get_object("wall", call.req_int("post_id"))
    if post is None or post.deleted:
        raise VkApiError(104)  # schema lists 104 Not found (and 210) for wall.delete
    post.deleted = True
    return 1
