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
