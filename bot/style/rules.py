"""The detectors.  Each finds spans in the normalised text (same offsets as the original) and says
what is wrong and how to put it plainly.

Phrase rules are regular expressions from ``lexicon/phrases.txt``; word rules ask pymorphy3 only
about the words that can matter (a cheap spelling filter first), because the dictionary is the slow part.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from . import morph
from .lexicon import lines, sections, words
from .result import KINDS
from .text import Sentence, Token

LONG_SENTENCE_WORDS = 20  # style.md §4.4: warn when a sentence has more than 20 words


class Raw(NamedTuple):
    """A hit before its fragment is cut from the original text."""

    kind: str
    start: int
    end: int
    note_ru: str
    suggestion_ru: str


class _Section(NamedTuple):
    kind: str
    note_ru: str
    default_ru: str


# Phrase sections of phrases.txt: the kind they report and the advice for entries without their own rewrite.
_SECTIONS: dict[str, _Section] = {
    "kantselyarit": _Section(
        "kantselyarit",
        "Канцелярский оборот: утяжеляет фразу и ничего не добавляет.",
        "Скажите проще или уберите оборот.",
    ),
    "book": _Section(
        "kantselyarit",
        "Книжное слово: в разговоре с жителями так не говорят.",
        "Замените простым словом.",
    ),
    "empty_verb": _Section(
        "empty_verb",
        "Пустой глагол: само действие спрятано в существительное.",
        "Назовите действие одним глаголом.",
    ),
    "press_release": _Section(
        "press_release",
        "Штамп пресс-релиза: говорит, что событие было, но не говорит, что произошло.",
        "Назовите событие, дату и кому это полезно: «В субботу открыли каток на Советской, вход бесплатный».",
    ),
    "intensifier": _Section(
        "intensifier",
        "Усилитель: смысла не добавляет, и читатель ему не верит.",
        "Уберите слово или дайте число: не «очень много гостей», а «пришли 300 человек».",
    ),
    "evaluation": _Section(
        "intensifier",
        "Оценка вместо факта: читатель хочет сам увидеть, что хорошего.",
        "Покажите факт: не «уникальная площадка», а «площадка с тремя горками и канатной дорогой».",
    ),
}

_EMPTY_VERB_NOTE = "Пустой глагол: само действие спрятано в существительное."
_POINTER_NOTE = "Книжное указательное слово: в разговоре с жителями так не говорят."
_PASSIVE_NOTE = "Страдательный оборот: непонятно, кто это сделал."
_PASSIVE_RU = "Скажите, кто что сделал: «проведено совещание» → «глава обсудил с директорами школ…»."
_REFLEXIVE_NOTE = "Страдательный оборот на -ся: непонятно, кто действует."
_REFLEXIVE_RU = "Скажите, кто что делает: «ремонтируется дорога» → «Ремонтируем дорогу»."
_CHAIN_NOTE = "Цепочка существительных ({n} подряд): её трудно понять с первого раза."
_CHAIN_RU = "Разверните цепочку в глагол: «модернизация системы обеспечения водоснабжения» → «меняем трубы»."
_LONG_NOTE = "В предложении {n} {words}: его трудно дочитать до конца."
_LONG_RU = "Разбейте на два-три предложения: одна мысль — одно предложение."

_BOUNDARY_BEFORE = r"(?<![\w-])"
_BOUNDARY_AFTER = r"(?![\w-])"


class _PhraseSet(NamedTuple):
    section: _Section
    pattern: re.Pattern[str]
    rewrites: tuple[str, ...]  # by entry index; "" → the section's default


def _top_level_bar(pattern: str) -> bool:
    """Whether the regex has a ``|`` outside any group or character class."""
    depth, in_class, escaped = 0, False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            return True
    return False


def _grouped(patterns: list[str]) -> str:
    """``(?P<e0>...)|(?P<e1>...)`` with the entries that start with the same plain letter grouped under it.

    Python's regex engine tries every alternative at every position; grouped, it checks one letter per
    group instead, which makes the phrase scan several times faster.  The entry is still known by its
    group name.  Entries that start with a group or a class stay as they are, in their place.
    """
    parts: list[tuple[str, list[str]]] = []
    groups: dict[str, list[str]] = {}
    for i, pattern in enumerate(patterns):
        first = pattern[:1]
        if first.isalpha() and pattern[1:2] not in ("?", "*", "+", "{") and not _top_level_bar(pattern):
            if first not in groups:
                groups[first] = []
                parts.append((first, groups[first]))
            groups[first].append(f"(?P<e{i}>{pattern[1:]})")
        else:
            parts.append(("", [f"(?P<e{i}>{pattern})"]))
            groups = {}  # never move an entry across one that may start with the same letter
    return "|".join(letter + "(?:" + "|".join(alts) + ")" if letter else alts[0] for letter, alts in parts)


@cache
def _phrase_sets() -> tuple[_PhraseSet, ...]:
    """One compiled alternation per section; the matching entry is found by its group name."""
    out = []
    for name, entries in sections("phrases.txt").items():
        section = _SECTIONS[name]
        body = _grouped([pattern for pattern, _ in entries])
        regex = re.compile(f"{_BOUNDARY_BEFORE}(?:{body}){_BOUNDARY_AFTER}")
        out.append(_PhraseSet(section, regex, tuple(rewrite for _, rewrite in entries)))
    return tuple(out)


@cache
def _lemma_rules() -> dict[str, dict[str, str]]:
    return {name: dict(entries) for name, entries in sections("lemmas.txt").items()}


@cache
def _empty_verb_prefixes() -> frozenset[str]:
    """First four letters of every empty-verb lemma: a word that does not start so is never asked about."""
    return frozenset(lemma[:4] for lemma in _lemma_rules()["empty_verb"])


@cache
def _function_words() -> frozenset[str]:
    return words("function_words.txt")


@cache
def _passive_state() -> frozenset[str]:
    return frozenset(lines("passive_state.txt"))


@cache
def _reflexive_middle() -> frozenset[str]:
    return frozenset(lines("reflexive_middle.txt"))


def phrase_hits(work: str) -> list[Raw]:
    """Hits of the regular-expression rules (канцелярит, book words, stamps, intensifiers...)."""
    out = []
    for ps in _phrase_sets():
        for m in ps.pattern.finditer(work):
            index = int((m.lastgroup or "e0")[1:])
            rewrite = ps.rewrites[index] or ps.section.default_ru
            out.append(Raw(ps.section.kind, m.start(), m.end(), ps.section.note_ru, rewrite))
    return out


def empty_verb_hits(toks: list[Token]) -> list[Raw]:
    """Empty verbs by lemma: every form, participles included («осуществляется», «являющийся»)."""
    rules = _lemma_rules()["empty_verb"]
    prefixes = _empty_verb_prefixes()
    stop = _function_words()
    out = []
    for t in toks:
        if t.norm[:4] not in prefixes or t.norm in stop:
            continue
        lemma = next((x for x in morph.word(t.norm).lemmas if x in rules), None)
        if lemma is not None:
            out.append(Raw("empty_verb", t.start, t.end, _EMPTY_VERB_NOTE,
                           rules[lemma] or "Назовите действие одним глаголом."))
    return out


_PLURAL_DANNY = re.compile(r"данн(?:ые|ых|ым|ыми)")
_NASTOYASHCHY = re.compile(r"настоящ(?:ий|ая|ее|ие|его|ей|их|ему|им|ими|ую|ем)")
_SPACE = re.compile(r"\s+")


def _adjacent(work: str, a: Token, b: Token) -> bool:
    """Only whitespace between two words: no punctuation, numbers or links."""
    return bool(_SPACE.fullmatch(work, a.end, b.start))


def pointer_hits(work: str, toks: list[Token]) -> list[Raw]:
    """«данные изменения» (plural «данный» that agrees with its noun) and «настоящее объявление».

    The singular forms of «данный» are plain regular expressions in phrases.txt; the plural ones
    are often the noun «данные» (data), hence the grammar check here.
    """
    pointer = _lemma_rules()["pointer"]["данный"]
    documents = _lemma_rules()["document"]
    out = []
    for i, t in enumerate(toks[:-1]):
        if not t.norm.startswith(("данн", "настоящ")):
            continue
        nxt = toks[i + 1]
        if not _adjacent(work, t, nxt):
            continue
        if _PLURAL_DANNY.fullmatch(t.norm):
            if i and toks[i - 1].norm in ("по", "согласно"):
                continue  # «по данным полиции»
            own = {(case, number) for pos, case, number, _ in morph.word(t.norm).forms if pos in ("ADJF", "PRTF")}
            theirs = {(case, number) for pos, case, number, _ in morph.word(nxt.norm).forms if pos == "NOUN"}
            if own & theirs:
                out.append(Raw("kantselyarit", t.start, t.end, _POINTER_NOTE, pointer))
        elif _NASTOYASHCHY.fullmatch(t.norm) and any(x in documents for x in morph.word(nxt.norm).lemmas[:1]):
            out.append(Raw("kantselyarit", t.start, t.end, _POINTER_NOTE,
                           "Скажите «этот»: «настоящее объявление» → «это объявление»"))
    return out


_PRTS_ENDINGS = ("н", "на", "но", "ны", "т", "та", "то", "ты")  # «проведён», «организована», «закрыто»
_REFLEXIVE_ENDINGS = ("ся", "сь")


def passive_hits(toks: list[Token]) -> list[Raw]:
    """Short passive participles («проведено») and reflexive passives of transitive verbs («ремонтируется»).

    Participles that plainly name a state readers need («каток закрыт», «концерт перенесён») and
    reflexive verbs that are usually middle voice («каток открывается», «дети катаются») are left alone.
    """
    stop = _function_words()
    state = _passive_state()
    middle = _reflexive_middle()
    out = []
    for t in toks:
        n = t.norm
        if n in stop:
            continue
        if len(n) >= 4 and n.endswith(_PRTS_ENDINGS):
            lemma = morph.word(t.norm).short_passive
            if lemma and lemma not in state:
                out.append(Raw("passive", t.start, t.end, _PASSIVE_NOTE, _PASSIVE_RU))
        elif len(n) >= 5 and n.endswith(_REFLEXIVE_ENDINGS):
            lemma = morph.word(t.norm).reflexive
            if lemma and lemma not in middle and morph.transitive(lemma[:-2]):
                out.append(Raw("passive", t.start, t.end, _REFLEXIVE_NOTE, _REFLEXIVE_RU))
    return out


_NOMINALISATION_SPELLING = re.compile(
    r".+(?:[нт]и(?:[еяюий]|ем|ям|ями|ях)|ци(?:[яиюей]|ей|ям|ями|ях)|ций|ост(?:[ьи]|ью|ей|ям|ями|ях))"
)


def _runs(work: str, sentence: Sentence) -> list[list[Token]]:
    """Maximal runs of content words with nothing but spaces between them."""
    stop = _function_words()
    runs: list[list[Token]] = []
    current: list[Token] = []
    for t in sentence.tokens:
        if t.norm in stop or (current and not _adjacent(work, current[-1], t)):
            if len(current) >= 3:
                runs.append(current)
            current = [] if t.norm in stop else [t]
        else:
            current.append(t)
    if len(current) >= 3:
        runs.append(current)
    return runs


def noun_chain_hits(work: str, sentences: list[Sentence]) -> list[Raw]:
    """Chains of 3+ nouns where each after the first is genitive and verbal or abstract nouns pile up.

    Qualifies: 3+ nouns with 2+ verbal/abstract nouns among the genitive tail («модернизация системы
    обеспечения водоснабжения»), or 4+ nouns with 2+ of them anywhere.  «расписание движения автобусов»
    (one in the tail) is ordinary Russian and stays clean.
    """
    heads_not = frozenset(_lemma_rules()["phrase_noun"])
    out = []
    for sentence in sentences:
        for run in _runs(work, sentence):
            if sum(1 for t in run if _NOMINALISATION_SPELLING.fullmatch(t.norm)) < 2:
                continue
            info = [morph.word(t.norm) for t in run]
            i = 0
            while i < len(run):
                if not info[i].noun or run[i].norm in heads_not:
                    i += 1
                    continue
                j = i + 1
                while j < len(run) and info[j].noun and info[j].genitive:
                    j += 1
                n = j - i
                tail = sum(1 for w in info[i + 1:j] if w.nominalisation)
                total = tail + info[i].nominalisation
                if (n >= 3 and tail >= 2) or (n >= 4 and total >= 2):
                    out.append(Raw("noun_chain", run[i].start, run[j - 1].end,
                                   _CHAIN_NOTE.format(n=n), _CHAIN_RU))
                i = j
    return out


def _words_ru(n: int) -> str:
    """«слово», «слова» or «слов» after the number n."""
    if n % 10 == 1 and n % 100 != 11:
        return "слово"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "слова"
    return "слов"


def long_sentence_hits(sentences: list[Sentence]) -> list[Raw]:
    """Sentences of more than LONG_SENTENCE_WORDS words."""
    return [
        Raw("long_sentence", s.start, s.end, _LONG_NOTE.format(n=len(s.tokens), words=_words_ru(len(s.tokens))),
            _LONG_RU)
        for s in sentences
        if len(s.tokens) > LONG_SENTENCE_WORDS
    ]


_ORDER = {kind: i for i, kind in enumerate(KINDS)}


def merge(raw: list[Raw]) -> list[Raw]:
    """Text order; of overlapping hits of the same kind only the first (and longest) stays."""
    raw.sort(key=lambda h: (h.start, -h.end, _ORDER[h.kind]))
    kept = []
    reach: dict[str, int] = {}
    for h in raw:
        if h.start < reach.get(h.kind, -1):
            continue
        kept.append(h)
        reach[h.kind] = h.end
    return kept


def find(work: str, toks: list[Token], sentences: list[Sentence]) -> list[Raw]:
    """All hits, merged, in text order."""
    raw = phrase_hits(work)
    raw += empty_verb_hits(toks)
    raw += pointer_hits(work, toks)
    raw += passive_hits(toks)
    raw += noun_chain_hits(work, sentences)
    raw += long_sentence_hits(sentences)
    return merge(raw)
