"""The public result types: ``Hit``, ``Readability`` and ``Advice`` (JSON round-trippable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS: tuple[str, ...] = (
    "kantselyarit",
    "empty_verb",
    "noun_chain",
    "passive",
    "press_release",
    "intensifier",
    "long_sentence",
)
# Titles for the card's summary line, in KINDS order.
KIND_TITLES_RU: dict[str, str] = {
    "kantselyarit": "канцелярит",
    "empty_verb": "пустые глаголы",
    "noun_chain": "цепочки существительных",
    "passive": "пассив",
    "press_release": "штампы пресс-релиза",
    "intensifier": "усилители и оценки",
    "long_sentence": "длинные предложения",
}


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of advice: where it is in the ORIGINAL text, what is wrong and how to say it plainly."""

    kind: str
    start: int
    end: int
    fragment: str
    note_ru: str
    suggestion_ru: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "fragment": self.fragment,
            "note_ru": self.note_ru,
            "suggestion_ru": self.suggestion_ru,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hit:
        return cls(
            kind=str(d["kind"]),
            start=int(d["start"]),
            end=int(d["end"]),
            fragment=str(d["fragment"]),
            note_ru=str(d["note_ru"]),
            suggestion_ru=str(d["suggestion_ru"]),
        )


@dataclass(frozen=True, slots=True)
class Readability:
    """Flesch–Kincaid grade and Flesch reading ease for Russian (see readability.py for the source).

    ``grade`` is roughly the school year whose pupils read the text easily; ``level_ru`` says it in
    words («как у текста для старшеклассников»).
    """

    grade: float
    reading_ease: float
    level_ru: str
    sentences: int
    words: int
    avg_sentence_words: float
    avg_word_syllables: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "reading_ease": self.reading_ease,
            "level_ru": self.level_ru,
            "sentences": self.sentences,
            "words": self.words,
            "avg_sentence_words": self.avg_sentence_words,
            "avg_word_syllables": self.avg_word_syllables,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Readability:
        return cls(
            grade=float(d["grade"]),
            reading_ease=float(d["reading_ease"]),
            level_ru=str(d["level_ru"]),
            sentences=int(d["sentences"]),
            words=int(d["words"]),
            avg_sentence_words=float(d["avg_sentence_words"]),
            avg_word_syllables=float(d["avg_word_syllables"]),
        )


@dataclass(frozen=True, slots=True)
class Advice:
    """Style advice on a draft: hits in text order, readability and one Russian line for the card.

    Advice only: nothing here blocks a post; the coordinator decides.
    """

    hits: tuple[Hit, ...]
    readability: Readability
    summary_ru: str

    @property
    def clean(self) -> bool:
        return not self.hits

    def counts(self) -> dict[str, int]:
        """Hits per kind, in ``KINDS`` order, kinds with no hits left out."""
        out = {k: 0 for k in KINDS}
        for h in self.hits:
            out[h.kind] = out.get(h.kind, 0) + 1
        return {k: n for k, n in out.items() if n}

    def to_dict(self) -> dict[str, Any]:
        return {
            "hits": [h.to_dict() for h in self.hits],
            "readability": self.readability.to_dict(),
            "summary_ru": self.summary_ru,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Advice:
        return cls(
            hits=tuple(Hit.from_dict(h) for h in d.get("hits", ())),
            readability=Readability.from_dict(d["readability"]),
            summary_ru=str(d["summary_ru"]),
        )
