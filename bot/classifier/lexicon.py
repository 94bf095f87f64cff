"""Loading of the plain-text lexicon files shipped in ``bot/classifier/lexicon/``."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources


@cache
def lines(name: str) -> tuple[str, ...]:
    """Non-empty, non-comment lines of a lexicon file (``#`` starts a comment line)."""
    text = resources.files("bot.classifier").joinpath("lexicon").joinpath(name).read_text(encoding="utf-8")
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return tuple(out)


def words(name: str) -> tuple[str, ...]:
    """Whitespace-separated words of a lexicon file."""
    return tuple(w for line in lines(name) for w in line.split())


def sections(name: str) -> dict[str, tuple[str, ...]]:
    """A file of ``[section]`` headers followed by one entry per line."""
    out: dict[str, list[str]] = {}
    cur = ""
    for line in lines(name):
        if line.startswith("[") and line.endswith("]"):
            cur = line[1:-1].strip()
            out.setdefault(cur, [])
        else:
            out.setdefault(cur, []).append(line)
    return {k: tuple(v) for k, v in out.items()}


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth after it) of each character that shapes a regex:
    the ones neither escaped nor inside a character class."""
    depth = 0
    in_class = escaped = False
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        else:
            depth += (ch == "(") - (ch == ")")
            yield i, ch, depth


def _split_top(pattern: str) -> list[str]:
    """Split a regex at its top-level ``|`` (not inside groups or character classes)."""
    cuts = [i for i, ch, depth in _structure(pattern) if ch == "|" and depth == 0]
    bounds = [-1, *cuts, len(pattern)]
    return [pattern[a + 1:b] for a, b in itertools.pairwise(bounds)]


def alternation(entries: tuple[str, ...] | list[str]) -> str:
    """``a|b|...`` of lexicon entries, with alternatives that start with the same plain letter
    grouped under it ("дебил|дегенерат" → "д(?:ебил|егенерат)").

    Python's regex engine tries every alternative at every position of the text; grouped,
    it checks one letter per group instead, which makes long word lists several times
    faster.  The matches stay exactly the same: alternatives with different first letters
    never match at the same position, and no alternative is moved across one that starts
    with a group or a character class (such an entry closes the open groups).
    """
    parts: list[tuple[str, list[str]]] = []  # (first letter or "", alternatives)
    open_groups: dict[str, list[str]] = {}
    for alt in (x for e in entries for a in _split_top(e) for x in _expand_prefixes(a)):
        if alt[:1].isalpha() and alt[1:2] not in ("?", "*", "+", "{"):
            g = open_groups.get(alt[0])
            if g is None:
                g = open_groups[alt[0]] = []
                parts.append((alt[0], g))
            g.append(alt[1:])
        else:
            parts.append(("", [alt]))
            open_groups = {}
    out = []
    for letter, g in parts:
        if not letter:
            out.append(g[0])
        elif len(g) == 1:
            out.append(letter + g[0])
        else:
            out.append(letter + "(?:" + "|".join(g) + ")")
    return "|".join(out)


_PLAIN_PREFIX = re.compile(r"[а-яa-z]+(?:\\s\+[а-яa-z]+)*")


def _expand_prefixes(alt: str) -> list[str]:
    """``(?:p1|p2)rest`` → ``p1rest``, ``p2rest`` (and ``rest`` too when the group is optional),
    in the order the regex engine would try them, when every ``p`` is plain letters (words
    joined by ``\\s+``).  Anything else is returned as it is."""
    end = _group_end(alt) if alt.startswith("(?:") else None
    if end is None:
        return [alt]
    inner, rest = alt[3:end], alt[end + 1:]
    optional = rest.startswith("?") and not rest.startswith("??")
    if optional:
        rest = rest[1:]
    elif rest[:1] in ("?", "*", "+", "{"):
        return [alt]
    prefixes = _split_top(inner)
    if not rest or not all(_PLAIN_PREFIX.fullmatch(p) for p in prefixes):
        return [alt]
    return [p + rest for p in prefixes] + ([rest] if optional else [])


def _group_end(pattern: str) -> int | None:
    """Index of the ``)`` that closes the group opening the pattern."""
    return next((i for i, ch, depth in _structure(pattern) if ch == ")" and depth == 0), None)
