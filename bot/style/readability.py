"""Readability of a Russian text: Flesch–Kincaid grade and Flesch reading ease with Russian constants.

Formulas (ASL = words per sentence, ASW = syllables per word, a syllable = a vowel letter):

    grade        = 0.5 * ASL + 8.4 * ASW - 15.59        (Flesch–Kincaid grade level)
    reading_ease = 206.835 - 1.3 * ASL - 60.1 * ASW     (Flesch reading ease)

Source of the constants: И. В. Оборнева, «Автоматизированная оценка сложности учебных текстов на основе
статистических параметров», дисс. канд. пед. наук, М., 2006 (Flesch's formulas refitted for Russian on
fiction; reading ease is her variant A), as listed in ruTS (MIT, ``ruts/readability_stats.py``: the
alternative «Оборнева» constants of ``calc_flesch_kincaid_grade`` and the defaults of
``calc_flesch_reading_easy``) and in ``shared/reference/style.md`` §4.4, whose sample figures (24.1 for a
press release, 4.7 for a plain notice) the tests reproduce.  Words are letter tokens (numbers do not
count), as in that reference computation.
"""

from __future__ import annotations

import re

from .result import Readability
from .text import Sentence

# A syllable: a Russian vowel letter, or a group of Latin vowels («start» has one).
_SYLLABLE = re.compile(r"[аеиоуыэюяё]|[aeiouy]+")

# Grade → words, our own wording (upper bound of the grade, words).
_LEVELS: tuple[tuple[float, str], ...] = (
    (4.0, "как у текста для начальной школы"),
    (9.0, "как у текста для 5–9 классов"),
    (11.0, "как у текста для старшеклассников"),
    (16.0, "как у текста для студентов"),
    (float("inf"), "как у научной статьи или закона"),
)
NO_WORDS_RU = "оценить нельзя: в тексте нет слов"


def syllables(norm: str) -> int:
    """Syllables of normalised words: Russian vowel letters (so «в» has none, as in the reference
    computation) and Latin vowel groups."""
    return len(_SYLLABLE.findall(norm))


def level_ru(grade: float) -> str:
    """The grade in words for the card."""
    return next(words for bound, words in _LEVELS if grade <= bound)


def measure(sentences: list[Sentence]) -> Readability:
    """Readability of the text made of these sentences (only sentences with words count)."""
    counted = [s for s in sentences if s.tokens]
    n_words = sum(len(s.tokens) for s in counted)
    if not n_words:
        return Readability(0.0, 0.0, NO_WORDS_RU, 0, 0, 0.0, 0.0)
    n_syllables = syllables(" ".join(t.norm for s in counted for t in s.tokens))
    asl = n_words / len(counted)
    asw = n_syllables / n_words
    grade = 0.5 * asl + 8.4 * asw - 15.59
    ease = 206.835 - 1.3 * asl - 60.1 * asw
    return Readability(
        grade=round(grade, 1),
        reading_ease=round(ease, 1),
        level_ru=level_ru(grade),
        sentences=len(counted),
        words=n_words,
        avg_sentence_words=round(asl, 1),
        avg_word_syllables=round(asw, 2),
    )
