"""The public result types: ``Reason`` and ``Verdict`` (JSON round-trippable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LABELS: tuple[str, ...] = ("obscene", "insult", "spam", "illegal")
LABEL_TITLES_RU: dict[str, str] = {
    "obscene": "мат",
    "insult": "оскорбление",
    "spam": "спам",
    "illegal": "противоправное",
}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a label was set: the rule, the span in the ORIGINAL text and what it read as."""

    label: str
    rule: str
    start: int
    end: int
    fragment: str
    normalized: str
    note_ru: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "rule": self.rule,
            "start": self.start,
            "end": self.end,
            "fragment": self.fragment,
            "normalized": self.normalized,
            "note_ru": self.note_ru,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reason:
        return cls(
            label=str(d["label"]),
            rule=str(d["rule"]),
            start=int(d["start"]),
            end=int(d["end"]),
            fragment=str(d["fragment"]),
            normalized=str(d["normalized"]),
            note_ru=str(d["note_ru"]),
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """Flagged labels (in ``LABELS`` order), a 0..1 score for every label, and reasons."""

    labels: tuple[str, ...]
    scores: dict[str, float] = field(hash=False)
    reasons: tuple[Reason, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.labels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "scores": dict(self.scores),
            "reasons": [r.to_dict() for r in self.reasons],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Verdict:
        labels = tuple(lbl for lbl in LABELS if lbl in set(d.get("labels", ())))
        raw = d.get("scores", {})
        scores = {lbl: float(raw.get(lbl, 0.0)) for lbl in LABELS}
        reasons = tuple(Reason.from_dict(r) for r in d.get("reasons", ()))
        return cls(labels=labels, scores=scores, reasons=reasons)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return (self.labels, dict(self.scores), self.reasons) == (other.labels, dict(other.scores), other.reasons)

    __hash__ = None  # type: ignore[assignment]
