"""Request fields of the Bot API that need Telegram's own validation: inline keyboards and message text."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.telegram_html import EntityParseError, checked_link, parse_html, strip_text

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


class TelegramError(Exception):
    """An error answer: HTTP status = error_code, plus Telegram's description."""

    def __init__(self, status: int, description: str, retry_after: int | None = None, *,
                 migrate_to_chat_id: int | None = None, error_code: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id
        self.error_code = status if error_code is None else error_code

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        parameters = {k: v for k, v in (("migrate_to_chat_id", self.migrate_to_chat_id),
                                        ("retry_after", self.retry_after)) if v is not None}
        if parameters:
            data["parameters"] = parameters
        return data


def bad_request(detail: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {detail}")


def load_json(value: Any, what: str) -> Any:
    """Bot API objects arrive JSON-encoded in form fields, or as objects in a JSON body."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what} JSON object") from None
    return value


def inline_keyboard(raw: Any) -> list[list[dict[str, Any]]] | None:
    """The validated inline keyboard of `reply_markup`, or None for other markups (reply keyboards, ForceReply)."""
    if raw is None:
        return None
    markup = load_json(raw, "reply keyboard markup")
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    result = []
    for row in rows:
        result.append([_button(button) for button in row])
    return result


def _button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    clean = {k: v for k, v in button.items() if v is not None}
    actions = [k for k in BUTTON_ACTIONS if k in clean]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in clean:
        data = clean["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in clean:
        url = clean["url"]
        if not isinstance(url, str) or checked_link(url) is None:
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    return clean


def parse_formatted(
    text: str, parse_mode: Any, entities: Any, *, user_lookup: Any = None
) -> tuple[str, list[dict[str, Any]]]:
    """(text, entities) after Telegram's parse mode and trimming; no emptiness or length rules yet."""
    if entities is not None:
        parsed = load_json(entities, "message entities")
        if not isinstance(parsed, list):
            raise bad_request("can't parse entities JSON object")
        result_text, result_entities = text, [dict(e) for e in parsed if isinstance(e, dict)]
    elif parse_mode in (None, ""):
        result_text, result_entities = text, []
    elif str(parse_mode).lower() == "html":
        try:
            result_text, result_entities = parse_html(text, user_lookup=user_lookup)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    elif str(parse_mode).lower() in ("markdown", "markdownv2"):
        result_text, result_entities = text, []  # not parsed by the sandbox (the service uses HTML)
    else:
        raise bad_request("unsupported parse_mode")
    return strip_text(result_text, result_entities)


def message_text(
    text: Any, parse_mode: Any, entities: Any, *, user_lookup: Any = None
) -> tuple[str, list[dict[str, Any]]]:
    """(text, entities) as Telegram stores a message: parsed, trimmed, length-checked."""
    if not isinstance(text, str) or not text:
        raise bad_request("message text is empty")
    result_text, result_entities = parse_formatted(text, parse_mode, entities, user_lookup=user_lookup)
    if not result_text:
        raise bad_request("message text is empty")
    if len(result_text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return result_text, result_entities


def caption_text(
    caption: Any,
    parse_mode: Any,
    entities: Any,
    *,
    user_lookup: Any = None,
    too_long: str = "message caption is too long",
) -> tuple[str, list[dict[str, Any]]]:
    """A media caption: 0-1024 characters after entity parsing (an empty caption is simply no caption)."""
    if caption in (None, ""):
        return "", []
    result_text, result_entities = parse_formatted(str(caption), parse_mode, entities, user_lookup=user_lookup)
    if len(result_text) > MAX_CAPTION_LENGTH:
        raise bad_request(too_long)
    return result_text, result_entities
