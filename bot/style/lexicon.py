"""Loading of the plain-text lists shipped in ``bot/style/lexicon/``.

Lists live in text files, not in code, so an editor can extend them without touching Python.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

SEPARATOR = " => "


@cache
def lines(name: str) -> tuple[str, ...]:
    """Non-empty, non-comment lines of a lexicon file (``#`` starts a comment line)."""
    text = resources.files("bot.style").joinpath("lexicon").joinpath(name).read_text(encoding="utf-8")
    return tuple(s for s in (raw.strip() for raw in text.splitlines()) if s and not s.startswith("#"))


@cache
def words(name: str) -> frozenset[str]:
    """Whitespace-separated words of a lexicon file."""
    return frozenset(w for line in lines(name) for w in line.split())


@cache
def sections(name: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """A file of ``[section]`` headers, then ``entry => rewrite`` lines (the rewrite may be absent: "")."""
    out: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for line in lines(name):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            out.setdefault(current, [])
            continue
        entry, _, rewrite = line.partition(SEPARATOR)
        out.setdefault(current, []).append((entry.strip(), rewrite.strip()))
    return {k: tuple(v) for k, v in out.items()}
