"""Publishing a topic in an OK group: photos through `photosV2.getUploadUrl` and an upload, then
`mediatopic.post` with the media blocks (text, photo, link, poll) on behalf of the group.

`mediatopic.post` takes no idempotency key, so it is never retried on an ambiguous answer; after a
worker died mid-call, `find` looks for the topic among the group's newest before anything is posted again.
"""

from __future__ import annotations

import json
from typing import Any

from bot.config import Account
from bot.platform import PlatformError, Post, Published
from platforms.ok.client import SOURCE, OkClient
from platforms.ok.config import OkGroup

MAX_TEXT = 10000  # per text block; OK answers 601 MEDIA_TOPIC_TEXT_LIMIT beyond its limit
MAX_PHOTOS = 10
MAX_POLL_QUESTION = 200
MAX_POLL_OPTIONS = 10
MAX_POLL_OPTION = 100
FIND_WINDOW = 20  # newest topics looked through for a topic whose answer was lost


def check(post: Post) -> list[str]:
    problems = []
    if not post.text.strip() and not post.photos and post.poll is None:
        problems.append("пост пустой: нужен текст, фото или опрос")
    if len(post.text) > MAX_TEXT:
        problems.append(f"текст длиннее {MAX_TEXT} символов ({len(post.text)})")
    if len(post.photos) > MAX_PHOTOS:
        problems.append(f"больше {MAX_PHOTOS} фото")
    if post.link and not post.link.startswith(("http://", "https://")):
        problems.append("ссылка должна начинаться с http:// или https://")
    if post.poll is not None:
        if not 0 < len(post.poll.question) <= MAX_POLL_QUESTION:
            problems.append(f"вопрос опроса — от 1 до {MAX_POLL_QUESTION} символов")
        if not 2 <= len(post.poll.options) <= MAX_POLL_OPTIONS:
            problems.append(f"в опросе нужно от 2 до {MAX_POLL_OPTIONS} вариантов")
        if any(not 0 < len(o) <= MAX_POLL_OPTION for o in post.poll.options):
            problems.append(f"вариант ответа — от 1 до {MAX_POLL_OPTION} символов")
    return problems


async def _photo_tokens(client: OkClient, group: OkGroup, account: Account, post: Post) -> list[str]:
    if not post.photos:
        return []
    answer = await client.rest(group.access_token, "photosV2.getUploadUrl",
                               {"gid": account.id, "count": len(post.photos)})
    photo_ids = [str(p) for p in answer.get("photo_ids") or []]
    if len(photo_ids) != len(post.photos) or not answer.get("upload_url"):
        raise PlatformError("OK не дал адрес для загрузки фото", transient=True, source=SOURCE)
    files = {f"pic{n}": (f"photo{n}.jpg", photo.data, photo.content_type)
             for n, photo in enumerate(post.photos, start=1)}
    uploaded = await client.upload(str(answer["upload_url"]), files)
    tokens = []
    for photo_id in photo_ids:
        entry = (uploaded.get("photos") or {}).get(photo_id)
        if not isinstance(entry, dict) or not entry.get("token"):
            raise PlatformError("OK не принял фото", transient=True, source=SOURCE)
        tokens.append(str(entry["token"]))
    return tokens


def attachment(post: Post, tokens: list[str]) -> dict[str, Any]:
    media: list[dict[str, Any]] = []
    if post.text.strip():
        media.append({"type": "text", "text": post.text})
    if tokens:
        media.append({"type": "photo", "list": [{"id": t} for t in tokens]})
    if post.link:
        media.append({"type": "link", "url": post.link})
    if post.poll is not None:
        media.append({"type": "poll", "question": post.poll.question,
                      "answers": [{"text": o} for o in post.poll.options], "options": "SingleChoice"})
    return {"media": media, "onBehalfOfGroup": "true"}


async def publish(client: OkClient, account: Account, post: Post) -> Published:
    group: OkGroup = account.settings
    tokens = await _photo_tokens(client, group, account, post)
    topic_id = await client.rest(group.access_token, "mediatopic.post", {
        "type": "GROUP_THEME", "gid": account.id,
        "attachment": json.dumps(attachment(post, tokens), ensure_ascii=False)}, idempotent=False)
    return Published(str(topic_id), f"https://ok.ru/group/{account.id}/topic/{topic_id}")


async def find(client: OkClient, account: Account, post: Post, since: float) -> Published | None:
    """The group's topic with this post's text, created after `since`, if OK has it."""
    group: OkGroup = account.settings
    listed = await client.rest(group.access_token, "group.getStatTopics",
                               {"gid": account.id, "fields": "ID", "count": FIND_WINDOW,
                                "start_time": int(since * 1000) - 60_000})
    ids = [str(t["id"]) for t in listed.get("topics") or [] if isinstance(t, dict) and t.get("id")]
    if not ids:
        return None
    found = await client.rest(group.access_token, "mediatopic.getByIds",
                              {"topic_ids": ",".join(ids), "fields": "media_topic.*", "media_limit": 3})
    wanted = post.text.strip()[:200]
    for topic in found.get("media_topics") or []:
        texts = [m.get("text", "") for m in topic.get("media") or [] if isinstance(m, dict) and m.get("type") == "text"]
        if wanted and any(t.strip().startswith(wanted) for t in texts):
            return Published(str(topic["id"]), f"https://ok.ru/group/{account.id}/topic/{topic['id']}")
    return None


async def unpublish(client: OkClient, account: Account, published: Published) -> None:
    group: OkGroup = account.settings
    try:
        await client.rest(group.access_token, "mediatopic.deleteTopic",
                          {"topic_id": published.post_id, "gid": account.id})
    except PlatformError as exc:
        if exc.code != 300:  # already gone
            raise
