"""The internal unit of evidence every detector returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of evidence, with a span in NORMALISED-text coordinates.

    ``weight`` is the detector's confidence for this single piece of evidence (0..1);
    the classifier combines weights into a per-label score.
    """

    label: str
    rule: str
    start: int
    end: int
    normalized: str
    note_ru: str
    weight: float
