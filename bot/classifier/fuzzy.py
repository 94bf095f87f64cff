"""Spelling-tolerant lookup of lexicon words: a "phonetic skeleton" of a word.

Russian is written as it is spoken often enough that misspelt insults are common:
"предурок", "казёл", "дибил", "идиод", "стирва".  The errors follow the pronunciation:

- unstressed vowels are reduced: о and а sound alike, and so do е, и, я and э
  (ё is е already after normalisation);
- a voiced consonant at the end of a word is pronounced voiceless: д/т, з/с, б/п, г/к,
  в/ф, ж/ш ("идиод", "казёл" → "козёл");
- double consonants are pronounced single ("шалава"/"шаллава");
- ъ and ь are confused or left out ("мраз").

``skeleton()`` maps a word to a key where all of these collapse.  ``FuzzyLexicon`` expands
the lexicon's regular expressions into their finite word forms (an open ending such as
``кретин[а-я]*`` becomes a prefix), stores the skeletons of the forms whose literal part is
at least ``MIN_LEN`` letters long, and looks a token up by its skeleton.  The detectors use
it only as a second pass, for tokens that did not match a lexicon entry exactly.

A skeleton can also be the skeleton of an innocent word.  ``lexicon/fuzzy_exceptions.txt``
lists such words (found by running every word form of a full Russian morphological
dictionary through the lookup, offline: see ``docs/classifier.md``); they never match.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # Python 3.11+
    import re._parser as _sre_parse
    from re._constants import BRANCH, IN, LITERAL, MAX_REPEAT, RANGE, SUBPATTERN
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse as _sre_parse
    from sre_constants import BRANCH, IN, LITERAL, MAX_REPEAT, RANGE, SUBPATTERN

from .lexicon import _split_top, words

MIN_LEN = 5  # skeleton letters of the stem shared by all forms of an entry
_VOWELS = str.maketrans({"о": "а", "е": "и", "я": "и", "э": "и", "ё": "и", "ъ": None, "ь": None})
_FINAL = str.maketrans({"д": "т", "з": "с", "б": "п", "г": "к", "в": "ф", "ж": "ш"})
_DOUBLE_RE = re.compile(r"([а-я])\1+")
MIN_PREFIX = 6  # skeleton letters of the fixed prefix of an open form ("кретин[а-я]*")
MAX_TAIL = 3  # letters an open form may add to its prefix in a fuzzy match ("кретин" + "ами")
_MAX_FORMS = 4000  # per entry: an entry that expands to more is left to the exact pass
_ANY = "\x00"  # marks an open ending ([а-я]* / [а-я]+)


def skeleton(word: str, *, final: bool = True) -> str:
    """The phonetic key of a lower-case Cyrillic word (``final``: devoice the last letter)."""
    s = _DOUBLE_RE.sub(r"\1", word.translate(_VOWELS))
    if final and s:
        s = s[:-1] + s[-1].translate(_FINAL)
    return s


def expand(pattern: str) -> set[str] | None:
    """The finite word forms of a lexicon regex; an open ending is kept as ``_ANY``.
    None when the pattern uses anything else (spaces, look-arounds) or is too large."""
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error:
        return None
    out = _seq(list(parsed))
    if out is None or len(out) > _MAX_FORMS:
        return None
    return out


def _seq(items: list) -> set[str] | None:
    acc = {""}
    for op, av in items:
        alts = _item(op, av)
        if alts is None:
            return None
        acc = {a + b for a in acc if not a.endswith(_ANY) for b in alts} | {a for a in acc if a.endswith(_ANY)}
        if len(acc) > _MAX_FORMS:
            return None
    return acc


def _item(op, av) -> set[str] | None:
    if op is LITERAL:
        return {chr(av)}
    if op is IN:
        if any(o is RANGE for o, _ in av):
            return None
        if not all(o is LITERAL for o, _ in av):
            return None
        return {chr(c) for _, c in av}
    if op is SUBPATTERN:
        return _seq(list(av[-1]))
    if op is BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            sub = _seq(list(branch))
            if sub is None:
                return None
            out |= sub
        return out
    if op is MAX_REPEAT:
        lo, hi, repeated = av
        body = list(repeated)
        if len(body) == 1 and body[0][0] is IN and any(o is RANGE for o, _ in body[0][1]):
            return {_ANY} if lo == 0 else {"\x01" + _ANY}  # [а-я]* / [а-я]+
        if lo == 0 and hi == 1:
            inner = _seq(body)
            return None if inner is None else inner | {""}
        return None
    return None


class FuzzyLexicon:
    """Skeleton → canonical form, for the entries of several lexicon sections."""

    def __init__(self, sections: dict[str, tuple[str, ...]]) -> None:
        self.full: dict[str, tuple[str, str]] = {}  # skeleton of a whole form → (section, form)
        self.prefix: dict[str, tuple[str, str]] = {}  # skeleton of an open form's prefix → ...
        self.exceptions = frozenset(words("fuzzy_exceptions.txt"))
        for name, entries in sections.items():
            for entry in entries:
                for alt in _split_top(entry):
                    forms = expand(alt)
                    if not forms:
                        continue
                    # The stem (what all forms of the entry share) must be long enough:
                    # "гад(?:ы|ов|ам)" would turn "годам" into an insult.
                    stems = [skeleton(f.rstrip(_ANY).rstrip("\x01"), final=False) for f in forms]
                    if _common_prefix_len(stems) < MIN_LEN:
                        continue
                    for f in sorted(forms):  # sorted: the same canonical form in every run
                        if f.endswith(_ANY):
                            stem = f.rstrip(_ANY).rstrip("\x01")
                            if len(skeleton(stem, final=False)) >= MIN_PREFIX:
                                self.prefix.setdefault(skeleton(stem, final=False), (name, stem))
                                self.prefix.setdefault(skeleton(stem), (name, stem))
                        else:
                            self.full.setdefault(skeleton(f), (name, f))
        self.min_prefix = MIN_PREFIX
        self.lookup = lru_cache(maxsize=32768)(self._lookup)

    def _lookup(self, token: str) -> tuple[str, str] | None:
        """(section, canonical form) of a misspelt lexicon word, or None."""
        if len(token) < MIN_LEN or token in self.exceptions:
            return None
        sk = skeleton(token)
        hit = self.full.get(sk)
        if hit is not None:
            return hit
        if self.prefix:
            raw = skeleton(token, final=False)
            for k in range(max(self.min_prefix, len(raw) - MAX_TAIL), len(raw) + 1):
                hit = self.prefix.get(raw[:k])
                if hit is not None:
                    return hit
            hit = self.prefix.get(sk)
            if hit is not None:
                return hit
        return None



def _common_prefix_len(items: list[str]) -> int:
    lo, hi = min(items), max(items)  # the lexicographic extremes bound every common prefix
    n = 0
    while n < len(lo) and lo[n] == hi[n]:
        n += 1
    return n
