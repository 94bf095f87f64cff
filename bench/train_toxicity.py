"""Build the shipped rudeness model from the MIT-licensed public sets only.

    python -m bench.train_toxicity                 # train, choose the cut-off, write the weights
    python -m bench.train_toxicity --out FILE      # write elsewhere (the reproducibility test does)
    python -m bench.train_toxicity --limit N       # only the first N examples of each set (quick runs)

Training texts: `vk-distorted-toxicity` (two comments in three; VK mentions removed), the toxic replies
of `mera-ruhatespeech`, and the `tg-spam` messages as clean texts.  Every third vk comment is kept out:
its clean comments choose the cut-off (at most 1 % of them flagged by the model), and the learning
curve of `bench/eval_classifier.py` uses the slice as the desk's decisions.  The evaluation-only sets
are never read here.  Pure Python with a fixed seed: two runs write the same bytes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bot.classifier import toxicity_model
from bot.training import examples
from bot.training.fit import cut_off, fit

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bot" / "classifier" / "lexicon" / toxicity_model.MODEL_FILE
CLEAN_FLAGGED = 0.01  # the share of held-out clean comments the model alone may flag


def build(folder: Path, limit: int | None = None) -> toxicity_model.Model:
    ship, desk = examples.licensed(folder)
    if limit:
        ship = ship[:limit] + ship[-limit:]
        desk = desk[:limit]
    model = fit(ship)
    model.p_min = cut_off(model, [e for e in desk if not e.rude], CLEAN_FLAGGED)
    model.notice = ("Rudeness model: logistic regression over character 2-5-grams, written by",
                    "bench/train_toxicity.py (do not edit by hand; `gospablik train` writes its own versions).",
                    "", *examples.notice())
    model.meta = {"examples": str(len(ship)), "rude": str(sum(e.rude for e in ship))}
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.train_toxicity", description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=examples.default_folder())
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--limit", type=int, help="only the first and last N training texts (quick runs)")
    args = ap.parse_args(argv)
    if not examples.available(args.data):
        print(f"the licensed sets are not at {args.data}")
        return 2
    t0 = time.perf_counter()
    model = build(args.data, args.limit)
    args.out.write_text(model.dump(), encoding="utf-8")
    print(f"wrote {args.out}: {len(model.weights)} weights, cut-off p >= {model.p_min}, "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
