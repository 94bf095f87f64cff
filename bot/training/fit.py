"""Fitting the rudeness model: logistic regression by Adagrad steps, pure Python, the same bytes every time.

Binary character-gram features (`bot.classifier.toxicity_model.grams`), a vocabulary of grams seen in at
least `min_df` texts, classes balanced so that 600 rude comments weigh as much as 3,000 clean ones, a fixed
shuffle seed.  Starting from earlier weights (`prior`) is how the desk's decisions refine the shipped model
when the public sets are not on the machine.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.classifier.normalize import normalize, unmix
from bot.classifier.toxicity_model import Model, counts, words

from .examples import Example


@dataclass(frozen=True)
class Settings:
    epochs: int = 15
    rate: float = 0.5
    min_df: int = 2
    l2: float = 0.1
    keep: float = 0.2  # weights smaller than this are dropped from the file
    seed: int = 12
    keep_bias: bool = False  # refining earlier weights: the few decisions must not move every text's score
    balance: bool = True  # weigh the classes equally (from scratch); refining keeps the desk's own proportions
    new_grams: bool = True  # refining may learn grams the earlier weights lack


# From earlier weights, on the desk's decisions alone: the earlier grams only, the bias and the desk's proportions
# kept, so a few hundred decisions sharpen the weights without moving every text's score (chosen on the licensed
# desk slice: rude caught rises, clean flagged stays; see docs/classifier.md).
FINE_TUNE = Settings(epochs=8, rate=0.1, l2=0.01, keep=0.0, keep_bias=True, balance=False, new_grams=False)


def features(text: str) -> dict[str, int]:
    return counts(words(unmix(normalize(text)).text))


def fit(examples: Sequence[Example], *, prior: Model | None = None, settings: Settings = Settings(),
        p_min: float | None = None) -> Model:
    docs = [features(e.text) for e in examples]
    df = Counter(g for d in docs for g in d)
    vocab = sorted(g for g, n in df.items() if n >= settings.min_df)
    if prior is not None:
        vocab = sorted(set(vocab) | set(prior.weights)) if settings.new_grams else sorted(prior.weights)
    index = {g: i for i, g in enumerate(vocab)}
    rows = [[(index[g], c) for g, c in sorted(d.items()) if g in index] for d in docs]
    sizes = [sum(d.values()) for d in docs]
    ys = [1.0 if e.rude else 0.0 for e in examples]
    n_pos = sum(ys) or 1.0
    n_neg = (len(ys) - sum(ys)) or 1.0
    balance = {1.0: len(ys) / (2 * n_pos), 0.0: len(ys) / (2 * n_neg)} if settings.balance else {1.0: 1.0, 0.0: 1.0}
    w = [prior.weights.get(g, 0.0) for g in vocab] if prior is not None else [0.0] * len(vocab)
    w0 = list(w)  # the regulariser pulls toward the earlier weights, so a few decisions refine rather than replace
    g2 = [1e-8] * len(vocab)
    bias = prior.bias if prior is not None else 0.0
    bias_g2 = 1e-8
    order = list(range(len(rows)))
    rng = random.Random(settings.seed)
    rate = settings.rate
    l2 = settings.l2
    for _ in range(settings.epochs):
        rng.shuffle(order)
        for k in order:
            row = rows[k]
            y = ys[k]
            x = 1.0 / math.sqrt(sizes[k] or 1)  # as the model scores: Σ w·count / √(number of grams)
            z = bias + x * sum(w[i] * c for i, c in row)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * balance[y] * examples[k].weight
            if g == 0.0:
                continue
            if not settings.keep_bias:
                bias_g2 += g * g
                bias -= rate * g / math.sqrt(bias_g2)
            gx = g * x
            for i, c in row:
                gi = gx * c + l2 * (w[i] - w0[i])
                s = g2[i] + gi * gi
                g2[i] = s
                w[i] -= rate * gi / math.sqrt(s)
    weights = {g: round(v, 4) for g, v in zip(vocab, w, strict=True) if abs(v) >= settings.keep}
    model = Model(round(bias, 5), weights, 0.5)
    model.p_min = p_min if p_min is not None else 0.5
    return model


def cut_off(model: Model, clean: Sequence[Example], rate: float) -> float:
    """The lowest cut-off that flags at most `rate` of these clean texts (held out from `model`'s training)."""
    probs = sorted((model.prob(unmix(normalize(e.text)).text) for e in clean), reverse=True)
    allowed = int(rate * len(probs))
    if allowed >= len(probs):
        return 0.5
    return round(probs[allowed] + 1e-4, 4)
