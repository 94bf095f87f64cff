"""The desk's decisions as labelled texts: what the specialists kept is clean, what they removed for rudeness is rude.

A «Оставить» on an item the classifier flagged as rude is a correction and weighs more than an ordinary decision.
Items removed as spam or illegal content teach the rudeness model nothing and are left out.  Every fifth decision
(by its number, so the split never moves) is held out to judge a new model against the active one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database
from bot.moderation.feedback import KEPT, REMOVED, is_correction

from .examples import Example

RUDE = frozenset({"insult", "obscene"})
OTHER = frozenset({"spam", "illegal"})
CORRECTION_WEIGHT = 3.0
HELD_OUT_EVERY = 5


@dataclass(frozen=True)
class Decision:
    id: int
    text: str
    predicted: tuple[str, ...]
    decision: str

    def example(self) -> Example | None:
        labels = set(self.predicted)
        if self.decision in KEPT:
            weight = CORRECTION_WEIGHT if is_correction(self.decision, self.predicted) and labels & RUDE else 1.0
            return Example(self.text, False, weight, "desk")
        if self.decision in REMOVED and not (labels & OTHER and not labels & RUDE):
            return Example(self.text, True, 1.0, "desk")
        return None


async def read(db: Database) -> list[Decision]:
    """The latest decision on each item (a restore after a deletion is what the desk finally thought)."""
    rows = await db.fetch(
        "SELECT DISTINCT ON (item_id) id, text, predicted, decision FROM feedback"
        " WHERE text <> '' ORDER BY item_id, id DESC")
    return sorted((Decision(r["id"], r["text"], tuple(r["predicted"]), r["decision"]) for r in rows),
                  key=lambda d: d.id)


def split(decisions: list[Decision]) -> tuple[list[Example], list[Example]]:
    """(to train on, held out) usable examples."""
    train: list[Example] = []
    held: list[Example] = []
    for d in decisions:
        e = d.example()
        if e is not None:
            (held if d.id % HELD_OUT_EVERY == 0 else train).append(e)
    return train, held
