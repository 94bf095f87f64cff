"""Labelled texts for the rudeness model, read from the public sets whose licences allow shipping weights.

Which sets, their files and their credits are listed in `bot/classifier/lexicon/training_sets.toml`: only
MIT-licensed sets train (comments marked toxic or not, toxic replies, ordinary chat messages as clean examples).
The evaluation-only sets (russe-detox, rutoxic-10k, inappropriate-messages) are read by `bot.training.public`
for judging, never here.
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

# User mentions ("[id2685300|Максим], …") are personal data, and a character model would learn names from them.
_MENTION_RE = re.compile(r"\[(?:id|club|public|event)\d+\|[^\]\n]*\]\s*,?\s*")


@dataclass(frozen=True)
class Example:
    text: str
    rude: bool
    weight: float = 1.0
    source: str = ""


@cache
def manifest() -> dict[str, Any]:
    res = resources.files("bot.classifier").joinpath("lexicon").joinpath("training_sets.toml")
    return tomllib.loads(res.read_text(encoding="utf-8"))


def notice() -> tuple[str, ...]:
    """The credits the licences ask for, written at the top of every weights file."""
    return tuple(manifest()["notice"])


def default_folder() -> Path:
    """`$GOSPABLIK_MODERATION_DATA`, else `../shared/data/moderation` beside the repository."""
    env = os.environ.get("GOSPABLIK_MODERATION_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data" / "moderation"


def strip_mentions(text: str) -> str:
    return _MENTION_RE.sub("", text).strip()


def comments(folder: Path) -> list[Example]:
    spec = manifest()["comments"]
    with (folder / spec["folder"] / spec["file"]).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    out = []
    for row in rows:
        text = strip_mentions(row.get(spec["text"]) or "")
        if text:
            out.append(Example(text, (row.get(spec["mark"]) or "0").strip() == "1", source="comments"))
    return out


def hate_replies(folder: Path) -> list[Example]:
    spec = manifest()["hate_replies"]
    with (folder / spec["folder"] / spec["file"]).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        text = strip_mentions(row.get(f"reply_{(row.get('outputs') or '').strip()}") or "")
        if text:
            out.append(Example(text, True, source="hate_replies"))
    return out


def chat(folder: Path) -> list[Example]:
    spec = manifest()["chat"]
    out = []
    for name in spec["files"]:
        lines = (folder / spec["folder"] / name).read_text(encoding="utf-8").splitlines()
        out += [Example(x, False, source="chat") for x in lines if x.strip()]
    return out


def licensed(folder: Path) -> tuple[list[Example], list[Example]]:
    """(for the shipped weights, the desk slice): every third marked comment is kept out of the shipped weights,
    to choose the cut-off and to stand in for the desk's decisions in the learning curve."""
    marked = comments(folder)
    desk = marked[2::3]
    ship = [e for i, e in enumerate(marked) if i % 3 != 2] + hate_replies(folder) + chat(folder)
    return ship, desk


def available(folder: Path) -> bool:
    return all((folder / manifest()[name]["folder"]).is_dir() for name in ("comments", "hate_replies", "chat"))
