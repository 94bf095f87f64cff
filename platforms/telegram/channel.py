"""A Telegram channel as a `bot.platform.Platform` that publishes (its comments are not moderated yet).

The work chat's bot posts in the channel as its administrator with the right to post: a text, a photo
with a caption, an album (the text on the first photo), and a poll after the post. Telegram keeps no
idempotency key and a bot cannot read the channel's history, so a post whose answer was lost can be
neither retried safely nor looked up: it is reported as uncertain, for a person to check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InputMediaPhoto, InputPollOption

from bot.config import Account
from bot.domain import Ignored, Item, KindSpec, NetworkEvent
from bot.platform import (
    NO_ROTATION,
    Credential,
    InboundCall,
    InboundOutcome,
    Manager,
    NetworkWords,
    PlatformError,
    PollStep,
    Post,
    Published,
    Respond,
    SecretRotation,
)
from platforms.telegram.config import NETWORK, TelegramChannel

SOURCE = "Telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_PHOTOS = 10
MAX_POLL_QUESTION = 300
MAX_POLL_OPTIONS = 10
MAX_POLL_OPTION = 100
WORDS = NetworkWords(name_ru="Telegram", short="Telegram", page_genitive_ru="канала",
                     page_kind_ru="канал")
NOT_HERE = Respond(404, "unknown community or group")


def _error(exc: AiogramError, *, idempotent: bool) -> PlatformError:
    text = str(exc)
    if isinstance(exc, TelegramRetryAfter):
        return PlatformError("Telegram просит подождать (ограничение частоты)", code=429, transient=True,
                             source=SOURCE)
    if isinstance(exc, TelegramForbiddenError):
        return PlatformError(f"Telegram не дал опубликовать: бот не администратор канала ({text})", code=403,
                             source=SOURCE)
    if isinstance(exc, TelegramBadRequest):
        if "need administrator rights" in text or "not enough rights" in text:
            return PlatformError("у бота нет права публиковать в канале — дайте ему его в настройках канала",
                                 code=400, source=SOURCE)
        return PlatformError(f"Telegram отказал: {text}", code=400, source=SOURCE)
    if isinstance(exc, TelegramServerError | TelegramNetworkError):
        return PlatformError(f"Telegram недоступен: {type(exc).__name__}", transient=idempotent,
                             uncertain=not idempotent, source=SOURCE)
    return PlatformError(f"Telegram ответил непонятно: {type(exc).__name__}", uncertain=not idempotent,
                         source=SOURCE)


def _with_link(post: Post) -> str:
    if post.link and post.link not in post.text:
        return f"{post.text}\n\n{post.link}".strip()
    return post.text


class TelegramChannelPlatform:
    network = NETWORK
    words = WORDS
    ack_text = "ok"
    ban_terms: tuple[int | None, ...] = (None,)
    poll_interval: float | None = None
    publishes = True

    def __init__(self, accounts: Iterable[Account], settings: Any, *, bot: Bot) -> None:
        self.bot = bot
        self.channels = {a.id: a for a in accounts}

    # --- a page without moderation (yet): nothing comes in
    def kind(self, kind: str) -> KindSpec:
        raise KeyError(kind)

    def profile_url(self, author_id: int) -> str:
        return f"tg://user?id={author_id}"

    def webhook_secret(self, account: Account) -> str | None:
        return None  # the channel pushes nothing to us

    def check_path(self, account: Account, path_rest: str, headers: Mapping[str, str],
                   peer: str | None, rotation: SecretRotation = NO_ROTATION) -> Respond | None:
        return NOT_HERE

    async def inbound(self, call: InboundCall) -> InboundOutcome:
        return NOT_HERE

    def parse(self, event_type: str, payload: dict[str, Any], account_id: int) -> NetworkEvent:
        return Ignored("a channel's events are not read")

    def poll(self, account: Account, cursors: Mapping[str, Any]) -> AsyncIterator[PollStep] | None:
        return None

    async def delete(self, item: Item, *, reason: str | None) -> None:
        raise PlatformError("Комментарии канала пока не модерируются")

    async def restore(self, item: Item) -> None:
        raise PlatformError("Комментарии канала пока не модерируются")

    async def ban(self, item: Item, *, days: int | None, reason: str | None, comment: str) -> None:
        raise PlatformError("Комментарии канала пока не модерируются")

    async def unban(self, item: Item) -> None:
        raise PlatformError("Комментарии канала пока не модерируются")

    async def reply(self, item: Item, text: str, *, key: int) -> None:
        raise PlatformError("Комментарии канала пока не модерируются")

    def safe_to_repeat(self, action: str, item: Item) -> bool:
        return False

    async def names(self, account_id: int, user_ids: Iterable[int]) -> dict[int, str]:
        return {}

    async def post_texts(self, account_id: int, post_ids: Iterable[str]) -> dict[str, str]:
        return {}

    async def refresh_inbound(self, account: Account, public_url: str | None) -> None:
        """Checks that the bot may post in the channel, and says plainly what to fix when it may not."""
        try:
            me = await self.bot.get_me()
            member = await self.bot.get_chat_member(account.id, me.id)
        except AiogramError as exc:
            raise _error(exc, idempotent=True) from exc
        if member.status == "creator":
            return
        if member.status != "administrator" or not getattr(member, "can_post_messages", False):
            raise PlatformError(f"бот не может публиковать в канале «{account.name}»: сделайте его администратором "
                                "с правом «Публикация сообщений»", source=SOURCE)

    # --- publishing
    def check_post(self, account: Account, post: Post) -> list[str]:
        problems = []
        text = _with_link(post)
        if not text.strip() and not post.photos and post.poll is None:
            problems.append("пост пустой: нужен текст, фото или опрос")
        if post.photos and len(text) > MAX_CAPTION:
            problems.append(f"подпись к фото в Telegram — не длиннее {MAX_CAPTION} символов, а в тексте {len(text)}:"
                            " сократите текст или уберите фото")
        elif len(text) > MAX_TEXT:
            problems.append(f"текст длиннее {MAX_TEXT} символов ({len(text)})")
        if len(post.photos) > MAX_PHOTOS:
            problems.append(f"в альбоме Telegram не больше {MAX_PHOTOS} фото")
        if post.poll is not None:
            if not 0 < len(post.poll.question) <= MAX_POLL_QUESTION:
                problems.append(f"вопрос опроса — от 1 до {MAX_POLL_QUESTION} символов")
            if not 2 <= len(post.poll.options) <= MAX_POLL_OPTIONS:
                problems.append(f"в опросе нужно от 2 до {MAX_POLL_OPTIONS} вариантов")
            if any(not 0 < len(o) <= MAX_POLL_OPTION for o in post.poll.options):
                problems.append(f"вариант ответа — от 1 до {MAX_POLL_OPTION} символов")
        return problems

    def _url(self, account: Account, message_id: int) -> str:
        channel: TelegramChannel = account.settings
        if channel.username:
            return f"https://t.me/{channel.username}/{message_id}"
        return f"https://t.me/c/{str(account.id).removeprefix('-100')}/{message_id}"

    async def publish(self, account: Account, post: Post) -> Published:
        chat, text = account.id, _with_link(post)
        ids: list[int] = []
        try:
            if len(post.photos) > 1:
                media: list[Any] = [InputMediaPhoto(media=p.file_id or BufferedInputFile(p.data, f"photo{n}.jpg"),
                                         caption=text if n == 0 and text else None, parse_mode=None)
                         for n, p in enumerate(post.photos)]
                ids += [m.message_id for m in await self.bot.send_media_group(chat, media)]
            elif post.photos:
                photo = post.photos[0]
                sent = await self.bot.send_photo(chat, photo.file_id or BufferedInputFile(photo.data, "photo.jpg"),
                                                 caption=text or None, parse_mode=None)
                ids.append(sent.message_id)
            elif text.strip():
                ids.append((await self.bot.send_message(chat, text, parse_mode=None)).message_id)
            if post.poll is not None:
                options: list[Any] = [InputPollOption(text=o, text_parse_mode=None) for o in post.poll.options]
                sent = await self.bot.send_poll(chat, post.poll.question, options, is_anonymous=True,
                                                question_parse_mode=None)
                ids.append(sent.message_id)
        except AiogramError as exc:
            error = _error(exc, idempotent=False)
            if ids:  # part of it is out: never resend it whole
                error.uncertain = True
            raise error from exc
        return Published(",".join(map(str, ids)), self._url(account, ids[0]))

    async def find_published(self, account: Account, post: Post, since: float) -> Published | None:
        raise PlatformError("бот не может заглянуть в историю канала — проверьте канал сами", uncertain=True,
                            source=SOURCE)

    async def unpublish(self, account: Account, published: Published) -> None:
        for message_id in published.post_id.split(","):
            try:
                await self.bot.delete_message(account.id, int(message_id))
            except TelegramBadRequest as exc:
                if "message to delete not found" not in str(exc).lower():
                    raise _error(exc, idempotent=True) from exc
            except AiogramError as exc:
                raise _error(exc, idempotent=True) from exc

    # --- account security
    async def check_access(self, account: Account) -> list[Credential]:
        key, title = f"telegram:{account.id}:bot", f"бот в канале Telegram «{account.name}»"
        try:
            await self.refresh_inbound(account, None)
        except PlatformError as exc:
            if exc.transient:
                return [Credential(key, title, valid=False, unchecked=True,
                                   problem_ru=f"не удалось проверить: {exc.for_card()}")]
            return [Credential(key, title, valid=False, problem_ru=exc.message_ru,
                               advice_ru="В настройках канала → Администраторы добавьте бота Госпаблика с правом "
                                         "«Публикация сообщений».")]
        return [Credential(key, title, valid=True, rights_ru="администратор с правом публикации")]

    async def administrators(self, account: Account) -> list[Manager] | None:
        try:
            found = await self.bot.get_chat_administrators(account.id)
        except AiogramError as exc:
            raise _error(exc, idempotent=True) from exc
        return [Manager(str(m.user.id), m.status, m.user.full_name) for m in found]

    def page_url(self, account: Account) -> str:
        channel: TelegramChannel = account.settings
        return f"https://t.me/{channel.username}" if channel.username else self._url(account, 1).rsplit("/", 1)[0]

    async def close(self) -> None:
        return None  # the bot's session belongs to the work chat
