"""Illegal content: drug sales, weapons, suicide encouragement, calls to violence, threats.

Rules are phrase regexes, not single words, so a citizen who *complains* about drug
dealing in the yard ("во дворе продают наркотики, примите меры") or reports a crime
stays clean: a drug ad needs a strong drug word, or slang plus a sale/contact marker.
"""

from __future__ import annotations

import re

from .hits import Hit
from .lexicon import alternation, sections
from .normalize import Normalized

LABEL = "illegal"
_S = sections("illegal.txt")


def _re(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![а-яa-z0-9])(?:" + alternation(_S[name]) + r")(?![а-яa-z0-9])")


_DRUG_STRONG = _re("drug_strong")
_DRUG_WEAK = _re("drug_weak")
_SALE = re.compile(r"(?<![а-яa-z0-9])(?:" + alternation(_S["sale"]) + r")")
_PATTERNS = (
    ("threat", _re("threat"), "угроза расправой", 0.9),
    ("violence-call", _re("violence_call"), "призыв к насилию или беспорядкам", 0.9),
    ("weapon", _re("weapon"), "оружие или взрывчатка", 0.85),
    ("suicide", _re("suicide"), "склонение к самоубийству", 0.9),
)
# Union of the rules that can start a hit: found iff at least one of them would be.
_ANY_RE = re.compile("|".join(f"(?:{rx.pattern})" for rx in (_DRUG_STRONG, _DRUG_WEAK, *(p[1] for p in _PATTERNS))))


def find(norm: Normalized) -> list[Hit]:
    text = norm.text
    hits: list[Hit] = []
    if _ANY_RE.search(text) is None:
        return hits
    strong = list(_DRUG_STRONG.finditer(text))
    weak = list(_DRUG_WEAK.finditer(text)) if not strong else []
    if strong or weak:
        sale = _SALE.search(text)
        if strong and (sale or len(strong) >= 2):
            for m in strong:
                hits.append(Hit(LABEL, "drugs:sale", m.start(), m.end(), m.group(0), "продажа наркотиков", 0.9))
        elif weak and sale and _weak_drug_context(weak):
            for m in weak:
                hits.append(Hit(LABEL, "drugs:slang", m.start(), m.end(), m.group(0),
                                "продажа наркотиков (сленг)", 0.75))
    for rule, rx, note, w in _PATTERNS:
        for m in rx.finditer(text):
            hits.append(Hit(LABEL, rule, m.start(), m.end(), m.group(0), note, w))
    return hits


def _weak_drug_context(weak: list[re.Match[str]]) -> bool:
    """Slang alone ("соль", "трава") needs the trade word "закладка" or two slang words."""
    words = {m.group(0) for m in weak}
    return any(w.startswith("закладк") for w in words) or len(words) >= 2
