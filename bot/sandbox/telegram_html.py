"""Telegram's HTML parse mode, ported from TDLib's `parse_html` (td/telegram/MessageEntity.cpp).

The port keeps TDLib's byte-offset error messages, so a card the real Bot API would reject with
"Bad Request: can't parse entities: ..." is rejected here with the same text. `render_html` goes the other
way: it turns text + entities back into safe HTML for the demo page (every character of user text escaped).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
SIMPLE_TYPES = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SPACES = b" \t\r\n\v"
_USER_LINK = re.compile(r"^tg://user\?id=(\d+)$", re.IGNORECASE)
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", re.IGNORECASE)


class EntityParseError(ValueError):
    """The description Telegram gives after "Bad Request: can't parse entities: "."""


def _is_alnum(c: int) -> bool:
    return 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(data: bytes, pos: int) -> tuple[int, int]:
    """(code point, position after the entity) or (0, pos) when `&` does not start a supported entity."""
    end = pos + 1
    code = 0
    if data[end : end + 1] == b"#":
        end += 1
        if data[end : end + 1] == b"x":
            end += 1
            start = end
            while end < len(data) and chr(data[end]) in "0123456789abcdefABCDEF":
                end += 1
            code = int(data[start:end], 16) if end > start else 0
        else:
            start = end
            while end < len(data) and 48 <= data[end] <= 57:
                end += 1
            code = int(data[start:end]) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        start = end
        while end < len(data) and chr(data[end]).isascii() and chr(data[end]).isalpha():
            end += 1
        code = {b"lt": 60, b"gt": 62, b"amp": 38, b"quot": 34}.get(data[start:end], 0)
        if not code:
            return 0, pos
    if data[end : end + 1] == b";":
        end += 1
    return code, end


def checked_link(url: str) -> str | None:
    """TDLib's `get_checked_link`, reduced to what cards use: http(s)/tg/ton links, bare hosts get http://."""
    if not url or any(ch.isspace() for ch in url):
        return None
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "http", url
    scheme = scheme.lower()
    if scheme in ("tg", "ton"):
        return f"{scheme}://{rest}"
    if scheme not in ("http", "https"):
        return None
    host_end = min([i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0], default=len(rest))
    host, tail = rest[:host_end], rest[host_end:]
    if not _HOST.match(host.split(":")[0]) and host.split(":")[0] != "localhost":
        return None
    if not tail.startswith("/"):
        tail = "/" + tail
    return f"{scheme}://{host.lower()}{tail}"


def parse_html(
    markup: str, *, user_lookup: Callable[[int], dict[str, Any]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Returns (text, entities) exactly as Telegram stores them, or raises EntityParseError."""
    data = markup.encode("utf-8", "surrogatepass")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    def is_space(c: int) -> bool:
        return c == 0 or c in _SPACES

    out = bytearray()
    utf16 = 0
    entities: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = data[i]
        if c == 0x26:  # '&'
            code, after = _decode_entity(data, i)
            if code:
                utf16 += 1 + (code > 0xFFFF)
                out += chr(code).encode("utf-8", "surrogatepass")
                i = after
                continue
        if c != 0x3C:  # not '<'
            if c & 0xC0 != 0x80:
                utf16 += 1 + (c >= 0xF0)
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != 0x2F:  # start tag
            while not is_space(at(i)) and at(i) != 0x3E:
                i += 1
            if at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in SUPPORTED_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument, expandable = "", False
            while at(i) != 0x3E:
                while at(i) and is_space(at(i)):
                    i += 1
                if at(i) == 0x3E:
                    break
                if at(i) == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                name_begin = i
                while not is_space(at(i)) and at(i) not in (0x3D, 0x3E):
                    i += 1
                name = data[name_begin:i].decode("utf-8", "replace")
                if not name:
                    raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while at(i) and is_space(at(i)):
                    i += 1
                if at(i) != 0x3D:  # an attribute without a value
                    if tag == "blockquote" and name.lower() == "expandable":
                        expandable = True
                    continue
                i += 1
                while at(i) and is_space(at(i)):
                    i += 1
                if at(i) == 0:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in (0x22, 0x27):  # a name token
                    token_begin = i
                    while at(i) and (_is_alnum(at(i)) or at(i) in (0x2E, 0x2D)):
                        i += 1
                    value = data[token_begin:i].decode().lower()
                    if not is_space(at(i)) and at(i) != 0x3E:
                        raise EntityParseError(f"Unexpected end of name token at byte offset {token_begin}")
                else:  # a string literal
                    quote = at(i)
                    i += 1
                    raw = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == 0x26:
                            code, after = _decode_entity(data, i)
                            if code:
                                raw += chr(code).encode("utf-8", "surrogatepass")
                                i = after
                                continue
                        raw.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = raw.decode("utf-8", "replace")
                if at(i) == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
                elif tag == "blockquote" and name.lower() == "expandable":
                    expandable = True
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append(
                {
                    "tag": tag,
                    "argument": argument,
                    "offset": utf16,
                    "begin": len(out),
                    "expandable": expandable,
                }
            )
            i += 1
            continue
        # end tag
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while not is_space(at(i)) and at(i) != 0x3E:
            i += 1
        end_name = data[begin + 2 : i].decode("utf-8", "replace").lower()
        while at(i) and is_space(at(i)):
            i += 1
        if at(i) != 0x3E:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        i += 1
        top = stack.pop()
        if end_name and end_name != top["tag"]:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{top["tag"]}>", found "</{end_name}>"'
            )
        if utf16 > top["offset"]:
            _close_entity(top, utf16, bytes(out[top["begin"] :]), entities, user_lookup)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    try:
        text = bytes(out).decode("utf-8")
    except UnicodeDecodeError:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        ) from None
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, entities


def _close_entity(
    top: dict[str, Any],
    utf16: int,
    inner: bytes,
    entities: list[dict[str, Any]],
    user_lookup: Callable[[int], dict[str, Any]] | None,
) -> None:
    tag, argument = top["tag"], top["argument"]
    entity: dict[str, Any] = {"offset": top["offset"], "length": utf16 - top["offset"]}
    if tag in SIMPLE_TYPES:
        entity["type"] = SIMPLE_TYPES[tag]
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entity.update(type="custom_emoji", custom_emoji_id=argument)
    elif tag == "a":
        url = argument or inner.decode("utf-8", "replace")
        user = _USER_LINK.match(url.strip())
        if user:
            user_id = int(user.group(1))
            found = user_lookup(user_id) if user_lookup else None
            entity.update(
                type="text_mention",
                user=found or {"id": user_id, "is_bot": False, "first_name": str(user_id)},
            )
        else:
            checked = checked_link(url)
            if checked is None:
                return
            entity.update(type="text_link", url=checked)
    elif tag == "blockquote":
        entity["type"] = "expandable_blockquote" if top["expandable"] else "blockquote"
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last
            and last["type"] == "code"
            and last["offset"] == entity["offset"]
            and last["length"] == entity["length"]
            and last.get("language")
        ):
            last["type"] = "pre"
            return
        entity["type"] = "pre"
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last
            and last["type"] == "pre"
            and last["offset"] == entity["offset"]
            and last["length"] == entity["length"]
            and argument
        ):
            last["language"] = argument
            return
        entity["type"] = "code"
        if argument:
            entity["language"] = argument  # kept only to merge into an enclosing <pre>; dropped below
    entities.append(entity)


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims leading/trailing whitespace of a message and clips the entities to what is left."""
    stripped = text.strip()
    if stripped == text:
        return text, [_clean(e) for e in entities]
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            result.append(_clean({**entity, "offset": start, "length": end - start}))
    return stripped, result


def _clean(entity: dict[str, Any]) -> dict[str, Any]:
    if entity.get("type") == "code":
        entity = {k: v for k, v in entity.items() if k != "language"}
    return entity


# ---- back to HTML for the demo page
_OPEN = {
    "bold": "<b>",
    "italic": "<i>",
    "underline": "<u>",
    "strikethrough": "<s>",
    "spoiler": '<span class="tg-spoiler">',
    "code": "<code>",
    "pre": "<pre>",
    "blockquote": "<blockquote>",
    "expandable_blockquote": '<blockquote class="expandable">',
}
_CLOSE = {
    "bold": "</b>",
    "italic": "</i>",
    "underline": "</u>",
    "strikethrough": "</s>",
    "spoiler": "</span>",
    "code": "</code>",
    "pre": "</pre>",
    "blockquote": "</blockquote>",
    "expandable_blockquote": "</blockquote>",
}


def _open_tag(entity: dict[str, Any]) -> tuple[str, str]:
    kind = entity.get("type", "")
    if kind == "text_link":
        href = html_lib.escape(str(entity.get("url", "")), quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"
    if kind == "text_mention":
        return '<span class="tg-mention">', "</span>"
    if kind in _OPEN:
        return _OPEN[kind], _CLOSE[kind]
    return "", ""


def render_html(text: str, entities: list[dict[str, Any]]) -> str:
    """Safe HTML of a message: entity markup only, every text character escaped, newlines kept."""
    units = text.encode("utf-16-le")
    boundaries: dict[int, list[tuple[int, int, str]]] = {}
    for index, entity in enumerate(sorted(entities, key=lambda e: (e["offset"], -e["length"]))):
        start, end = entity["offset"], entity["offset"] + entity["length"]
        if start < 0 or end * 2 > len(units) or end <= start:
            continue
        opening, closing = _open_tag(entity)
        if not opening:
            continue
        boundaries.setdefault(start, []).append((1, index, opening))
        boundaries.setdefault(end, []).append((0, -index, closing))
    pieces: list[str] = []
    position = 0
    for cut in sorted(boundaries):
        pieces.append(html_lib.escape(units[position * 2 : cut * 2].decode("utf-16-le", "replace"), quote=False))
        position = cut
        for _kind, _order, tag in sorted(boundaries[cut]):
            pieces.append(tag)
    pieces.append(html_lib.escape(units[position * 2 :].decode("utf-16-le", "replace"), quote=False))
    return "".join(pieces)
