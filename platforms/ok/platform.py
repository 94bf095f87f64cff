"""OK as a `bot.platform.Platform`: comments polled, messages pushed, actions through REST and the Bot API.

What OK's API cannot do is said on the card instead (`platforms.ok.kinds`): no restoring a deleted
comment, no unblocking an author, no blocking without deleting, no deleting messages or blocking their
authors.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from bot.config import Account
from bot.domain import Item, KindSpec, NetworkEvent
from bot.platform import (
    NAMES_REMEMBERED,
    NO_ROTATION,
    Credential,
    InboundCall,
    InboundOutcome,
    Manager,
    PlatformError,
    PollStep,
    Post,
    Published,
    Recent,
    Respond,
    SecretRotation,
    numeric_ids,
    recall,
    with_names,
)
from platforms.ok import access, publish
from platforms.ok.client import SOURCE, OkClient
from platforms.ok.config import NETWORK, OkGroup, OkSettings
from platforms.ok.kinds import BAN_TERMS, KINDS, WORDS
from platforms.ok.parse import parse_event
from platforms.ok.poll import poll_group
from platforms.ok.webhook import check_path, read_webhook

log = logging.getLogger(__name__)
NOT_FOUND = 300
USERS_PER_CALL = 100  # users.getInfo asks for at most 100 uids at once


class OkPlatform:
    network = NETWORK
    words = WORDS
    ack_text = "ok"
    ban_terms = BAN_TERMS

    def __init__(self, accounts: Iterable[Account], settings: OkSettings, *, timeout: float = 20.0) -> None:
        self.settings = settings
        self.groups: dict[int, OkGroup] = {a.id: a.settings for a in accounts}
        self.client = OkClient(api_url=settings.api_url, application_key=settings.application_key,
                               application_secret=settings.application_secret,
                               requests_per_second=settings.requests_per_second, timeout=timeout)
        self.poll_interval: float | None = settings.poll_interval
        self._names: Recent[int, str] = Recent(NAMES_REMEMBERED)

    def kind(self, kind: str) -> KindSpec:
        return KINDS[kind]

    def profile_url(self, author_id: int) -> str:
        return f"https://ok.ru/group/{author_id}" if author_id in self.groups else f"https://ok.ru/profile/{author_id}"

    def _group(self, account_id: int) -> OkGroup:
        group = self.groups.get(account_id)
        if group is None:
            raise PlatformError(f"Группа OK {account_id} не настроена в Госпаблике")
        return group

    # --- inbound
    def webhook_secret(self, account: Account) -> str | None:
        return self._group(account.id).webhook_secret

    def check_path(self, account: Account, path_rest: str, headers: Mapping[str, str],
                   peer: str | None, rotation: SecretRotation = NO_ROTATION) -> Respond | None:
        return check_path(self.settings, account, path_rest, headers, peer, rotation)

    async def inbound(self, call: InboundCall) -> InboundOutcome:
        return read_webhook(call)

    def parse(self, event_type: str, payload: dict[str, Any], account_id: int) -> NetworkEvent:
        return parse_event(event_type, payload, account_id)

    def poll(self, account: Account, cursors: Mapping[str, Any]) -> AsyncIterator[PollStep]:
        return poll_group(self.client, self.settings, account, cursors)

    # --- actions
    async def _delete_comment(self, item: Item, *, spam: bool, block: bool) -> None:
        ref = item.ref
        await self.client.rest(self._group(item.account_id).access_token, "discussions.deleteDiscussionComment", {
            "discussionId": ref["topic_id"], "discussionType": ref.get("discussion_type", "GROUP_TOPIC"),
            "comment_id": ref["comment_id"], "mark_as_spam": spam, "block_author": block},
            idempotent=not block)  # a lost answer to a ban cannot be retried: the retry would find nothing

    async def delete(self, item: Item, *, reason: str | None = None) -> None:
        if item.kind != "topic_comment":
            raise PlatformError("Личные сообщения группы OK не удаляются через API")
        try:
            await self._delete_comment(item, spam=reason == "spam", block=False)
        except PlatformError as exc:
            if exc.code != NOT_FOUND:
                raise
            log.info("ok delete of %s: not found, already done", item.ext_id)

    async def ban(self, item: Item, *, days: int | None, reason: str | None, comment: str = "") -> None:
        """OK blocks a comment's author only by deleting the comment with `block_author` (for good)."""
        if item.kind != "topic_comment":
            raise PlatformError("Заблокировать автора личных сообщений через API OK нельзя")
        try:
            await self._delete_comment(item, spam=reason == "spam", block=True)
        except PlatformError as exc:
            if exc.code == NOT_FOUND:
                raise PlatformError("Комментарий уже удалён, а OK блокирует автора только вместе с удалением "
                                    "комментария — заблокируйте его в самой группе", code=exc.code,
                                    source=SOURCE) from exc
            raise

    def safe_to_repeat(self, action: str, item: Item) -> bool:
        """A deletion repeated is "not found", i.e. done; a ban repeated would fail the same way although it
        worked, and a reply repeated is posted twice: neither is sent again when in doubt."""
        return action == "delete"

    async def refresh_inbound(self, account: Account, public_url: str | None) -> None:
        """OK drops a webhook that has not answered for hours: subscribe again (a no-op when subscribed)."""
        group: OkGroup = account.settings
        if public_url and group.group_token and group.webhook_secret:
            from platforms.ok.setup import setup_webhook

            report = await setup_webhook(self.client, account, public_url=public_url)
            if report.subscribed:
                log.info("ok group %s: messages webhook subscribed (%s)", account.id, "new, or dropped by OK")

    # --- publishing
    publishes = True

    def check_post(self, account: Account, post: Post) -> list[str]:
        return publish.check(post)

    async def publish(self, account: Account, post: Post) -> Published:
        return await publish.publish(self.client, account, post)

    async def find_published(self, account: Account, post: Post, since: float) -> Published | None:
        return await publish.find(self.client, account, post, since)

    async def unpublish(self, account: Account, published: Published) -> None:
        await publish.unpublish(self.client, account, published)

    def page_url(self, account: Account) -> str:
        return f"https://ok.ru/group/{account.id}"

    # --- account security
    async def check_access(self, account: Account) -> list[Credential]:
        return await access.check(self.client, account)

    async def administrators(self, account: Account) -> list[Manager] | None:
        found = await access.managers(self.client, account)
        return with_names(found, await self.names(account.id, numeric_ids(found)))

    async def restore(self, item: Item) -> None:
        raise PlatformError(WORDS.cannot_ru["restore"])

    async def unban(self, item: Item) -> None:
        raise PlatformError(WORDS.cannot_ru["unban"])

    async def reply(self, item: Item, text: str, *, key: int) -> None:
        """The group's answer: an official reply under the comment, or a message in the chat.

        Neither call takes an idempotency key, so a reply whose answer was lost is reported as
        uncertain rather than sent again.
        """
        ref = item.ref
        group = self._group(item.account_id)
        if item.kind == "topic_comment":
            await self.client.rest(group.access_token, "discussions.addDiscussionComment", {
                "entityId": ref["topic_id"], "entityType": ref.get("discussion_type", "GROUP_TOPIC"),
                "comment": text, "reply_to_comment_id": ref["comment_id"], "as_admin": True}, idempotent=False)
        elif item.kind == "message":
            if not group.group_token:
                raise PlatformError("Для ответов на сообщения в OK нужен ключ Bot API группы (OK_GROUP_TOKEN)")
            chat_id = ref["chat_id"]
            await self.client.graph(group.group_token, "POST", f"me/messages/{chat_id}", {
                "recipient": {"chat_id": chat_id}, "message": {"text": text}}, idempotent=False)
        else:
            raise PlatformError("Ответить на это из рабочего чата нельзя — ответьте в OK")

    async def post_texts(self, account_id: int, post_ids: Iterable[str]) -> dict[str, str]:
        """Not asked of OK: its topics' words come from what gospablik published (`bot/moderation/context.py`)."""
        return {}

    async def names(self, account_id: int, user_ids: Iterable[int]) -> dict[int, str]:
        """OK's events carry names; this fills the rare gap with users.getInfo (a failure costs only names)."""
        async def fetch(chunk: list[int]) -> dict[int, str]:
            users = await self.client.rest(self._group(account_id).access_token, "users.getInfo", {
                "uids": ",".join(map(str, chunk)), "fields": "name,first_name,last_name"})
            named = {}
            for user in users or []:
                if isinstance(user, dict) and str(user.get("uid", "")).isdigit():
                    name = user.get("name") or f"{user.get('first_name', '')} {user.get('last_name', '')}".strip()
                    named[int(user["uid"])] = name or f"id{user['uid']}"
            return named

        return await recall(self._names, user_ids, fetch, per_call=USERS_PER_CALL, what="ok users.getInfo")

    async def close(self) -> None:
        await self.client.close()
