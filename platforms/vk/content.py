"""What a VK comment or message holds besides its text, in Russian words for the card.

Real payloads are often text-less: a sticker, three photos, a voice message, a repost, a forwarded message, a
location. Each becomes a short phrase ("фото (3)", "голосовое сообщение 0:14", "пересланное сообщение: «…»",
"геометка"), and what others wrote inside it (forwarded and quoted messages, a repost's text) is collected for
the classifier too. VK's mention markup ("[id123|Анна]") is shown as the name it carries.
Shapes follow VK's schemas (`messages/objects.json`, `wall/objects.json`, `base/objects.json`).
"""

from __future__ import annotations

import re
from typing import Any

QUOTE = 60  # characters of a quoted text on the card
MAX_QUOTED = 4000  # characters of others' text sent to the classifier
_MENTION = re.compile(r"\[(?:id|club|public|event)\d+\|([^\[\]|]{1,100})\]")


def plain_mentions(text: str) -> str:
    """"[id123|Анна], спасибо" → "Анна, спасибо"."""
    return _MENTION.sub(lambda m: m.group(1), text)


def _quote(text: str) -> str:
    flat = " ".join(plain_mentions(text).split())
    return flat if len(flat) <= QUOTE else flat[: QUOTE - 1] + "…"


def _titled(word: str, title: Any) -> str:
    return f"{word} «{_quote(title)}»" if isinstance(title, str) and title.strip() else word


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, int) or seconds < 0:
        return ""
    return f" {seconds // 60}:{seconds % 60:02d}"


def _text(body: dict[str, Any], key: str = "text") -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""


def _one(kind: str, body: dict[str, Any]) -> tuple[str, str]:
    """(the phrase, others' text inside it) for one attachment."""
    if kind == "video":
        return _titled("видео", body.get("title")), ""
    if kind == "audio":
        artist, title = body.get("artist"), body.get("title")
        name = " — ".join(p for p in (artist, title) if isinstance(p, str) and p)
        return _titled("аудиозапись", name), ""
    if kind == "audio_message":
        return "голосовое сообщение" + _duration(body.get("duration")), ""
    if kind == "doc":
        return _titled("документ", body.get("title")), ""
    if kind == "link":
        url = body.get("url")
        return (f"ссылка: {url}" if isinstance(url, str) and url else "ссылка"), ""
    if kind == "market":
        return _titled("товар", body.get("title")), ""
    if kind == "wall":
        text = _text(body)
        return ("репост записи" + (f": «{_quote(text)}»" if text.strip() else "")), text
    if kind == "wall_reply":
        text = _text(body)
        return ("комментарий" + (f": «{_quote(text)}»" if text.strip() else "")), text
    if kind == "poll":
        return _titled("опрос", body.get("question")), ""
    if kind == "article":
        return _titled("статья", body.get("title")), ""
    if kind == "podcast":
        return _titled("подкаст", body.get("title")), ""
    words = {"sticker": "стикер", "gift": "подарок", "graffiti": "граффити", "story": "история", "call": "звонок",
             "market_album": "подборка товаров", "note": "заметка", "page": "вики-страница", "album": "альбом",
             "photos_list": "фотографии", "pretty_cards": "карточки", "event": "мероприятие"}
    return words.get(kind, f"вложение ({kind})"), ""


def describe(attachments: Any) -> tuple[tuple[str, ...], str]:
    """The phrases for a list of VK attachments (photos counted together) and the text found inside them."""
    if not isinstance(attachments, list):
        return (), ""
    phrases: list[str] = []
    inside: list[str] = []
    photos = 0
    for attachment in attachments:
        if not isinstance(attachment, dict):
            continue
        kind = str(attachment.get("type", ""))
        if kind == "photo":
            photos += 1
            continue
        inner = attachment.get(kind)
        phrase, text = _one(kind, inner if isinstance(inner, dict) else {})
        phrases.append(phrase)
        if text.strip():
            inside.append(text)
    if photos:
        phrases.insert(0, "фото" if photos == 1 else f"фото ({photos})")
    return tuple(phrases), "\n".join(inside)


def _message_texts(message: dict[str, Any], depth: int = 0) -> list[str]:
    """A forwarded message's text and everything forwarded inside it (VK nests forwards)."""
    if depth > 10:
        return []
    texts = [message["text"]] if isinstance(message.get("text"), str) and message["text"].strip() else []
    for inner in message.get("fwd_messages") or []:
        if isinstance(inner, dict):
            texts += _message_texts(inner, depth + 1)
    _phrases, inside = describe(message.get("attachments"))
    if inside:
        texts.append(inside)
    return texts


def message_extras(message: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """A message's attachments, forwards, quoted reply and location as phrases; others' text for the classifier."""
    phrases, inside = describe(message.get("attachments"))
    found = list(phrases)
    quoted = [inside] if inside else []
    forwarded = [m for m in message.get("fwd_messages") or [] if isinstance(m, dict)]
    if forwarded:
        first = next((t for m in forwarded for t in _message_texts(m)), "")
        word = "пересланное сообщение" if len(forwarded) == 1 else f"пересланные сообщения ({len(forwarded)})"
        found.append(word + (f": «{_quote(first)}»" if first else ""))
        quoted += [t for m in forwarded for t in _message_texts(m)]
    reply = message.get("reply_message")
    if isinstance(reply, dict):
        texts = _message_texts(reply)
        found.append("в ответ на сообщение" + (f": «{_quote(texts[0])}»" if texts else ""))
        quoted += texts
    geo = message.get("geo")
    if isinstance(geo, dict):
        place = geo.get("place")
        title = (place.get("title") or place.get("city")) if isinstance(place, dict) else None
        found.append(f"геометка: {title}" if isinstance(title, str) and title else "геометка")
    return tuple(found), "\n".join(quoted)[:MAX_QUOTED]
