"""Which words of a full Russian dictionary the classifier flags: the false-positive check
behind ``lexicon/obscene_exceptions.txt`` and ``lexicon/fuzzy_exceptions.txt``.

    python -m bench.dictionary_check [--out FILE]

It needs the pymorphy3 dictionary, which the project deliberately does not depend on:
install it into the environment you run this from (``pip install pymorphy3
pymorphy3-dicts-ru``; nothing of it is shipped).  Every distinct word form (about 3 million,
ё read as е) is classified on its own; the flagged ones are printed as ``word<TAB>labels``
with a count at the end.  Most are real insults and мат; an innocent word among them belongs
in an exceptions file.  Takes several minutes.
"""

from __future__ import annotations

import argparse
import sys

from bot.classifier import Classifier


def word_forms() -> set[str]:
    try:
        import pymorphy3  # type: ignore[import-not-found]
    except ImportError:
        sys.exit("pymorphy3 is not installed: pip install pymorphy3 pymorphy3-dicts-ru")
    return {p.word.replace("ё", "е") for p in pymorphy3.MorphAnalyzer().iter_known_word_parses()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.dictionary_check", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=argparse.FileType("w", encoding="utf-8"), default=sys.stdout)
    args = ap.parse_args(argv)
    clf = Classifier()
    words = sorted(word_forms())
    flagged = 0
    for w in words:
        labels = clf.classify(w).labels
        if labels:
            flagged += 1
            args.out.write(f"{w}\t{','.join(labels)}\n")
    print(f"{flagged} of {len(words)} word forms flagged", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
