"""Publishing on a VK community's wall: photos through the wall upload flow, a poll, a link, then `wall.post`.

All of it needs the administrator's user token (VK lets only user tokens post on a wall and upload its
photos). `wall.post` carries a `guid`, VK's own guard against the same post twice: a try repeated after
a lost answer posts nothing new.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from vkbottle.exception_factory import VKAPIError
from vkbottle.tools import PhotoWallUploader

from bot.config import Account
from bot.platform import PlatformError, Post, Published
from platforms.vk.client import SOURCE, VkApi
from platforms.vk.errors import describe, is_transient

MAX_TEXT = 16384  # VK's limit for a post's text
MAX_ATTACHMENTS = 10
MAX_POLL_QUESTION = 255
MAX_POLL_OPTIONS = 10
MAX_POLL_OPTION = 100


def check(post: Post) -> list[str]:
    problems = []
    if not post.text.strip() and not post.photos and post.poll is None:
        problems.append("пост пустой: нужен текст, фото или опрос")
    if len(post.text) > MAX_TEXT:
        problems.append(f"текст длиннее {MAX_TEXT} символов ({len(post.text)})")
    attachments = len(post.photos) + (post.poll is not None) + (post.link is not None)
    if attachments > MAX_ATTACHMENTS:
        problems.append(f"больше {MAX_ATTACHMENTS} вложений (фото, опрос и ссылка вместе): {attachments}")
    if post.poll is not None:
        if not 0 < len(post.poll.question) <= MAX_POLL_QUESTION:
            problems.append(f"вопрос опроса — от 1 до {MAX_POLL_QUESTION} символов")
        if not 2 <= len(post.poll.options) <= MAX_POLL_OPTIONS:
            problems.append(f"в опросе нужно от 2 до {MAX_POLL_OPTIONS} вариантов")
        if any(not 0 < len(o) <= MAX_POLL_OPTION for o in post.poll.options):
            problems.append(f"вариант ответа — от 1 до {MAX_POLL_OPTION} символов")
    return problems


def _error(exc: VKAPIError) -> PlatformError:
    return PlatformError(describe(exc.code, exc.error_msg), code=exc.code, transient=is_transient(exc.code),
                         source=SOURCE)


async def publish(api: VkApi, account: Account, post: Post) -> Published:
    group_id = account.id
    attachments: list[str] = []
    user_api = api._api(group_id, "user")
    uploader = PhotoWallUploader(user_api)
    for photo in post.photos:
        try:
            attachments.append(await uploader.upload(photo.data, group_id=group_id))
        except VKAPIError as exc:
            raise _error(exc) from exc
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
            raise PlatformError(f"VK не принял фото: {type(exc).__name__}", transient=True, source=SOURCE) from exc
    if post.poll is not None:
        poll: Any = await api.call(group_id, "user", "polls.create", {
            "question": post.poll.question, "add_answers": json.dumps(list(post.poll.options), ensure_ascii=False),
            "owner_id": -group_id})
        attachments.append(f"poll{poll['owner_id']}_{poll['id']}")
    if post.link:
        attachments.append(post.link)
    params: dict[str, Any] = {"owner_id": -group_id, "from_group": 1, "message": post.text, "guid": post.key}
    if attachments:
        params["attachments"] = ",".join(attachments)
    answer = await api.call(group_id, "user", "wall.post", params)
    post_id = int(answer["post_id"])
    return Published(str(post_id), f"https://vk.com/wall-{group_id}_{post_id}")


async def unpublish(api: VkApi, account: Account, published: Published) -> None:
    try:
        await api.call(account.id, "user", "wall.delete", {"owner_id": -account.id, "post_id": published.post_id})
    except PlatformError as exc:
        if exc.code not in (100, 104):  # already gone
            raise
