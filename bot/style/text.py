"""Normalisation, words and sentences, all in the coordinates of the original text.

Every transformation here keeps the length of the text (one character in, one out), so an
offset found in the working copy is an offset in the author's draft and the caller can mark it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .lexicon import words as _lexicon_words

_UPPER = "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
_LOWER_MAP = {ord(u): ord(u.lower()) for u in _UPPER} | {ord(c): ord(c.lower()) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
# ё → е: writers use both, and the lists are written with е.  The table is the slow path, for the rare
# text whose str.lower() changes its length (for example «İ» becomes two characters).
_TABLE = _LOWER_MAP | {ord("Ё"): ord("е"), ord("ё"): ord("е")}

# Links, e-mail addresses, hashtags and mentions are not prose: blanked out before any rule runs.
_NOT_PROSE = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|[\w.+-]+@[\w-]+\.[\w.-]+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:ru|рф|su|com|org|net|info|online|site)\b(?:/\S*)?"
    r"|[#@]\w+",
    re.IGNORECASE,
)
# Cheap test first: most drafts have no link, and the full pattern is slow on ordinary prose.
_MAYBE_NOT_PROSE = re.compile(r"[#@]|://|www\.|\.(?:ru|рф|su|com|org|net|info|online|site)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-zа-я]+(?:-[a-zа-я]+)*")
_SENTENCE_END = re.compile(r"[.!?…]+[»\"”')\]]*")


class Token(NamedTuple):
    """A word: its span in the original text and its normalised spelling."""

    start: int
    end: int
    norm: str


class Sentence(NamedTuple):
    """A sentence's span (trimmed) and its words."""

    start: int
    end: int
    tokens: tuple[Token, ...]


def normalize(text: str) -> str:
    """Lower case and ё → е, same length, with links, hashtags and mentions blanked out."""
    work = text.lower()
    work = work.replace("ё", "е") if len(work) == len(text) else text.translate(_TABLE)
    if not _MAYBE_NOT_PROSE.search(work):
        return work
    return _NOT_PROSE.sub(lambda m: " " * len(m.group()), work)


def tokens(work: str) -> list[Token]:
    """The words of a normalised text (hyphenated words stay whole: «по-настоящему»)."""
    return [Token(m.start(), m.end(), m.group()) for m in _WORD.finditer(work)]


def _abbreviations() -> frozenset[str]:
    return _lexicon_words("abbreviations.txt")


def _cuts(text: str, work: str, start: int, end: int) -> list[int]:
    """Offsets just after each sentence end inside one line ``text[start:end]``."""
    abbreviations = _abbreviations()
    cuts = []
    for m in _SENTENCE_END.finditer(work, start, end):
        after = m.end()
        nxt = after
        while nxt < end and text[nxt].isspace():
            nxt += 1
        if nxt < end and (nxt == after or text[nxt].islower()):
            continue  # «2.5», «т.е.» or a lower-case continuation
        if m.group().startswith(".") and m.group() == "." and nxt < end:
            before = work[max(start, m.start() - 8):m.start()]
            word = re.search(r"[a-zа-я-]+$", before)
            if word and (len(word.group()) == 1 or word.group() in abbreviations):
                continue  # «ул. Ленина», «А. С. Пушкин»
        cuts.append(after)
    return cuts


def sentences(text: str, work: str, toks: list[Token]) -> list[Sentence]:
    """Sentences of the text: ended by . ! ? … or by a line break (a post's list items have no full stops)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        line_end = pos + len(line)
        begin = pos
        for cut in [*_cuts(text, work, pos, line_end), line_end]:
            a, b = begin, cut
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if a < b:
                spans.append((a, b))
            begin = cut
        pos = line_end + 1
    out = []
    i = 0
    for a, b in spans:
        while i < len(toks) and toks[i].start < a:
            i += 1
        j = i
        while j < len(toks) and toks[j].end <= b:
            j += 1
        out.append(Sentence(a, b, tuple(toks[i:j])))
        i = j
    return out
