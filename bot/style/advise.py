"""``advise()``: the detectors, readability and the card's one-line summary put together."""

from __future__ import annotations

from .readability import measure
from .result import KIND_TITLES_RU, KINDS, Advice, Hit, Readability
from .rules import find
from .text import normalize, sentences, tokens

CLEAN_RU = "Замечаний по стилю нет"
# Readability is mentioned only for texts long enough for the formula to mean something: on a
# two-line notice one long word swings the grade by several school years.
MIN_WORDS_FOR_READABILITY = 15


def advise(text: str) -> Advice:
    """Style advice on a draft post: what reads like a press release or an office paper, and why.

    Deterministic and offline.  Advice only: a coordinator may publish a post whatever it says.
    """
    work = normalize(text)
    toks = tokens(work)
    sents = sentences(text, work, toks)
    hits = tuple(
        Hit(r.kind, r.start, r.end, text[r.start:r.end], r.note_ru, r.suggestion_ru)
        for r in find(work, toks, sents)
    )
    readability = measure(sents)
    return Advice(hits=hits, readability=readability, summary_ru=summary_ru(hits, readability))


def summary_ru(hits: tuple[Hit, ...], readability: Readability) -> str:
    """«Канцелярит: 3, пассив: 1; читаемость — как у текста для старшеклассников» or «Замечаний по стилю нет»."""
    counts = {kind: 0 for kind in KINDS}
    for h in hits:
        counts[h.kind] += 1
    parts = [f"{KIND_TITLES_RU[kind]}: {n}" for kind, n in counts.items() if n]
    if not parts:
        # No readability warning on its own: on short plain posts the formula swings with one long street
        # name («на перекрёстке Ленина и Мира не работает светофор» scores as a student text).  Long
        # sentences, its main driver, are hits anyway; the figure stays in ``Advice.readability``.
        return CLEAN_RU
    line = ", ".join(parts)
    if readability.words >= MIN_WORDS_FOR_READABILITY:
        line += f"; читаемость — {readability.level_ru}"
    return line[0].upper() + line[1:]
