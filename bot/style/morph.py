"""pymorphy3, loaded once on first use, and a cache of what the rules ask about a word.

Creating ``MorphAnalyzer`` reads the dictionaries (about half a second), and one ``parse`` costs
tens of microseconds in pure Python, so the analyser is shared and each word form is analysed once
per process: municipal posts repeat their vocabulary.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any, NamedTuple

import pymorphy3

_lock = threading.Lock()
_analyzer: Any = None

_NOMINALISATION = ("ние", "тие", "ция", "ость")  # verbal and abstract nouns (style.md §4.2)
_PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr", "Fixd"})


def analyzer() -> Any:
    """The process-wide analyser (dictionaries from the installed pymorphy3-dicts-ru, no network)."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = pymorphy3.MorphAnalyzer(lang="ru")
    return _analyzer


class Word(NamedTuple):
    """What the rules need to know about one word form (all of it from pymorphy3's parses)."""

    lemmas: tuple[str, ...]  # normal forms of every parse, most likely first
    noun: bool  # the most likely parse is a common noun
    nominalisation: bool  # ... and a verbal or abstract one («обеспечение», «модернизация»)
    genitive: bool  # some noun parse is genitive
    short_passive: str  # lemma of a past short passive participle parse («проведено» → «провести»), or ""
    reflexive: str  # lemma of an imperfective 3rd-person or past reflexive verb parse, or ""
    forms: frozenset[tuple[str, str, str, str]]  # (POS, case, number, gender) of nominal parses


@lru_cache(maxsize=20_000)  # about 1 KB an entry, so 25 MB at most; a department's posts use far fewer forms
def word(norm: str) -> Word:
    """Analyse one normalised word form."""
    parses = analyzer().parse(norm)
    best = parses[0].tag
    noun = best.POS == "NOUN" and not (_PROPER & best.grammemes)
    lemma0 = parses[0].normal_form
    short_passive = reflexive = ""
    genitive = False
    forms = set()
    for p in parses:
        tag = p.tag
        if tag.POS == "NOUN" and tag.case in ("gent", "gen1", "gen2"):
            genitive = True
        if tag.POS in ("NOUN", "ADJF", "PRTF") and tag.case:
            forms.add((str(tag.POS), str(tag.case), str(tag.number or ""), str(tag.gender or "")))
        # Passives only from the dictionary: for unknown words (slang, typos) pymorphy3 guesses by the
        # ending, and «нахрена» would become a participle.
        if not short_passive and tag.POS == "PRTS" and {"pssv", "past"} <= tag.grammemes and p.is_known:
            short_passive = p.normal_form
        if (
            not reflexive
            and p.is_known
            and tag.POS == "VERB"
            and p.normal_form.endswith(("ся", "сь"))
            and "impf" in tag.grammemes
            and "indc" in tag.grammemes
            and (tag.person == "3per" or tag.tense == "past")
        ):
            reflexive = p.normal_form
    if short_passive and any(p.tag.POS == "VERB" for p in parses):
        short_passive = ""  # «тянут», «выкинут»: read as the finite verb they also are
    return Word(
        lemmas=tuple(dict.fromkeys(p.normal_form for p in parses)),
        noun=noun,
        nominalisation=noun and lemma0.endswith(_NOMINALISATION),
        genitive=genitive,
        short_passive=short_passive,
        reflexive=reflexive,
        forms=frozenset(forms),
    )


@lru_cache(maxsize=10_000)
def transitive(infinitive: str) -> bool:
    """Whether the verb takes a direct object: only such verbs have a reflexive passive."""
    return any(
        p.is_known and p.normal_form == infinitive and p.tag.POS == "INFN" and "tran" in p.tag.grammemes
        for p in analyzer().parse(infinitive)
    )
