"""A trained rudeness score: logistic regression over character 2–5-grams of the comment.

The rules find мат, insult words and spam markers; what they cannot reach is rudeness without a
marker word.  This model only ever adds the ``insult`` label, with its own reason ("похоже на
оскорбление (обученная модель)"), and only when the rules found no insult themselves.

The weights are a plain-text file (``gram<TAB>weight``) with an explicit vocabulary instead of
hashed buckets: Python's string hash is salted per process and a stable hash costs more than the
lookup itself, while a pruned vocabulary keeps the file small.  The grams are taken inside each word
(" word " padded), so a word's share of the score is computed once and cached: the model costs
about one dict lookup per word, and the rules' speed target still holds with it in the path.
Pure standard library at run time; ``bot.training`` and ``bench/train_toxicity.py`` write the file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from importlib import resources
from itertools import repeat
from pathlib import Path

from .hits import Hit

LABEL = "insult"
RULE = "model:insult"
NOTE_RU = "похоже на оскорбление (обученная модель)"
MODEL_FILE = "toxicity_model.tsv"
SIZES = (2, 3, 4, 5)
MAX_CHARS = 1000  # a long text is judged by its beginning: the rules still read all of it

_WORD_RE = re.compile(r"[a-zа-я]+")
_REPEAT_RE = re.compile(r"([a-zа-я])\1{2,}")
_CACHE_LIMIT = 200_000
WORD_LEANS = 1.0  # a word whose grams add more than this to z (before scaling) leans rude
# мат roots belong to the rules: the model runs only where they found none, so a word that merely looks like мат
# ("психуй", "употреблять" has no such root; "хуже" neither) is one the rules have already cleared.
_MAT_ROOT = re.compile(r"ху[йяеюи]|пи[зс]д|пезд|бля")


def words(norm_text: str) -> list[str]:
    """The letters-only words of the text's beginning, runs of 3+ equal letters cut to two ("дааа" → "даа"),
    without words that hold a мат root."""
    found = _WORD_RE.findall(norm_text[:MAX_CHARS])
    out = [_REPEAT_RE.sub(r"\1\1", w) if _REPEAT_RE.search(w) else w for w in found]
    return [w for w in out if not _MAT_ROOT.search(w)]


def word_grams(word: str) -> list[str]:
    """Every 2..5-character slice of " word " (the spaces mark where a word begins and ends)."""
    padded = f" {word} "
    n = len(padded)
    return [padded[i:i + k] for k in SIZES for i in range(n - k + 1)]


def counts(text_words: list[str]) -> dict[str, int]:
    """The features of a text: how many times each gram occurs in its words."""
    out: dict[str, int] = {}
    for w in text_words:
        for g in word_grams(w):
            out[g] = out.get(g, 0) + 1
    return out


@dataclass
class Model:
    """Weights plus the cut-off: p ≥ ``p_min`` flags an insult.

    z = bias + Σ weight(gram)·count(gram) / √(number of grams): a long text does not outweigh a short one.
    A word's share of the sum is cached, so a comment costs about one dict lookup per word.
    """

    bias: float
    weights: dict[str, float]
    p_min: float = 0.5
    notice: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, tuple[float, int]] = field(default_factory=dict, repr=False, compare=False)

    def word_score(self, word: str) -> tuple[float, int]:
        hit = self._cache.get(word)
        if hit is None:
            grams = word_grams(word)
            hit = (sum(map(self.weights.get, grams, repeat(0.0))), len(grams))
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = hit
        return hit

    def prob_of_words(self, text_words: list[str]) -> float:
        total = 0.0
        n = 0
        score = self.word_score
        for w in text_words:
            s, k = score(w)
            total += s
            n += k
        z = self.bias + (total / math.sqrt(n) if n else 0.0)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def prob(self, norm_text: str) -> float:
        return self.prob_of_words(words(norm_text))

    def dump(self) -> str:
        """The file's bytes are a function of the weights alone: sorted, fixed precision."""
        head = [f"# {line}" if line else "#" for line in self.notice]
        head += [f"@{k}\t{v}" for k, v in sorted(self.meta.items())]
        head += [f"@bias\t{self.bias:.5f}", f"@p_min\t{self.p_min:.4f}"]
        body = [f"{g}\t{w:.4f}" for g, w in sorted(self.weights.items())]
        return "\n".join(head + body) + "\n"

    @classmethod
    def parse(cls, text: str) -> Model:
        notice: list[str] = []
        meta: dict[str, str] = {}
        weights: dict[str, float] = {}
        for line in text.splitlines():
            if line.startswith("#"):
                notice.append(line[2:] if line.startswith("# ") else "")
                continue
            if not line:
                continue
            key, val = line.rsplit("\t", 1)
            if key.startswith("@"):
                meta[key[1:]] = val
            else:
                weights[key] = float(val)
        bias = float(meta.pop("bias", "0"))
        p_min = float(meta.pop("p_min", "0.5"))
        return cls(bias, weights, p_min, tuple(notice), meta)

    @classmethod
    def read(cls, path: Path) -> Model:
        return cls.parse(path.read_text(encoding="utf-8"))


def shipped() -> Model | None:
    """The weights in the package (trained on the MIT-licensed sets), or None if absent."""
    res = resources.files("bot.classifier").joinpath("lexicon").joinpath(MODEL_FILE)
    if not res.is_file():
        return None
    return Model.parse(res.read_text(encoding="utf-8"))


def find(model: Model, norm_text: str) -> list[Hit]:
    """Hits on the words that raised the score most (the first carries the weight), or none.

    The model flags only when at least two different words lean rude: one rude word is the lexicon's business
    (and the lexicon's guards keep "Хохлома" or "депутат, поехавший в Москву" clean); the model is for rudeness
    spread over a sentence.  The hit weight runs from 0.5 at ``p_min`` to 0.85 at p = 1, and the probability is
    kept in ``normalized`` for ``classify --explain`` (never on a card).
    """
    text_words = words(norm_text)
    p = model.prob_of_words(text_words)
    if p < model.p_min:
        return []
    leaning = {w for w in text_words if model.word_score(w)[0] > WORD_LEANS}
    if len(leaning) < 2:
        return []
    weight = 0.5 + 0.35 * (p - model.p_min) / max(1e-9, 1.0 - model.p_min)
    scored = sorted(((model.word_score(w[0])[0], m.start(), m.end(), m.group(0))
                     for m in _WORD_RE.finditer(norm_text[:MAX_CHARS]) if (w := words(m.group(0)))),
                    key=lambda s: (-s[0], s[1]))
    hits: list[Hit] = []
    for own, a, b, word in scored[:3]:
        if own <= 0 and hits:
            break
        hits.append(Hit(LABEL, RULE, a, b, f"{word} (p = {p:.2f})", NOTE_RU, round(weight, 3) if not hits else 0.0))
    return hits


ACTIVE = "ACTIVE"  # in a models folder: the file name of the weights in use, one line


def active(folder: Path) -> Model | None:
    """The weights ``gospablik train`` made active in ``folder`` (``<data_dir>/models/toxicity``), if any."""
    pointer = folder / ACTIVE
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    path = folder / name
    if not name or "/" in name or not path.is_file():
        return None
    return Model.read(path)
