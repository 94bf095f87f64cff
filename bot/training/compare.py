"""Judging a new model against the active one, on the same texts, with the whole classifier in the path.

The figures are the desk's own held-out decisions (rude ones caught, kept ones flagged) and, when present, the
public evaluation set.  A new model is installed only if it is not worse: no more errors on the held-out
decisions, and on the public set no more than half a point less recall or half a point more false alarms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.classifier import Classifier
from bot.classifier.toxicity_model import Model

from . import public
from .examples import Example

RUDE = ("obscene", "insult")
TOLERANCE = 0.005


@dataclass(frozen=True)
class Figures:
    """Rude texts caught and clean texts flagged, on one set."""

    caught: int
    rude: int
    flagged: int
    clean: int

    @property
    def recall(self) -> float:
        return self.caught / self.rude if self.rude else 1.0

    @property
    def false_alarms(self) -> float:
        return self.flagged / self.clean if self.clean else 0.0

    @property
    def errors(self) -> int:
        return self.rude - self.caught + self.flagged

    def text(self) -> str:
        return (f"rude caught {self.caught}/{self.rude} ({100 * self.recall:.1f} %), clean flagged "
                f"{self.flagged}/{self.clean} ({100 * self.false_alarms:.1f} %)")


def figures(clf: Classifier, rude: Sequence[str], clean: Sequence[str]) -> Figures:
    def hit(text: str) -> bool:
        return any(label in RUDE for label in clf.classify(text).labels)

    return Figures(sum(map(hit, rude)), len(rude), sum(map(hit, clean)), len(clean))


@dataclass(frozen=True)
class Row:
    name: str
    old: Figures
    new: Figures

    @property
    def worse(self) -> bool:
        if self.name == "desk":
            return self.new.errors > self.old.errors
        return (self.new.recall < self.old.recall - TOLERANCE
                or self.new.false_alarms > self.old.false_alarms + TOLERANCE)


def compare(old: Model | None, new: Model, held: Sequence[Example], public_folder: Path | None) -> list[Row]:
    before, after = Classifier(toxicity=old, use_toxicity=old is not None), Classifier(toxicity=new)
    rude = [e.text for e in held if e.rude]
    clean = [e.text for e in held if not e.rude]
    rows = [Row("desk", figures(before, rude, clean), figures(after, rude, clean))]
    sets = public.russe(public_folder) if public_folder else None
    if sets:
        rows.append(Row("russe-detox", figures(before, *sets), figures(after, *sets)))
    return rows


def table(rows: Sequence[Row], old_name: str, new_name: str) -> str:
    lines = [f"{'set':<12} {'model':<9} {'recall':>8} {'false alarms':>13} {'errors':>7}"]
    for row in rows:
        for name, f in ((old_name, row.old), (new_name, row.new)):
            lines.append(f"{row.name:<12} {name:<9} {100 * f.recall:7.2f}% {100 * f.false_alarms:12.2f}% "
                         f"{f.errors:7d}   ({f.text()})")
        if row.worse:
            lines.append(f"{'':<12} -> worse on {row.name}")
    return "\n".join(lines)
