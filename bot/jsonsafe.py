"""JSON as PostgreSQL can keep it, from bodies a network really sends.

A correctly signed event may hold what `jsonb` refuses: U+0000, a lone UTF-16 surrogate ("\\ud83d" escaped in
the JSON), or `NaN`/`Infinity`. Refusing the body would make the network resend it forever and the comment would
never reach moderation; so each such value is replaced (U+FFFD, or null for a number that is not one) and the
original is recorded beside it, JSON-escaped, so nothing the network sent is lost.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 200  # far beyond any real payload (forwarded messages nest a few levels): deeper is an attack
REPLACEMENT = "\ufffd"
_NOT_A_NUMBER = object()


class TooDeep(ValueError):
    """The JSON nests deeper than any real payload."""


_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")  # what jsonb refuses; one C-speed scan per string
_BAD_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_odd = [0]  # values decoded so far that are not numbers (NaN, Infinity, 1e400): each body's decode compares counts


def _constant(_name: str) -> object:
    _odd[0] += 1
    return _NOT_A_NUMBER


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 overflows to infinity, which jsonb refuses as it refuses NaN
        _odd[0] += 1
    return value


_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_float)


def _clean(text: str, raw: bytes | None = None) -> bool:
    """Whether the body's text cannot decode into a string jsonb refuses: no such character (a body decoded with
    "surrogatepass" may hold a raw surrogate) and no escape of one. Nearly every body is clean and skips the walk;
    a false alarm (an emoji escaped as a surrogate pair) only costs the walk.

    `raw`, the bytes `text` was decoded from, makes the first test a byte search: a body without a zero byte is
    UTF-8 (JSON's first character is ASCII, so UTF-16 and -32 have one), and in UTF-8 a surrogate, like every
    character from U+D000 to U+DFFF, starts with byte 0xED, which Cyrillic never has."""
    if raw is not None and b"\x00" not in raw:
        return b"\xed" not in raw and (b"\\u" not in raw or _BAD_ESCAPE.search(text) is None)
    return _BAD_CHARS.search(text) is None and ("\\u" not in text or _BAD_ESCAPE.search(text) is None)


def _clean_text(value: str) -> str | None:
    if _BAD_CHARS.search(value) is None:
        return None
    return _BAD_CHARS.sub(REPLACEMENT, value)


def text_of(body: bytes) -> str:
    """A body's text, decoded as `json.loads` decodes bytes (UTF-8, -16 or -32; a lone surrogate kept for `loads`
    to find). Raises ValueError (UnicodeDecodeError) for bytes that are none of those."""
    return body.decode(json.detect_encoding(body), "surrogatepass")


def loads(body: bytes | str, raw: bytes | None = None) -> tuple[Any, list[dict[str, str]]]:
    """The decoded value made storable, and what was changed: [{"path", "was"}] (`was` is the original, as JSON).
    `raw`: the bytes a `body` given as text was decoded from (`text_of`), which makes its check cheaper.

    Raises ValueError (or TooDeep) for a body that is not JSON at all.
    """
    if isinstance(body, bytes):
        text, raw = text_of(body), body
    else:
        text = body
    if text.startswith("\ufeff"):
        raise ValueError("a byte order mark before the JSON")  # as json.loads says for a str
    odd = _odd[0]
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise TooDeep("JSON nested too deep") from None
    if _odd[0] == odd and _clean(text, raw) and text.count("{") + text.count("[") <= MAX_DEPTH:
        return value, []  # nothing to replace, and too few brackets to nest too deep
    changes: list[dict[str, str]] = []

    def was(original: Any) -> str:
        return "NaN" if original is _NOT_A_NUMBER else json.dumps(original)  # ASCII escapes: always storable

    def fix(item: Any, path: str) -> Any:
        if item is _NOT_A_NUMBER or (isinstance(item, float) and not math.isfinite(item)):
            changes.append({"path": path, "was": was(item)})
            return None
        if isinstance(item, str):
            cleaned = _clean_text(item)
            if cleaned is None:
                return item
            changes.append({"path": path, "was": was(item)})
            return cleaned
        return item

    # Iterative, so that a deep body cannot exhaust the stack here either.
    root = [value]
    stack: list[tuple[Any, Any, str, int]] = [(root, 0, "", 0)]
    while stack:
        holder, key, path, depth = stack.pop()
        item = holder[key]
        if depth > MAX_DEPTH:
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            for name in list(item):
                clean_name = _clean_text(name) if isinstance(name, str) else None
                if clean_name is not None:
                    changes.append({"path": f"{path}.{clean_name}".lstrip("."), "was": was(name)})
                    item[clean_name] = item.pop(name)
                    name = clean_name
                stack.append((item, name, f"{path}.{name}".lstrip("."), depth + 1))
        elif isinstance(item, list):
            for index in range(len(item)):
                stack.append((item, index, f"{path}[{index}]", depth + 1))
        else:
            holder[key] = fix(item, path or "$")
    return root[0], changes
