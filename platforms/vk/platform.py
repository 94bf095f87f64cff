"""VK as a `bot.platform.Platform`: Callback events in, moderation actions out through `VkApi`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import Account
from bot.domain import Capability, Item, KindSpec, NetworkEvent
from bot.platform import (
    NAMES_REMEMBERED,
    NO_ROTATION,
    Credential,
    InboundCall,
    InboundOutcome,
    Manager,
    PlatformError,
    Post,
    Published,
    Recent,
    Respond,
    SecretRotation,
    numeric_ids,
    recall,
    with_names,
)
from platforms.vk import access, publish
from platforms.vk.client import SOURCE, VkApi
from platforms.vk.config import NETWORK, VkCommunity, VkSettings
from platforms.vk.kinds import BAN_TERMS, KINDS, WORDS
from platforms.vk.parse import parse_event
from platforms.vk.webhook import read_callback

log = logging.getLogger(__name__)

# The API section of each commentable kind whose comments need the administrator's user token.
_COMMENT_SECTIONS = {"wall_comment": "wall", "photo_comment": "photos", "video_comment": "video",
                     "market_comment": "market"}
# groups.ban's reason codes for the labels that make a ban.
BAN_REASONS = {"spam": 1, "insult": 2, "obscene": 3}
BAN_COMMENT = "Нарушение правил сообщества"
# users.get names a deactivated page "DELETED" (or keeps a banned user's name): the card says what it is.
DEACTIVATED = {"deleted": "страница удалена", "banned": "страница заблокирована VK"}
POSTS_CACHED = 2000  # posts whose words a card may quote, kept per process
USERS_PER_CALL = 1000  # users.get: more user_ids is error 100
POSTS_PER_CALL = 100  # wall.getById takes at most 100 posts


class VkPlatform:
    network = NETWORK
    words = WORDS
    ack_text = "ok"
    ban_terms = BAN_TERMS
    poll_interval: float | None = None  # VK pushes everything through the Callback API

    def __init__(self, accounts: Iterable[Account], settings: VkSettings, *, timeout: float = 20.0,
                 rates: tuple[int, int] | None = None) -> None:
        self.api = VkApi(((a.id, a.settings) for a in accounts), api_url=settings.api_url,
                         api_version=settings.api_version, timeout=timeout, **({"rates": rates} if rates else {}))
        self.settings = settings
        self._names: Recent[int, str] = Recent(NAMES_REMEMBERED)
        self._posts: Recent[tuple[int, str], str] = Recent(POSTS_CACHED)  # (community, post id) -> text

    # --- what VK's items are
    def kind(self, kind: str) -> KindSpec:
        return KINDS[kind]

    def profile_url(self, author_id: int) -> str:
        return f"https://vk.com/id{author_id}" if author_id > 0 else f"https://vk.com/club{-author_id}"

    # --- inbound
    def webhook_secret(self, account: Account) -> str | None:
        community: VkCommunity = account.settings
        return community.secret

    def check_path(self, account: Account, path_rest: str, headers: Mapping[str, str],
                   peer: str | None, rotation: SecretRotation = NO_ROTATION) -> Respond | None:
        return Respond(404, "unknown community") if path_rest else None

    async def inbound(self, call: InboundCall) -> InboundOutcome:
        return await read_callback(call, self.confirmation_code)

    def parse(self, event_type: str, payload: dict[str, Any], account_id: int) -> NetworkEvent:
        return parse_event(event_type, payload.get("object"), account_id)

    def poll(self, account: Account, cursors: Mapping[str, Any]) -> None:
        return None  # VK pushes everything through the Callback API

    # --- actions
    async def delete(self, item: Item, *, reason: str | None = None) -> None:
        await self._comment_call(item, "deleteComment")

    async def restore(self, item: Item) -> None:
        await self._comment_call(item, "restoreComment")

    async def _comment_call(self, item: Item, verb: str) -> None:
        ref = item.ref
        try:
            if item.kind == "board_comment":
                result = await self.api.call(item.account_id, "group", f"board.{verb}", {
                    "group_id": abs(int(ref["owner_id"])), "topic_id": ref["topic_id"],
                    "comment_id": ref["comment_id"]})
            elif item.kind in _COMMENT_SECTIONS:
                result = await self.api.call(item.account_id, "user", f"{_COMMENT_SECTIONS[item.kind]}.{verb}", {
                    "owner_id": ref["owner_id"], "comment_id": ref["comment_id"]})
            else:
                raise PlatformError("Личные сообщения сообщества VK не удаляются через API")
        except PlatformError as exc:
            # Idempotency: "not found" on delete and "was not deleted" on restore mean already done.
            if (verb == "deleteComment" and exc.code == 104) or (verb == "restoreComment" and exc.code == 243):
                log.info("vk %s on %s: already done (code %s)", verb, item.ext_id, exc.code)
                return
            raise
        if result == 0 and verb == "deleteComment":
            log.info("vk %s on %s: VK says not found, already done", verb, item.ext_id)

    async def ban(self, item: Item, *, days: int | None, reason: str | None, comment: str = BAN_COMMENT) -> None:
        """groups.ban after deleting the comment (a message cannot be deleted, its author is banned only)."""
        deletes = KINDS[item.kind].allows(Capability.DELETE)
        if deletes:
            await self.delete(item)
        params: dict[str, Any] = {"group_id": item.account_id, "owner_id": item.author.id,
                                  "reason": BAN_REASONS.get(reason or "", 0), "comment": comment,
                                  "comment_visible": 1}
        if days is not None:
            params["end_date"] = int((datetime.now(UTC) + timedelta(days=days)).timestamp())
        try:
            await self.api.call(item.account_id, "user", "groups.ban", params)
        except PlatformError as exc:
            exc.after_delete = deletes  # the comment is gone already; the card must say so
            raise

    async def unban(self, item: Item) -> None:
        await self.api.call(item.account_id, "user", "groups.unban",
                            {"group_id": item.account_id, "owner_id": item.author.id})

    async def reply(self, item: Item, text: str, *, key: int) -> None:
        """The community's answer: a reply in the comment's thread, or a message in the dialogue."""
        ref = item.ref
        if item.kind == "wall_comment":
            await self.api.call(item.account_id, "group", "wall.createComment", {
                "owner_id": ref["owner_id"], "post_id": ref["post_id"], "message": text,
                "reply_to_comment": ref["comment_id"], "guid": f"gospablik-{key}"})
        elif item.kind in ("message", "chat_message"):
            # random_id is VK's own guard against sending one message twice.
            await self.api.call(item.account_id, "group", "messages.send", {
                "peer_id": ref["peer_id"], "random_id": key, "message": text})
        else:
            raise PlatformError("Ответить на такой комментарий из рабочего чата пока нельзя — ответьте в VK")

    def safe_to_repeat(self, action: str, item: Item) -> bool:
        """Every VK action here is idempotent: deleting twice is "not found", replies carry guid/random_id."""
        return True

    async def refresh_inbound(self, account: Account, public_url: str | None) -> None:
        return None  # `gospablik vk setup` sets the Callback server up once; VK keeps it

    # --- publishing
    publishes = True

    def check_post(self, account: Account, post: Post) -> list[str]:
        return publish.check(post)

    async def publish(self, account: Account, post: Post) -> Published:
        return await publish.publish(self.api, account, post)

    async def find_published(self, account: Account, post: Post, since: float) -> Published | None:
        return None  # publishing again is safe: `wall.post` carries the same guid, and VK posts nothing twice

    async def unpublish(self, account: Account, published: Published) -> None:
        await publish.unpublish(self.api, account, published)

    def page_url(self, account: Account) -> str:
        return f"https://vk.com/club{account.id}"

    # --- account security
    async def check_access(self, account: Account) -> list[Credential]:
        return await access.check(self.api, account)

    async def administrators(self, account: Account) -> list[Manager] | None:
        found = await access.managers(self.api, account)
        return with_names(found, await self.names(account.id, numeric_ids(found)))

    async def confirmation_code(self, group_id: int) -> str:
        """VK's current confirmation string for servers set up through the API; asked each time, since VK
        changes it when servers are added or edited."""
        response = await self.api.call(group_id, "group", "groups.getCallbackConfirmationCode",
                                       {"group_id": group_id})
        return str(response["code"])

    async def names(self, account_id: int, user_ids: Iterable[int]) -> dict[int, str]:
        """Names of people (positive ids), cached; a failure only costs the card its names."""
        async def fetch(chunk: list[int]) -> dict[int, str]:
            users = await self.api.call(account_id, "group", "users.get", {"user_ids": ",".join(map(str, chunk))})
            named = {}
            for user in users or []:
                if isinstance(user, dict) and "id" in user:
                    gone = DEACTIVATED.get(str(user.get("deactivated") or ""))
                    name = gone or f"{user.get('first_name', '')} {user.get('last_name', '')}".strip()
                    named[int(user["id"])] = name or f"id{user['id']}"
            return named

        return await recall(self._names, (u for u in user_ids if u > 0), fetch, per_call=USERS_PER_CALL,
                            what="vk users.get")

    async def post_texts(self, account_id: int, post_ids: Iterable[str]) -> dict[str, str]:
        """wall.getById with the admin's user token (a community token gets error 27 there)."""
        async def fetch(chunk: list[tuple[int, str]]) -> dict[tuple[int, str], str]:
            answer = await self.api.call(account_id, "user", "wall.getById",
                                         {"posts": ",".join(f"-{account_id}_{p}" for _, p in chunk)})
            found = answer.get("items") if isinstance(answer, dict) else answer
            return {(account_id, str(post["id"])): post["text"] for post in (found if isinstance(found, list) else [])
                    if isinstance(post, dict) and isinstance(post.get("text"), str) and "id" in post}

        texts = await recall(self._posts, ((account_id, p) for p in post_ids if p.isdigit()), fetch,
                             per_call=POSTS_PER_CALL, what="vk wall.getById")
        return {p: text for (_, p), text in texts.items()}

    async def close(self) -> None:
        await self.api.close()


__all__ = ["SOURCE", "VkPlatform"]
