"""A verdict said the way a specialist reads it: at most three reasons, the strongest first, grouped by label.

`Verdict.reasons` keeps every piece of evidence (``classify --explain`` prints them all); a card needs the few
that decide — "спам: сокращённая ссылка, «без проверок», «займ»" rather than one note per word.  Works on the
stored JSON form of a verdict, so old cards are worded the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SHOWN = 3
QUOTED = "в пересланном или процитированном тексте"
_MAX_FRAGMENT = 40

# rule (or its prefix before ":") → (strength, wording); "{q}" is the quoted fragment, "{note}" the reason's note.
_WORDING: dict[str, tuple[int, str]] = {
    # spam: a shortened link decides more than a phone number
    "link:shortener": (90, "сокращённая ссылка"),
    "link:channel": (80, "ссылка на сторонний канал"),
    "repeated": (75, "{note}"),
    "exotic-letters": (60, "буквы из экзотических алфавитов"),
    "link:obfuscated": (60, "замаскированная ссылка"),
    "handle": (55, "контакт {q}"),
    "illegal-goods-ad": (55, "реклама запрещённых товаров"),
    "lexicon": (50, "{q}"),  # spam words and insult words: the word itself says it
    "mixed-script": (45, "латиница внутри русских слов {q}"),
    "model:spam": (40, "{q}"),
    "link:external": (30, "ссылка на сторонний сайт"),
    "phone": (25, "номер телефона"),
    "money": (25, "суммы денег"),
    "emoji": (10, "много эмодзи"),
    # мат: the word, whatever disguise it wore
    "root": (95, "{q}"),
    "masked": (90, "{q}"),
    "spaced": (90, "{q}"),
    "abbrev": (85, "{q}"),
    # insult
    "phrase:violence": (85, "пожелание расправы {q}"),
    "phrase:insult": (80, "{q}"),
    "lexicon:vulgar": (60, "грубое слово {q}"),
    "lexicon:euphemism": (55, "смягчённый мат {q}"),
    "lexicon:rude-self": (50, "грубое слово {q}"),
    "lexicon:rude-addressed": (50, "грубость в адрес собеседника {q}"),
    "lexicon:rude": (30, "грубоватое слово {q}"),
    "model:insult": (20, "похоже на оскорбление (обученная модель)"),
}
_LEXICON_STRENGTH = {"obscene": 95, "insult": 85, "illegal": 90, "spam": 50}


@dataclass(frozen=True)
class Phrase:
    strength: int
    head: str  # the words before the quote ("грубое слово"), or the whole phrase ("сокращённая ссылка")
    quote: str  # «the fragment», or ""
    quoted: bool  # found in forwarded or quoted text, not in the item's own words
    order: int

    @property
    def text(self) -> str:
        return f"{self.head} {self.quote}".strip()


def _wording(label: str, rule: str) -> tuple[int, str]:
    if rule in _WORDING:
        return _WORDING[rule]
    head = rule.split(":", 1)[0]
    if label == "illegal":
        return 90, "{note} {q}"
    if head in _WORDING:
        strength, text = _WORDING[head]
        return (_LEXICON_STRENGTH.get(label, strength) if head == "lexicon" else strength), text
    return 40, "{note} {q}"


def _fragment(reason: Mapping[str, Any]) -> str:
    fragment = str(reason.get("fragment") or "").strip()
    if not fragment and int(reason.get("start", 0)) < 0:  # a quoted text's reason keeps its word in `normalized`
        fragment = str(reason.get("normalized") or "").split(" (p = ", 1)[0].strip()
    if len(fragment) > _MAX_FRAGMENT:
        fragment = fragment[: _MAX_FRAGMENT - 1] + "…"
    return fragment


def _note(reason: Mapping[str, Any]) -> str:
    note = str(reason.get("note_ru") or reason.get("rule") or "")
    return note.replace(f" ({QUOTED})", "")


def phrases(verdict: Mapping[str, Any], label: str) -> list[Phrase]:
    """Every distinct reason for one label, worded, strongest first (then in reading order)."""
    out: dict[str, Phrase] = {}
    for n, reason in enumerate(verdict.get("reasons", ())):
        if reason.get("label") != label:
            continue
        rule = str(reason.get("rule") or "")
        strength, template = _wording(label, rule)
        fragment = _fragment(reason)
        if "{q}" in template and (not fragment or (rule.startswith("model:") and fragment.isdigit())):
            continue  # a number is not a "word typical for spam"; a reason with no words adds nothing here
        quote = f"«{fragment}»" if fragment and "{q}" in template else ""
        head = " ".join(template.replace("{q}", "").format(note=_note(reason)).split())
        quoted = int(reason.get("start", 0)) < 0 or QUOTED in str(reason.get("note_ru") or "")
        phrase = Phrase(strength, head, quote, quoted, n)
        key = f"{quoted}:{phrase.text.lower()}"
        if phrase.text and key not in out:
            out[key] = phrase
        elif phrase.text and strength > out[key].strength:
            out[key] = Phrase(strength, head, quote, quoted, out[key].order)
    return sorted(out.values(), key=lambda p: (-p.strength, p.order))


def summary(verdict: Mapping[str, Any], labels: Sequence[str] | None = None,
            shown: int = SHOWN) -> list[tuple[str, str]]:
    """(label, its reasons in words) for each flagged label, with at most `shown` reasons in all: every label
    gets its strongest one, the rest of the budget goes to the labels in order."""
    labels = list(labels if labels is not None else verdict.get("labels", ()))
    found = {label: phrases(verdict, label) for label in labels}
    budget = {label: min(1, len(found[label])) for label in labels}
    spare = shown - sum(budget.values())
    for label in labels:
        extra = min(max(spare, 0), len(found[label]) - budget[label])
        budget[label] += extra
        spare -= extra
    return [(label, _join(found[label][: budget[label]])) for label in labels]


def _join(chosen: Sequence[Phrase]) -> str:
    own = _grouped([p for p in chosen if not p.quoted])
    inside = _grouped([p for p in chosen if p.quoted])
    parts = [own] if own else []
    if inside:
        parts.append(f"{QUOTED}: {inside}")
    return "; ".join(parts)


def _grouped(chosen: Sequence[Phrase]) -> str:
    """Phrases with the same words before the quote are said once: "грубое слово «говно», «жопа»"."""
    heads: dict[str, list[str]] = {}
    for p in chosen:
        heads.setdefault(p.head if p.quote else p.text, []).append(p.quote)
    return ", ".join(f"{head} {', '.join(q for q in quotes if q)}".strip() for head, quotes in heads.items())


def trigger_of(verdict: Mapping[str, Any], label: str) -> str | None:
    """The one reason that decided this label, in words (what made an automatic action fire)."""
    found = phrases(verdict, label)
    return found[0].text if found else None
