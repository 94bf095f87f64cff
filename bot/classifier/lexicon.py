"""Loading of the plain-text lexicon files shipped in ``bot/classifier/lexicon/``."""

from __future__ import annotations

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


def _split_top(pattern: str) -> list[str]:
    """Split a regex at its top-level ``|`` (not inside groups or character classes)."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    in_class = escaped = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


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
    for alt in (a for e in entries for a in _split_top(e)):
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
