"""``gospablik classify [FILE] [--explain] [--own-domain D ...]``.

Reads JSON lines ``{"id": ..., "text": ...}`` (optionally ``"repeated_by": N``) from FILE
or stdin and writes one JSON line per input: ``{"id", "labels", "scores", "reasons"}``.
A malformed line is reported on stderr with its line number and skipped; the exit code
is then 1.  ``--explain`` prints a human-readable report instead of JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from .classifier import Classifier
from .verdict import LABEL_TITLES_RU, LABELS, Verdict


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="gospablik classify", description="Classify comments (JSON lines).")
    ap.add_argument("file", nargs="?", help='JSON lines {"id", "text"}; stdin when omitted')
    ap.add_argument("--explain", action="store_true", help="human-readable output instead of JSON lines")
    ap.add_argument("--own-domain", action="append", default=[], metavar="D",
                    help="the administration's own domain (never spam); repeatable")
    return ap


def _explain(ident: Any, text: str, v: Verdict) -> str:
    head = ", ".join(LABEL_TITLES_RU[x] for x in v.labels) or "чисто"
    scores = " ".join(f"{lbl}={v.scores[lbl]:.2f}" for lbl in LABELS)
    lines = [f"#{ident}: {head}  [{scores}]", f"  {text}"]
    for r in v.reasons:
        lines.append(f"  - {LABEL_TITLES_RU[r.label]}: «{r.fragment}» [{r.start}:{r.end}] → {r.normalized}"
                     f" — {r.note_ru} ({r.rule})")
    return "\n".join(lines)


def run(lines: Iterable[str], out: TextIO, err: TextIO, *, explain: bool, own_domains: list[str]) -> int:
    clf = Classifier()
    bad = 0
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("expected a JSON object")
            text = obj.get("text")
            if not isinstance(text, str):
                raise ValueError('missing string field "text"')
            repeated = obj.get("repeated_by", 0)
            if not isinstance(repeated, int):
                raise ValueError('"repeated_by" must be an integer')
        except ValueError as e:  # json.JSONDecodeError is a ValueError
            bad += 1
            hint = ""
            if isinstance(e, json.JSONDecodeError) and not line.startswith(("{", "[")):
                hint = (" — each line must be one JSON object, e.g. "
                        '{"id": 1, "text": "Когда починят дорогу?"}')
            print(f"gospablik classify: line {no}: malformed input: {e}{hint}", file=err)
            continue
        v = clf.classify(text, own_domains=own_domains, repeated_by=repeated)
        if explain:
            out.write(_explain(obj.get("id"), text, v) + "\n")
        else:
            out.write(json.dumps({"id": obj.get("id"), **v.to_dict()}, ensure_ascii=False) + "\n")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.file:
        try:
            f = open(args.file, encoding="utf-8")
        except OSError as e:
            print(f"gospablik classify: cannot read {args.file}: {e.strerror}", file=sys.stderr)
            return 2
        with f:
            return run(f, sys.stdout, sys.stderr, explain=args.explain, own_domains=args.own_domain)
    return run(sys.stdin, sys.stdout, sys.stderr, explain=args.explain, own_domains=args.own_domain)


if __name__ == "__main__":
    raise SystemExit(main())
