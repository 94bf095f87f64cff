"""Train the classifier's small spam model from the tg-spam samples (MIT licence).

    python -m bench.train_spam            # train on all tg-spam samples, write the model
    python -m bench.train_spam --cv       # only report 2-fold (even/odd lines) held-out numbers

The model is a logistic regression over binary features (words, 5-letter stems, word
pairs; see ``bot/classifier/spam_model.py``), trained by plain gradient descent with L2
regularisation: pure standard library, deterministic.  It is written to
``bot/classifier/lexicon/spam_model.tsv``.  Only tg-spam is used for training (its MIT
licence allows shipping derived weights); russe-detox (no licence) is never used.

Once the shipped model is trained on all tg-spam lines, tg-spam numbers measured with it
are in-sample.  ``--cv`` (and ``python -m bench.eval_classifier``) therefore also retrain
the model on one half of the lines and measure the whole classifier on the other half.
"""

from __future__ import annotations

import argparse
import math
import os
import random
from collections import Counter
from pathlib import Path

from bot.classifier import spam_model
from bot.classifier.normalize import normalize

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("GOSPABLIK_MODERATION_DATA", REPO.parent / "shared" / "data" / "moderation"))
OUT = REPO / "bot" / "classifier" / "lexicon" / spam_model.MODEL_FILE

EPOCHS = 40
LR = 0.2
L2 = 1e-3
MIN_DF = 2
MIN_ABS_W = 0.02
# Hit weight mapping chosen on the 2-fold held-out halves (not on in-sample numbers).
P_MIN = 0.7
W_MAX = 0.8


def load_tg_spam(data: Path = DEFAULT_DATA) -> tuple[list[str], list[str]]:
    d = data / "tg-spam"
    spam = [x for x in (d / "spam-samples.txt").read_text(encoding="utf-8").splitlines() if x.strip()]
    ham = [x for x in (d / "ham-samples.txt").read_text(encoding="utf-8").splitlines() if x.strip()]
    return spam, ham


def feature_set(text: str) -> set[str]:
    return set(spam_model.features(spam_model.tokens(normalize(text).text)))


def train(spam: list[str], ham: list[str], *, epochs: int = EPOCHS, seed: int = 0) -> spam_model.Model:
    docs = [(feature_set(t), 1.0) for t in spam] + [(feature_set(t), 0.0) for t in ham]
    df = Counter(f for fs, _ in docs for f in fs)
    docs = [({f for f in fs if df[f] >= MIN_DF}, y) for fs, y in docs]
    # Balance the classes: each class contributes the same total weight to the loss.
    n_pos = sum(y for _, y in docs) or 1.0
    n_neg = len(docs) - n_pos or 1.0
    cw = {1.0: len(docs) / (2 * n_pos), 0.0: len(docs) / (2 * n_neg)}
    w: dict[str, float] = {}
    g2: dict[str, float] = {}
    bias = 0.0
    bias_g2 = 1e-8
    rng = random.Random(seed)
    order = list(range(len(docs)))
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            fs, y = docs[i]
            z = bias + sum(w.get(f, 0.0) for f in fs)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * cw[y]
            bias_g2 += g * g
            bias -= LR * g / math.sqrt(bias_g2)
            for f in fs:  # Adagrad step with L2 on the touched weights
                wf = w.get(f, 0.0)
                gf = g + L2 * wf
                g2[f] = g2.get(f, 1e-8) + gf * gf
                w[f] = wf - LR * gf / math.sqrt(g2[f])
    kept = {f: round(v, 4) for f, v in w.items() if abs(v) >= MIN_ABS_W}
    return spam_model.Model(bias, kept, P_MIN, W_MAX)


def cross_validate(data: Path = DEFAULT_DATA) -> list[tuple[str, int, int, int, int]]:
    """Train on even lines → measure the whole classifier on odd lines, and vice versa.

    Returns (part, spam_hit, spam_n, ham_hit, ham_n) per held-out half.  Restores the
    shipped model afterwards.
    """
    from bot.classifier import Classifier

    spam, ham = load_tg_spam(data)
    saved = spam_model._MODEL
    out = []
    try:
        for part, tr, te in (("odd lines (trained on even)", slice(0, None, 2), slice(1, None, 2)),
                             ("even lines (trained on odd)", slice(1, None, 2), slice(0, None, 2))):
            spam_model.set_model(train(spam[tr], ham[tr]))
            clf = Classifier()
            s_hit = sum("spam" in clf.classify(t).labels for t in spam[te])
            h_hit = sum("spam" in clf.classify(t).labels for t in ham[te])
            out.append((part, s_hit, len(spam[te]), h_hit, len(ham[te])))
    finally:
        spam_model.set_model(saved)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.train_spam", description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="report held-out halves only; do not write the model")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    rows = cross_validate(args.data)
    for part, sh, sn, hh, hn in rows:
        print(f"held-out {part}: spam recall {sh}/{sn} = {100 * sh / sn:.2f} %; ham flagged {hh}/{hn} = "
              f"{100 * hh / hn:.2f} %")
    sh, sn = sum(r[1] for r in rows), sum(r[2] for r in rows)
    hh, hn = sum(r[3] for r in rows), sum(r[4] for r in rows)
    print(f"2-fold held-out total: spam recall {sh}/{sn} = {100 * sh / sn:.2f} %; "
          f"ham flagged {hh}/{hn} = {100 * hh / hn:.2f} %")
    if args.cv:
        return 0
    spam, ham = load_tg_spam(args.data)
    model = train(spam, ham)
    OUT.write_text(model.dump(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}: {len(model.weights)} weights, bias {model.bias:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
