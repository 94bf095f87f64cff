"""Photos, albums and polls in any chat: sendPhoto, sendMediaGroup, sendPoll, with Telegram's limits and texts.

The texts and the order of the checks follow the Bot API server (tdlib/telegram-bot-api, Client.cpp) and TDLib:
the server first finds the file ("there is no photo in the request"), then the chat and the bot's rights are
checked, then TDLib checks the content (caption length, album size, poll limits, anonymity in channels), and
Telegram's servers last process the picture ("IMAGE_PROCESS_FAILED").

Real Telegram accepts a one-item sendMediaGroup (it sends a plain photo without `media_group_id`, and aiogram
removed its own 2-item check for that reason, aiogram PR #742); the emulator does the same. Empty albums answer
"there are no messages to send", more than 10 items "too many messages to send as an album".
"""

from __future__ import annotations

import copy
import itertools
import secrets
from typing import Any

from bot.sandbox.telegram_core import Chat, RequestParams, TelegramCore
from bot.sandbox.telegram_files import photo_of, photo_source
from bot.sandbox.telegram_markup import (
    MAX_CAPTION_LENGTH,
    TelegramError,
    bad_request,
    caption_text,
    inline_keyboard,
    load_json,
    parse_formatted,
)

MAX_ALBUM = 10
MAX_POLL_QUESTION = 300
MAX_POLL_OPTIONS = 12  # Bot API 9.x/10.x ("1-12 answer options"); TDLib's poll_answer_count_max
MAX_POLL_OPTION = 100
UNSUPPORTED_MEDIA = ("video", "audio", "document", "live_photo")


def _poll_text(text: Any, parse_mode: Any, entities: Any, *, limit: int, too_long: str) -> tuple[str, list[dict]]:
    """A poll question or option: parsed, only custom emoji kept as entities, non-empty, at most `limit` long."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    parsed, parsed_entities = parse_formatted(text, parse_mode, entities)
    if not parsed:
        raise bad_request("text must be non-empty")
    if len(parsed) > limit:
        raise bad_request(too_long)
    return parsed, [e for e in parsed_entities if e.get("type") == "custom_emoji"]


def copied_poll(chat: Chat, poll: dict[str, Any]) -> dict[str, Any]:
    """A fresh poll with the same question and options (votes are not copied), as copyMessage sends it."""
    if chat.type == "channel" and not poll["is_anonymous"]:
        raise bad_request("non-anonymous polls can't be sent to channel chats")
    fresh = copy.deepcopy(poll)
    fresh.update(id=str(secrets.randbits(62)), total_voter_count=0, is_closed=False)
    for option in fresh["options"]:
        option["voter_count"] = 0
    return fresh


class MediaMethods(TelegramCore):
    """sendPhoto, sendMediaGroup, sendPoll."""

    def _caption(self, caption: Any, parse_mode: Any, entities: Any) -> tuple[str, list[dict]]:
        return caption_text(caption, parse_mode, entities, user_lookup=self.users.get)

    @staticmethod
    def _with_caption(message: dict[str, Any], caption: str, entities: list[dict], above: bool) -> None:
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        if above and caption:
            message["show_caption_above_media"] = True

    async def _m_sendPhoto(self, params: RequestParams) -> dict:
        source = photo_source(params.get("photo"), params.uploads, "photo")
        if source is None:
            raise bad_request("there is no photo in the request")
        chat = self._writable(self._param_chat(params), post=True)
        thread_id, replied = self._reply_context(chat, params)
        caption, entities = self._caption(params.get("caption"), params.get("parse_mode"),
                                          params.get("caption_entities"))
        keyboard = inline_keyboard(params.get("reply_markup"))
        photo = photo_of(self._files, source)
        self._check_flood(chat)
        message = self._new_message(chat, thread_id, replied)
        message["photo"] = photo
        self._with_caption(message, caption, entities, self._bool(params, "show_caption_above_media"))
        if keyboard is not None:
            message["reply_markup"] = {"inline_keyboard": keyboard}
        return self._keep(chat, message, outgoing=True)

    async def _m_sendMediaGroup(self, params: RequestParams) -> list[dict]:
        if params.get("media") in (None, ""):
            raise bad_request('parameter "media" is required')
        items = load_json(params["media"], "media")
        if not isinstance(items, list):
            raise bad_request("expected an Array of InputMedia")
        parsed = [self._input_media(item, params.uploads) for item in items]
        if not parsed:
            raise bad_request("there are no messages to send")
        chat = self._writable(self._param_chat(params), post=True)
        thread_id, replied = self._reply_context(chat, params)
        if any(len(caption) > MAX_CAPTION_LENGTH for _item, _source, (caption, _entities) in parsed):
            raise bad_request("message caption is too long")
        if len(parsed) > MAX_ALBUM:
            raise bad_request("too many messages to send as an album")
        above = {bool(item.get("show_caption_above_media")) for item, _source, _caption in parsed}
        if len(above) > 1:
            raise bad_request("parameter show_caption_above_media must be the same for all messages")
        photos = [photo_of(self._files, source) for _item, source, _caption in parsed]
        self._check_flood(chat)
        group_id = str(secrets.randbits(62)) if len(parsed) > 1 else None
        answer = []
        for photo, (_item, _source, (caption, entities)) in zip(photos, parsed, strict=True):
            message = self._new_message(chat, thread_id, replied)
            message["photo"] = photo
            if group_id:
                message["media_group_id"] = group_id
            self._with_caption(message, caption, entities, above == {True})
            answer.append(self._keep(chat, message, outgoing=True))
        return answer

    def _input_media(
        self, item: Any, uploads: dict[str, bytes]
    ) -> tuple[dict[str, Any], bytes | str, tuple[str, list[dict]]]:
        """One InputMedia of an album, with the server's "can't parse InputMedia: ..." errors.

        The caption is parsed here, as the Bot API server does (so bad HTML is "can't parse InputMedia: Can't
        parse entities: ..."); its length is TDLib's business and checked later.
        """
        if not isinstance(item, dict):
            raise bad_request("can't parse InputMedia: expected an Object")
        try:
            caption = parse_formatted(str(item.get("caption") or ""), item.get("parse_mode"),
                                      item.get("caption_entities"), user_lookup=self.users.get)
        except TelegramError as exc:
            detail = exc.description.removeprefix("Bad Request: ")
            raise bad_request(f"can't parse InputMedia: {detail[:1].upper()}{detail[1:]}") from None
        kind = item.get("type")
        if kind is None:
            raise bad_request('can\'t parse InputMedia: Can\'t find field "type"')
        if not isinstance(kind, str):
            raise bad_request('can\'t parse InputMedia: Field "type" must be of type String')
        source = photo_source(item.get("media"), uploads, "")
        if source is None:
            raise bad_request("can't parse InputMedia: media not found")
        if kind == "animation":
            raise bad_request('can\'t parse InputMedia: type "animation" can\'t be used in sendMediaGroup')
        if kind in UNSUPPORTED_MEDIA:
            # Telegram would send these; the sandbox only keeps photos, so say so instead of pretending.
            raise TelegramError(501, f"Not Implemented: the sandbox sends only photos in albums, not {kind}")
        if kind != "photo":
            raise bad_request(f'can\'t parse InputMedia: type "{kind}" is unsupported')
        return item, source, caption

    # ---- polls ----
    @staticmethod
    def _raw_options(raw: Any) -> list[tuple[Any, Any, Any]]:
        """(text, parse mode, entities) of each option, with the server's errors for a malformed list."""
        try:
            options = load_json(raw if raw not in (None, "") else "[]", "options")
        except TelegramError:
            raise bad_request("can't parse options JSON object") from None
        if not isinstance(options, list):
            raise bad_request("expected an Array of String as options")
        parsed: list[tuple[Any, Any, Any]] = []
        for option in options:
            if isinstance(option, str):
                parsed.append((option, None, None))
            elif isinstance(option, dict):
                if not isinstance(option.get("text"), str):
                    raise bad_request('field "text" must be of type String')
                parsed.append((option["text"], option.get("text_parse_mode"), option.get("text_entities")))
            else:
                raise bad_request("expected an option to be of type String")
        return parsed

    async def _m_sendPoll(self, params: RequestParams) -> dict:
        raw_options = self._raw_options(params.get("options"))
        kind = str(params.get("type") or "regular")
        if kind not in ("regular", "quiz"):
            raise bad_request("unsupported poll type specified")
        anonymous = self._bool(params, "is_anonymous") if "is_anonymous" in params else True
        chat = self._writable(self._param_chat(params), post=True)
        thread_id, replied = self._reply_context(chat, params)
        keyboard = inline_keyboard(params.get("reply_markup"))
        question, question_entities = _poll_text(
            params.get("question"), params.get("question_parse_mode"), params.get("question_entities"),
            limit=MAX_POLL_QUESTION, too_long=f"poll question length must not exceed {MAX_POLL_QUESTION}",
        )
        if not raw_options:
            raise bad_request("poll must have at least one answer option")
        if len(raw_options) > MAX_POLL_OPTIONS:
            raise bad_request(f"poll can't have more than {MAX_POLL_OPTIONS} options")
        options = [
            _poll_text(text, mode, entities, limit=MAX_POLL_OPTION,
                       too_long=f"poll options length must not exceed {MAX_POLL_OPTION}")
            for text, mode, entities in raw_options
        ]
        correct = self._correct_options(params, len(options)) if kind == "quiz" else []
        members_only = self._bool(params, "members_only")
        country_codes = load_json(params.get("country_codes") or "[]", "country codes")
        if chat.type != "channel" and (members_only or country_codes):
            raise bad_request("poll voters can be restricted only in channel chats")
        if chat.type == "channel" and not anonymous:
            raise bad_request("non-anonymous polls can't be sent to channel chats")
        self._check_flood(chat)
        revoting = self._bool(params, "allows_revoting") if "allows_revoting" in params else kind != "quiz"
        poll: dict[str, Any] = {
            "id": str(secrets.randbits(62)),
            "question": question,
            "options": [
                {"persistent_id": str(index), "text": text, "voter_count": 0}
                | ({"text_entities": ents} if ents else {})
                for index, (text, ents) in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": self._bool(params, "is_closed"),
            "is_anonymous": anonymous,
            "type": kind,
            "allows_multiple_answers": self._bool(params, "allows_multiple_answers"),
            "allows_revoting": revoting,
            "members_only": members_only,
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if correct:
            poll["correct_option_ids"] = correct
        message = self._new_message(chat, thread_id, replied)
        message["poll"] = poll
        if keyboard is not None:
            message["reply_markup"] = {"inline_keyboard": keyboard}
        return self._keep(chat, message, outgoing=True)

    def _correct_options(self, params: dict, count: int) -> list[int]:
        """A quiz's correct answers: `correct_option_ids` (Bot API 9.6) or the older `correct_option_id`."""
        if params.get("correct_option_ids") not in (None, ""):
            ids = load_json(params["correct_option_ids"], "correct option identifiers")
            if not isinstance(ids, list):
                raise bad_request("expected an Array of correct option identifiers")
        elif params.get("correct_option_id") not in (None, ""):
            ids = [self._int(params, "correct_option_id")]
        else:
            ids = []
        if not ids:
            raise bad_request("correct quiz option list must be non-empty")
        if any(not isinstance(i, int) or not 0 <= i < count for i in ids):
            raise bad_request("wrong quiz correct_option_id")
        if any(b <= a for a, b in itertools.pairwise(ids)):
            raise bad_request("correct quiz option list must be increasing")
        return [int(i) for i in ids]
