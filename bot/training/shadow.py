"""Shadow mode: what a freshly trained model would have flagged differently from the active one.

The items that arrived since the shadow period began are read again with both models; nothing is shown on cards
and nothing acts.  Where the desk has decided an item, the table says whether the shadow agreed with the desk.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.classifier import Classifier
from bot.classifier.toxicity_model import Model
from bot.db import Database

from .versions import Shadow

RUDE = ("obscene", "insult")
REMOVED = ("deleted", "banned")


@dataclass
class Disagreements:
    items: int = 0
    added: Counter[str] = field(default_factory=Counter)  # flagged by the shadow only, by what the desk did
    dropped: Counter[str] = field(default_factory=Counter)  # flagged by the active model only
    examples: list[str] = field(default_factory=list)


def _desk(status: str) -> str:
    return "removed" if status in REMOVED else "kept" if status == "approved" else "undecided"


async def items_since(db: Database, shadow: Shadow) -> list[tuple[str, str]]:
    rows = await db.fetch("SELECT text, status FROM items WHERE first_seen_at >= $1 AND text <> '' ORDER BY id",
                          shadow.since)
    return [(r["text"], r["status"]) for r in rows]


def count(items: list[tuple[str, str]], active: Model | None, shadow: Model) -> Disagreements:
    """CPU work: run it in a thread."""
    old, new = Classifier(toxicity=active, use_toxicity=active is not None), Classifier(toxicity=shadow)
    out = Disagreements(items=len(items))
    for text, status in items:
        a = any(lbl in RUDE for lbl in old.classify(text).labels)
        b = any(lbl in RUDE for lbl in new.classify(text).labels)
        if a == b:
            continue
        (out.added if b else out.dropped)[_desk(status)] += 1
        if len(out.examples) < 5:
            out.examples.append(f"{'+' if b else '-'} [{_desk(status)}] {text[:100]}")
    return out


def table(d: Disagreements) -> str:
    lines = [f"items read with both models: {d.items}",
             f"{'':<34} {'removed':>8} {'kept':>6} {'undecided':>10}"]
    for title, c in (("flagged by the new model only", d.added), ("flagged by the active model only", d.dropped)):
        lines.append(f"{title:<34} {c['removed']:>8} {c['kept']:>6} {c['undecided']:>10}")
    agree = d.added["removed"] + d.dropped["kept"]
    disagree = d.added["kept"] + d.dropped["removed"]
    lines.append(f"where the desk decided: the new model agrees with the desk {agree} times, the active one "
                 f"{disagree} times")
    lines += ["examples (+ the new model flags, - it no longer flags):", *(f"  {e}" for e in d.examples)] \
        if d.examples else []
    return "\n".join(lines)
