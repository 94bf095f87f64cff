"""The public evaluation sets, read in place when they are on the machine, for judging only — never for training.

russe-detox-2022 has no licence: its toxic comments (dev and test parts, without the school-day tweets marked by
a sad emoticon, which are not rude) measure recall, its neutral paraphrases the false alarms.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

# ":(", "(((", "=(", "(9": the mark of the sentiment tweets among the russe "toxic" comments.
SAD_RE = re.compile(r":-?\(|;\(|=\(|\(\(|\(9")
NEUTRAL = ("neutral_comment1", "neutral_comment2", "neutral_comment3")


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def russe(folder: Path, parts: tuple[str, ...] = ("dev", "test")) -> tuple[list[str], list[str]] | None:
    """(toxic comments without sad emoticons, neutral paraphrases) of these parts, or None when absent."""
    d = folder / "russe-detox-2022"
    if not d.is_dir():
        return None
    toxic: list[str] = []
    neutral: list[str] = []
    for part in parts:
        rows = _tsv(d / f"{part}.tsv")
        toxic += [t for r in rows if (t := (r.get("toxic_comment") or "").strip()) and not SAD_RE.search(t)]
        neutral += [t for r in rows for k in NEUTRAL if (t := (r.get(k) or "").strip())]
    return toxic, neutral
