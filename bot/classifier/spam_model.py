"""A small logistic-regression spam model over words, word stems and word pairs.

Pure standard library at run time: the weights are a plain-text file
``lexicon/spam_model.tsv`` (``feature<TAB>weight``), written by ``bench/train_spam.py``
from the tg-spam samples (MIT licence).  The model is one more piece of spam evidence:
its probability becomes a hit whose weight enters the classifier's noisy-OR, and the
reason points at the words that pushed the score up most, so a moderator sees *why*.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from itertools import repeat

from .hits import Hit
from .normalize import _HOMOGLYPH

LABEL = "spam"
MODEL_FILE = "spam_model.tsv"

_TOKEN_RE = re.compile(r"[a-zа-я]+|\d+")
_MIXED_RE = re.compile(r"[a-zа-я]*(?:[a-z][а-я]|[а-я][a-z])[a-zа-я]*")
# A mixed word exists iff a Latin and a Cyrillic letter touch; this search is much cheaper.
_MIX_EDGE = re.compile(r"[a-z][а-я]|[а-я][a-z]")
_STEM = 5  # a word's first letters stand in for its other forms ("заработок", "заработать")


def _unmix(text: str) -> str:
    if not _MIX_EDGE.search(text):
        return text
    return _MIXED_RE.sub(lambda m: m.group(0).translate(_HOMOGLYPH).replace("і", "и"), text)


def tokens(norm_text: str, unmixed: str | None = None) -> list[tuple[str, int, int]]:
    """(token, start, end) over normalised text; numbers become "<n1>".."<n5>" by length.
    ``unmixed`` is ``_unmix(norm_text)`` when the caller has it already."""
    out = []
    for m in _TOKEN_RE.finditer(_unmix(norm_text) if unmixed is None else unmixed):
        t = m.group(0)
        if t[0].isdigit():
            t = f"<n{min(len(t), 5)}>"
        elif len(t) < 2:
            continue
        out.append((t, m.start(), m.end()))
    return out


def features(toks: list[tuple[str, int, int]]) -> dict[str, tuple[int, int]]:
    """Feature → span of its first occurrence.  Words, 5-letter stems and adjacent pairs."""
    feats: dict[str, tuple[int, int]] = {}
    prev: tuple[str, int, int] | None = None
    for t, a, b in toks:
        feats.setdefault("w:" + t, (a, b))
        if len(t) > _STEM and t[0] != "<":
            feats.setdefault("s:" + t[:_STEM], (a, b))
        if prev is not None:
            feats.setdefault("b:" + prev[0] + "_" + t, (prev[1], b))
        prev = (t, a, b)
    return feats


@dataclass
class Model:
    bias: float
    weights: dict[str, float]
    # probability → hit weight: 0 below ``p_min``, then linear up to ``w_max`` at p = 1
    p_min: float = 0.5
    w_max: float = 0.8

    def prob(self, feats: Iterable[str]) -> float:
        z = self.bias + sum(map(self.weights.get, feats, repeat(0.0)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def dump(self) -> str:
        head = [
            "# Spam model: logistic regression, written by bench/train_spam.py (do not edit by hand).",
            "# Trained on tg-spam samples (github.com/umputun/tg-spam, MIT licence).",
            f"@bias\t{self.bias:.5f}",
            f"@p_min\t{self.p_min}",
            f"@w_max\t{self.w_max}",
        ]
        body = [f"{f}\t{w:.4f}" for f, w in sorted(self.weights.items(), key=lambda kv: (-abs(kv[1]), kv[0]))]
        return "\n".join(head + body) + "\n"

    @classmethod
    def parse(cls, text: str) -> Model:
        meta: dict[str, float] = {}
        weights: dict[str, float] = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            key, val = line.rsplit("\t", 1)
            if key.startswith("@"):
                meta[key[1:]] = float(val)
            else:
                weights[key] = float(val)
        return cls(meta.get("bias", 0.0), weights, meta.get("p_min", 0.5), meta.get("w_max", 0.8))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _load() -> Model | None:
    res = resources.files("bot.classifier").joinpath("lexicon").joinpath(MODEL_FILE)
    if not res.is_file():
        return None
    return Model.parse(res.read_text(encoding="utf-8"))


_MODEL: Model | None = _load()


def set_model(model: Model | None) -> None:
    """Swap the model (used by the evaluation to score held-out halves honestly)."""
    global _MODEL
    _MODEL = model


def find(norm_text: str, skip: list[tuple[int, int]] = (), unmixed: str | None = None) -> list[Hit]:  # type: ignore[assignment]
    """One weighted hit for the model's verdict plus up to two more pointing at top words."""
    model = _MODEL
    if model is None:
        return []
    toks = tokens(norm_text, unmixed)
    if skip:
        toks = [t for t in toks if not any(a <= t[1] < b for a, b in skip)]
    if len(toks) < 3:
        return []
    # Fast path: the score without building the feature → span map (same features, same sum).
    fs = set()
    prev = ""
    for t, _, _ in toks:
        fs.add("w:" + t)
        if len(t) > _STEM and t[0] != "<":
            fs.add("s:" + t[:_STEM])
        if prev:
            fs.add("b:" + prev + "_" + t)
        prev = t
    if model.prob(fs) < model.p_min:
        return []
    feats = features(toks)
    p = model.prob(feats)
    if p < model.p_min:
        return []
    weight = model.w_max * (p - model.p_min) / (1.0 - model.p_min)
    contrib = sorted(((model.weights.get(f, 0.0), f) for f in feats), reverse=True)
    hits: list[Hit] = []
    used: list[tuple[int, int]] = []
    for w, f in contrib[:6]:
        if w <= 0 or len(hits) >= 3:
            break
        a, b = feats[f]
        if any(a < y and x < b for x, y in used):
            continue
        used.append((a, b))
        feature = f.split(":", 1)[1]
        # The probability is for `classify --explain` (in `normalized`), never for a card's note.
        note = "число, типичное для спама (обученная модель)" if feature.startswith("<n") else \
            "слово, типичное для спама (обученная модель)"
        hits.append(Hit(LABEL, "model:spam", a, b, f"{feature} (p = {p:.2f})", note,
                        round(weight, 3) if not hits else 0.0))
    return hits
