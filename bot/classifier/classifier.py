"""The ``Classifier``: runs the detectors and turns their evidence into a ``Verdict``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from . import illegal, insult, obscene, spam, toxicity_model
from .hits import Hit
from .normalize import normalize, unmix
from .verdict import LABELS, Reason, Verdict

THRESHOLD = 0.5
# Illegal-goods ads are advertising too.
_AD_RULES = ("drugs:", "weapon")


class Classifier:
    """Deterministic, explainable comment classifier.

    Construction compiles all rules once (well under a second).  ``classify`` keeps no
    per-call state, so one instance can be shared by threads.
    """

    threshold: float = THRESHOLD

    def __init__(self, *, own_domains: Iterable[str] = (), toxicity: toxicity_model.Model | None = None,
                 models_dir: Path | None = None, use_toxicity: bool = True) -> None:
        """``toxicity`` is the trained rudeness model; by default the one ``gospablik train`` made
        active under ``models_dir`` (``<data_dir>/models/toxicity``), else the shipped weights."""
        self.own_domains = tuple(own_domains)
        if use_toxicity and toxicity is None:
            toxicity = (toxicity_model.active(models_dir) if models_dir else None) or toxicity_model.shipped()
        self.toxicity = toxicity if use_toxicity else None
        self.classify("прогрев")  # touch every module and cache once

    def use_toxicity_model(self, model: toxicity_model.Model | None) -> None:
        """Swap the trained model (after `gospablik train` activates new weights); safe between calls."""
        self.toxicity = model

    def classify(self, text: str, *, own_domains: Iterable[str] = (), repeated_by: int = 0) -> Verdict:
        if not isinstance(text, str):
            raise TypeError("text must be str")
        norm = normalize(text)
        ob = obscene.find(norm)
        unmixed = unmix(norm)
        ins = insult.find(unmixed)
        if any(h.label == "obscene" for h in ins):  # a misspelt мат noun is obscene too
            ob = [*ob, *(h for h in ins if h.label == "obscene")]
            ins = [h for h in ins if h.label != "obscene"]
        ill = illegal.find(norm)
        if ill and ins:  # a call to violence that is illegal is labelled illegal, not insult
            ins = [h for h in ins if h.rule != "phrase:violence"
                   or not any(i.start < h.end and h.start < i.end for i in ill)]
        domains = (*self.own_domains, *own_domains)
        sp = spam.find(norm, own_domains=domains, repeated_by=repeated_by,
                       claimed=[(h.start, h.end) for h in ob])
        if any(h.rule.startswith(_AD_RULES) for h in ill):
            first = next(h for h in ill if h.rule.startswith(_AD_RULES))
            sp.append(Hit("spam", "illegal-goods-ad", first.start, first.end, first.normalized,
                          "реклама запрещённых товаров", 0.4))

        model = self.toxicity
        if model is not None and max(_max(ins), _max(ob)) < self.threshold:  # only where the rules saw no rudeness
            ins = [*ins, *toxicity_model.find(model, unmixed.text)]

        scores = {
            "obscene": _max(ob),
            "insult": _max(ins),
            "spam": _noisy_or(sp),
            "illegal": _max(ill),
        }
        labels = tuple(lbl for lbl in LABELS if scores[lbl] >= self.threshold)
        reasons: list[Reason] = []
        seen: set[tuple[str, int, int]] = set()
        for h in sorted((*ob, *ins, *sp, *ill), key=lambda h: (LABELS.index(h.label), h.start, -h.weight)):
            if h.label not in labels:
                continue
            start, end = norm.span(h.start, h.end)
            key = (h.label, start, end)
            if key in seen:
                continue
            seen.add(key)
            reasons.append(Reason(h.label, h.rule, start, end, text[start:end], h.normalized, h.note_ru))
        return Verdict(labels=labels, scores={k: round(v, 3) for k, v in scores.items()}, reasons=tuple(reasons))


def _max(hits: list[Hit]) -> float:
    return max((h.weight for h in hits), default=0.0)


def _noisy_or(hits: list[Hit]) -> float:
    p = 1.0
    for h in hits:
        p *= 1.0 - h.weight
    return 1.0 - p
