"""OK publishing in the emulator: photosV2.getUploadUrl and its upload server, mediatopic.post, .getByIds,
.deleteTopic. `ok_api` merges `METHODS` into its REST table, so these pass the same key, signature, session and
flood checks as every other call.

Sources: parameters and the attachment JSON from OK's docs (apiok/documentation `mediatopic.post.md`,
`photosV2.getUploadUrl.md`, `mediatopic.getByIds.md`) and ok.md §3.3–3.4; error codes and names 600/601/607
from ok.md §4.4. `mediatopic.deleteTopic` with `topic_id`, answering `{"success": true}`, is not in OK's docs
snapshot: it comes from oland-dmd/Odnoklassniki (`IMediaTopicsApiClient.DeleteTopicAsync`, `DeleteTopicResponse`),
UNVERIFIED on the live API. Figures OK does not publish are the emulator's and say so.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from aiohttp import BodyPartReader, web

from bot.sandbox.ok_errors import OkApiError, invalid, missing, not_found
from bot.sandbox.ok_state import MOSCOW, now_ms
from bot.sandbox.sample_photos import image_info

if TYPE_CHECKING:
    from bot.sandbox.ok_api import Call, OkEmulator

Handler = Callable[["Call"], Any]
METHODS: dict[str, Handler] = {}

MAX_BLOCKS = 50  # emulator's figure for 600 MEDIA_TOPIC_BLOCK_LIMIT: OK publishes none
MAX_TEXT = 10_000  # emulator's figure for 601 MEDIA_TOPIC_TEXT_LIMIT, per text block: OK publishes none
MAX_UPLOAD_COUNT = 50  # photosV2.getUploadUrl `count`: emulator's figure
UPLOAD_TTL_MS = 24 * 3600 * 1000  # how long an upload_url and its tokens live: emulator's figure
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # emulator's figure
GROUP_TYPES = ("GROUP_THEME", "GROUP_THEME_PROMO")  # the docs: gid goes with these two only
TOPIC_TYPES = (*GROUP_TYPES, "GROUP_SUGGESTED", "USER", "USER_STATUS", "USER_NOTE")
NOT_EMULATED_BLOCKS = ("movie", "music", "app", "product", "place", "link_group")
POLL_OPTIONS = ("SingleChoice", "AnonymousVoting", "ResultsAfterVoting", "VotingClosed")  # UNVERIFIED list
UPLOAD_FIELD = re.compile(r"(?:pic|file)(\d+)")


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


def _sign(secret: str, *parts: object) -> str:
    return hmac.new(secret.encode(), ":".join(str(p) for p in parts).encode(), hashlib.md5).hexdigest()


def _group(call: Call) -> str:
    gid = call.required("gid")
    if gid != call.state.group_id:
        raise OkApiError(160)
    return gid


# ---- photos
@method("photosV2.getUploadUrl")
def photos_get_upload_url(call: Call) -> dict:
    """Only uploads for a group topic (`gid` without `aid`) are emulated: albums are not part of the sandbox."""
    gid = _group(call)
    if call.text("aid"):
        raise invalid("aid", call.text("aid"))
    count = call.number("count", 1, low=1, high=MAX_UPLOAD_COUNT) or 1
    expires = now_ms() + UPLOAD_TTL_MS
    ids = []
    for _ in range(count):
        photo_id = call.state.new_photo_id()
        call.state.photos[photo_id] = {"gid": gid, "expires_ms": expires, "token": None, "used": False}
        ids.append(photo_id)
    joined = ",".join(ids)
    query = urlencode({"photoIds": joined, "expires": expires, "sig": _sign(call.state.upload_secret, joined, expires)})
    return {"upload_url": f"{call.base_url}/upload/photos?{query}", "photo_ids": ids, "expires_ms": expires,
            "ttl_ms": UPLOAD_TTL_MS}


def _upload_error(text: str) -> web.Response:
    # UNVERIFIED: the upload server's error shape; OK's REST shape is assumed.
    body = OkApiError(100, text).body()
    return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/json")


async def receive_upload(emulator: OkEmulator, request: web.Request) -> web.Response:
    """POST upload_url, multipart files `pic1`…`picN` (or `file1`…): `{"photos": {id: {"token": ...}}}`.

    The n-th field fills the n-th photo id. A photo sent again before its token was used keeps its token
    (a retried upload is harmless); one whose token was used is refused.
    """
    state = emulator.state
    ids = request.query.get("photoIds", "").split(",")
    expires = request.query.get("expires", "")
    if not hmac.compare_digest(request.query.get("sig", ""), _sign(state.upload_secret, ",".join(ids), expires)):
        await request.read()
        return _upload_error("Invalid upload url")
    if not expires.isdigit() or int(expires) < now_ms():
        await request.read()
        return _upload_error("Upload url expired")
    if request.content_type != "multipart/form-data":
        await request.read()
        return _upload_error("Not a multipart request")
    received: dict[str, bytes] = {}
    try:
        async for part in await request.multipart():
            if not isinstance(part, BodyPartReader):
                continue
            match = UPLOAD_FIELD.fullmatch(part.name or "")
            if not match or not part.filename or not 1 <= int(match[1]) <= len(ids):
                await part.release()
                continue
            buffer = bytearray()
            while chunk := await part.read_chunk():
                if len(buffer) <= MAX_UPLOAD_BYTES:
                    buffer += chunk
            received[ids[int(match[1]) - 1]] = bytes(buffer)
    except ValueError:
        return _upload_error("Malformed multipart body")
    checked = []
    for photo_id, data in received.items():  # all files are checked before any is taken
        info, photo = image_info(data), state.photos.get(photo_id)
        if info is None or len(data) > MAX_UPLOAD_BYTES:
            return _upload_error(f"Photo {photo_id}: not an image")
        if photo is None or photo["used"]:
            return _upload_error(f"Photo {photo_id}: already published")
        checked.append((photo_id, photo, info, len(data)))
    answer: dict[str, dict[str, str]] = {}
    for photo_id, photo, info, size in checked:
        photo.update(width=info.width, height=info.height, kind=info.kind, size=size)
        photo["token"] = photo["token"] or secrets.token_urlsafe(48)
        answer[photo_id] = {"token": photo["token"]}
    return web.Response(text=json.dumps({"photos": answer}), content_type="application/json")


# ---- mediatopic.post
def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise invalid(f"attachment.{name}", value)


def _publish_at(doc: dict[str, Any]) -> int | None:
    """publishAtMs (ms epoch) or publishAt ("YYYY-mm-dd hh:mi:ss", Europe/Moscow), as the docs give them."""
    if "publishAtMs" in doc:
        raw = doc["publishAtMs"]
        if isinstance(raw, bool) or not str(raw).isdigit():
            raise invalid("attachment.publishAtMs", raw)
        return int(raw)
    if "publishAt" in doc:
        try:
            moment = datetime.strptime(str(doc["publishAt"]), "%Y-%m-%d %H:%M:%S").replace(tzinfo=MOSCOW)
        except ValueError:
            raise invalid("attachment.publishAt", doc["publishAt"]) from None
        return int(moment.timestamp() * 1000)
    return None


def _photos(call: Call, block: dict[str, Any], taken: set[str]) -> dict[str, Any]:
    items = block.get("list")
    if not isinstance(items, list) or not items:
        raise invalid("attachment.media.list", items)
    listed = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        token, existing = item.get("id"), item.get("existing_photo_id") or item.get("photoId")
        if token is not None and existing is None:
            found = [pid for pid, p in call.state.photos.items() if token and p["token"] == token]
            photo_id = found[0] if found else None
            photo = call.state.photos.get(photo_id or "")
            if photo is None or photo["used"] or photo_id in taken or photo["expires_ms"] < now_ms():
                raise OkApiError(100, "Parameter 'PHOTO id' is invalid")  # OK's wording, ok-android-sdk#8
            taken.add(str(photo_id))
        elif existing is not None and token is None:
            photo = call.state.photos.get(str(existing))
            if photo is None or not photo["used"]:  # a photo the group already published
                raise OkApiError(100, "Parameter 'PHOTO id' is invalid")
            photo_id = str(existing)
        else:  # one photo is named by exactly one of id / existing_photo_id (ok-android-sdk#8)
            raise invalid("attachment.media.list", item)
        listed.append({"id": photo_id, "width": photo.get("width"), "height": photo.get("height")})
    return {"type": "photo", "list": listed}


def _poll(block: dict[str, Any]) -> dict[str, Any]:
    question, answers, options = block.get("question"), block.get("answers"), block.get("options", "")
    if not isinstance(question, str) or not question.strip():
        raise invalid("attachment.media.question", question)
    texts = [a.get("text") if isinstance(a, dict) else None for a in answers or []] \
        if isinstance(answers, list) else []
    if len(texts) < 2 or not all(isinstance(t, str) and t.strip() for t in texts):  # 2+: emulator's rule
        raise invalid("attachment.media.answers", answers)
    picked = [o.strip() for o in options.split(",") if o.strip()] if isinstance(options, str) else None
    if picked is None or any(o not in POLL_OPTIONS for o in picked):
        raise invalid("attachment.media.options", options)
    return {"type": "poll", "question": question, "answers": [{"text": t} for t in texts],
            "options": ",".join(picked)}


def _block(call: Call, block: Any, taken: set[str]) -> dict[str, Any]:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind == "text":
        text = block.get("text")
        if not isinstance(text, str) or not text.strip():
            raise invalid("attachment.media.text", text)
        if len(text) > MAX_TEXT:
            raise OkApiError(601)
        return {"type": "text", "text": text}
    if kind == "link":
        url = block.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
            raise OkApiError(607)
        return {"type": "link", "url": url}
    if kind == "photo":
        return _photos(call, block, taken)
    if kind == "poll":
        return _poll(block)
    if kind in NOT_EMULATED_BLOCKS:
        raise OkApiError(100, f"Media type {kind} is not emulated")
    raise invalid("attachment.media.type", kind)


@method("mediatopic.post")
def mediatopic_post(call: Call) -> str:
    """A group topic; the answer is its id as a JSON string. Nothing is stored unless the whole call is valid."""
    topic_type = call.choice("type", TOPIC_TYPES)
    if topic_type not in GROUP_TYPES:  # user pages and suggested topics are not part of the sandbox
        raise invalid("type", topic_type)
    _group(call)
    raw = call.required("attachment")
    try:
        doc = json.loads(raw)
    except ValueError:
        raise invalid("attachment", raw[:100]) from None
    media = doc.get("media") if isinstance(doc, dict) else None
    if not isinstance(media, list) or not media:
        raise invalid("attachment.media", media)
    if len(media) > MAX_BLOCKS:
        raise OkApiError(600)
    taken: set[str] = set()
    blocks = [_block(call, block, taken) for block in media]
    as_group = _flag(doc.get("onBehalfOfGroup", "false"), "onBehalfOfGroup")  # default UNVERIFIED (ok.md)
    no_comments = _flag(doc.get("disableComments", "false"), "disableComments")
    publish_at = _publish_at(doc)
    scheduled = publish_at is not None and publish_at > now_ms()
    text = "\n".join(b["text"] for b in blocks if b["type"] == "text")
    topic = call.state.add_topic(text, date_ms=publish_at if scheduled else None)
    topic.media, topic.scheduled, topic.comments_disabled = blocks, scheduled, no_comments
    topic.author_id = call.state.group_id if as_group else call.emulator.admin_user_id
    for photo_id in taken:
        call.state.photos[photo_id]["used"] = True  # tokens are single-use
    return topic.id


# ---- reading back and deleting
@method("mediatopic.getByIds")
def mediatopic_get_by_ids(call: Call) -> dict:
    """UNVERIFIED answer shape: `{"media_topics": [{"id", "created_ms", "media"}]}`; unknown ids are left out."""
    ids = call.ids("topic_ids")
    media_limit = call.number("media_limit", low=1, high=3)
    if media_limit is None and len(ids) > 1:  # the docs: required when several topics are asked for
        raise missing("media_limit")
    keys = {"id"}
    for name in call.fields():
        entity, dot, field = name.partition(".")
        if entity != "media_topic" or not dot or not field:
            raise invalid("fields", call.text("fields"))
        keys |= {"created_ms", "media"} if field == "*" else {field}
    rows = []
    for topic_id in ids:
        topic = call.state.topics.get(topic_id)
        if topic is None or topic.deleted:
            continue
        row: dict[str, Any] = {"id": topic.id}
        if "created_ms" in keys:
            row["created_ms"] = topic.date_ms
        if "media" in keys:
            row["media"] = [dict(m) for m in topic.media[:media_limit]] if topic.media else (
                [{"type": "text", "text": topic.text}] if topic.text else [])
        rows.append(row)
    return {"media_topics": rows}


@method("mediatopic.deleteTopic")
def mediatopic_delete_topic(call: Call) -> dict:
    """Name and `topic_id` UNVERIFIED (see the module doc); an unknown or deleted topic is 300, as elsewhere."""
    topic_id = call.required("topic_id")
    if call.text("gid"):
        _group(call)
    topic = call.state.topics.get(topic_id)
    if topic is None or topic.deleted:
        raise not_found(f"Topic {topic_id} not found")
    topic.deleted = True
    return {"success": True}
