"""Insults: words that insult a person or a group, and insulting imperatives.

Criticism of officials' work ("позор", "бездействие", "обнаглели") contains no insult
word and stays clean.  Words with an innocent reading (animals, "тупой нож") count only
when addressed to someone or placed next to an official's title.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .fuzzy import FuzzyLexicon
from .hits import Hit
from .lexicon import alternation, sections
from .normalize import Normalized
from .obscene import resolve as _obscene_resolve

LABEL = "insult"

_S = sections("insult.txt")


def _word_re(entries: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![а-яa-z0-9])(?:" + alternation(entries) + r")(?![а-яa-z0-9])")


_PERSON_RE = _word_re(_S["person"])
_OBSCENE_RE = _word_re(_S["obscene"])
_AMBIG_RE = _word_re(_S["ambiguous"])
_VULGAR_RE = _word_re(_S["vulgar"])
_INFIX_RE = _word_re(_S["infix"])
_MILD_RE = _word_re(_S["mild"])
_EUPH_RE = _word_re(_S["euphemism"])
_MODIFIER_RE = _word_re(_S["modifier"])
_VIOLENCE_RE = _word_re(_S["violence"])
# Strong words stay rude even about oneself or in a comparison ("я как дебил"); the guard
# below keeps only the mild ones ("я дурак", "как идиот") clean.
_STRONG_RE = re.compile(r"муда|мудил|д[еи]бил|мраз|сук|сучк|твар|ублюд|гнид|чмо|шлюх|пид[оаеи]р|пидр|говн|гавн|гондон")
# A masked word ("д*бил", "у#од", "мр*зь"): letters on both sides of one mask run.
_MASKED_RE = re.compile(r"(?<![\w*#%@])[а-я]+[*#%]{1,3}[а-я]+(?![\w*#%@])")
# Dots as a mask ("с...ки", "ганд....на"): their number says nothing about the letters hidden.
_DOTTED_RE = re.compile(r"(?<![\w*#%@.,])[а-я]+(?:\.{2,}|,{2,}|…)[а-я]+(?![\w*#%@])")
_ALPHABET = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
# "сука" glued to a neighbour after a lost space ("ахахасука", "сукасукасука").
_GLUED_RE = re.compile(
    r"(?<![а-яa-z0-9])(?:[а-я]{3,}сук[аи]|сука(?:сука)+|[а-я]+пид[ао]рас[а-я]*|пид[ао]рас[а-я]*[а-я]{6,})(?![а-яa-z0-9])"
)
_ALL_WORDS_RE = re.compile(r"^(?:" + alternation((*_S["person"], *_S["obscene"], *_S["vulgar"])) + r")$")
# Second pass: misspelt words of these sections, by phonetic skeleton (see fuzzy.py).
FUZZY = FuzzyLexicon({k: _S[k] for k in ("person", "obscene", "ambiguous")})
_TOKEN_RE = re.compile(r"(?<![а-яa-z0-9*#%@])[а-я]{5,}(?![а-яa-z0-9*#%@])")
_PHRASE_RE = re.compile(r"(?<![а-я])(?:" + alternation(_S["phrase"]) + r")(?![а-я])")
_IDIOM_RE = re.compile(r"(?<![а-я])(?:" + "|".join(_S["idiom"]) + r")")

# Address or a person-target near an ambiguous word ("ты козел", "мэр — свинья").
_CONTEXT_RE = re.compile(
    r"(?<![а-я])(?:ты|вы|тебя|тебе|тобой|вас|вам|вами|твой|твоя|ваш|ваша|ваши|мэр[а-я]*|глав[аеуы]|"
    r"чиновник[а-я]*|депутат[а-я]*|администраци[а-я]*|мэри[а-я]*|власт[а-я]*|начальни[кц][а-я]*|"
    r"губернатор[а-я]*|директор[а-я]*|учител[а-я]*|училк[а-я]*|врач[а-я]*|судь[яиейю]|прокурор[а-я]*|сотрудни[кц][а-я]*|водител[а-я]*|сосед[а-я]*|мужик[а-я]*|продав[а-я]*|"
    r"кондуктор[а-я]*|таксист[а-я]*|автор[а-я]*|ведущ[а-я]*|журналист[а-я]*|президент[а-я]*|министр[а-я]*|"
    r"этот|этого|этому|этим|эта|эту|этой|эти|этих|этими|такой|такого|такому|таким|такая|такую|таких|такие|такими|"
    r"ну\s+и|какой|какого|каким|какая|какую|какие|каких|типичн[а-я]+|настоящ[а-я]+|натуральн[а-я]+|мент[а-я]*|полицейск[а-я]+)(?![а-я])"
)
# Second-person address only: vulgar words count as an insult when aimed at someone.
_ADDRESS_RE = re.compile(r"(?<![а-я])(?:ты|тебя|тебе|тобой|твой|твоя|твою|вы|вас|вам|вами|ваш|ваша|вашу|себе)(?![а-я])")
# A contemptuous adjective right next to "вы" describes the people addressed ("вас, убогих",
# "вы жалкие"); "вы ни хрена не делаете" stays a complaint, because хрен is not an adjective.
_VY_RE = re.compile(r"(?<![а-я])(?:вы|вас|вам|вами)(?![а-я])")
_MILD_ADJ_RE = re.compile(r"[а-я]+(?:ый|ий|ой|ая|ое|ые|ие|их|ых|ым|им|ыми|ими|ую)")
# Mild nouns that name a person when they stand alone: "Дрянь!", "..., пьянь."
_MILD_NAMES = frozenset(("дрянь", "пьянь", "алкаш", "алкаши", "нарик", "нарики", "бомжара"))
# Informal singular address only: mild words ("хрен", "алкаш") insult "ты", while "вы" is
# also how citizens address the administration in a complaint.
_TY_RE = re.compile(r"(?<![а-я])(?:ты|тебя|тебе|тобой|твой|твоя|твою|твое|твоего|твоей)(?![а-я])")
# A letter repeated ("сукааа", "жопаа", "тваааарь") or a final "и" for "й" ("твареи"): such a
# word is re-read when nothing else matched.  Safe because only lexicon words are accepted.
_REREAD_RE = re.compile(r"(?<![а-я])(?:[а-я]*([а-я])\1[а-я]*|[а-я]{3,}[аеоуыя]и)(?![а-я])")
_DOUBLE_RE = re.compile(r"([а-я])\1")
_VOWELS_BEFORE_I = frozenset("аеоуыя")
_SPACED_RE = re.compile(r"(?<![а-я])(?:[а-я][ .\-_]{1,2}){2,}[а-я](?![а-я])")
_REPEAT_RE = re.compile(r"([а-я])\1+")
# Words that may stand between "я" and what the speaker calls themselves ("я просто дурак",
# "я же лох", "я тупая овца"); any other word means the insult is about someone else ("я про
# рашкованов").
_SELF_FILLERS = ("просто|тоже|же|ведь|опять|снова|вообще|был|была|реально|прям|прямо|конечно|короче|"
                 "типа|еще|вот|и|совсем|бы|тот|та|ну|уже|точно|"
                 r"[а-я]+(?:ый|ий|ой|ая|яя|ое|ее|ые|ие)")  # or an adjective: "я тупая овца"
# Self-deprecation and comparisons ("я дурак", "ревела как сука") insult nobody.
_SELF_RE = re.compile(
    r"(?:(?<![а-я])(?P<pron>я|меня|мне|себя)(?P<comma>\s*,)?\s+(?:(?:" + _SELF_FILLERS + r")\s+)?|(?<![а-я])как\s+)$"
)
# "меня"/"мне"/"себя" make a word self-referential only in an oblique case ("считаю себя идиотом",
# "меня, дурака"); "смотришь на меня, бесчувственная скотина" addresses someone else.
_OBLIQUE_RE = re.compile(r"[а-я]+(?:ом|ем|ой|ей|ою|ею|ами|ями|у|ю)(?![а-я])")
# "ведёт себя как свинья" judges a person; it is not a comparison that insults nobody.
_BEHAVES_RE = re.compile(r"(?<![а-я])вед[еиу][а-я]*\s+себя\s+как\s+$")
_WINDOW = 25  # characters on each side, about three words
# An ambiguous noun standing alone as an exclamation or a form of address: "Бараны!",
# "..., козлы.", "Шакалы. Волк и то кости оставляет."  Only the forms that name a person.
_NAMING_FORMS = frozenset((
    "козел", "козлы", "свинья", "свиньи", "баран", "бараны", "осел", "ослы", "шакал", "шакалы",
    "скот", "скоты", "крыса", "крысы", "овца", "овцы", "клоун", "клоуны", "дятел", "дятлы",
    "чучело", "псих", "курица", "петух", "упоротый", "тупица", "коза",
))
_NEAR = 16  # characters: a modifier and its noun are neighbours
_BEFORE_ALONE = frozenset(",.!?-—:;")
_AFTER_ALONE = frozenset(",.!?;")


def find(norm: Normalized) -> list[Hit]:
    text = norm.text
    hits: list[Hit] = []
    idioms = [m.span() for m in _IDIOM_RE.finditer(text)] if "дур" in text or "за " in text else []

    def in_idiom(a: int, b: int) -> bool:
        return any(s <= a and b <= e + 20 for s, e in idioms)

    for m in _PERSON_RE.finditer(text):
        if in_idiom(*m.span()):
            continue
        if not _self_or_comparison(text, m.start()):
            hits.append(Hit(LABEL, "lexicon:insult", m.start(), m.end(), m.group(0), "оскорбительное слово", 0.85))
        elif _STRONG_RE.match(m.group(0)):
            hits.append(Hit(LABEL, "lexicon:rude-self", m.start(), m.end(), m.group(0),
                            "грубое слово (о себе или в сравнении)", 0.6))
    for m in _OBSCENE_RE.finditer(text):
        hits.append(Hit(LABEL, "lexicon:obscene-insult", m.start(), m.end(), m.group(0),
                        "нецензурное оскорбление", 0.9))
    ambig = [(m.start(), m.end(), m.group(0), False) for m in _AMBIG_RE.finditer(text)]
    # Misspelt words ("предурок", "казёл", "идиод"): tokens that no exact rule matched.
    taken = [(h.start, h.end) for h in hits]
    taken += [(a, b) for a, b, _, _ in ambig]
    for m in _TOKEN_RE.finditer(text):
        a, b = m.span()
        if any(s < b and a < e for s, e in taken):
            continue
        found = FUZZY.lookup(m.group(0))
        if found is None or in_idiom(a, b) or _proper_noun(norm, a, b):
            continue
        section, form = found
        if section == "ambiguous":
            ambig.append((a, b, form, True))
        elif section == "obscene":
            hits.append(Hit(LABEL, "lexicon:obscene-insult-misspelt", a, b, form,
                            "нецензурное оскорбление (с ошибкой в написании)", 0.85))
            hits.append(Hit("obscene", "lexicon:obscene-misspelt", a, b, form,
                            "нецензурное слово (с ошибкой в написании)", 0.85))
        elif not _self_or_comparison(text, a):
            hits.append(Hit(LABEL, "lexicon:insult-misspelt", a, b, form,
                            "оскорбление (с ошибкой в написании)", 0.75))
        elif _STRONG_RE.match(form):
            hits.append(Hit(LABEL, "lexicon:rude-self", a, b, form,
                            "грубое слово (о себе или в сравнении; с ошибкой в написании)", 0.6))
    for a, b, word, misspelt in ambig:
        if in_idiom(a, b) or _proper_noun(norm, a, b) or _self_or_comparison(text, a):
            continue
        ctx = _CONTEXT_RE.search(text, max(0, a - _WINDOW), min(len(text), b + _WINDOW))
        # Two ambiguous words side by side ("тупая курица") read as an insult too, and so
        # does a contemptuous adjective next to one ("продажные свиньи").
        pair = any(abs(o[0] - b) <= 2 or abs(a - o[1]) <= 2 for o in ambig if o[0] != a)
        if not (ctx or pair):
            pair = (_modified(text, a, b) or _BEHAVES_RE.search(text, max(0, a - 30), a) is not None
                    or (word in _NAMING_FORMS and _alone(text, a, b)))
        if ctx or pair:
            if misspelt:
                hits.append(Hit(LABEL, "lexicon:insult-addressed-misspelt", a, b, word,
                                "оскорбительное слово в адрес человека (с ошибкой в написании)", 0.7))
            else:
                hits.append(Hit(LABEL, "lexicon:insult-addressed", a, b, word,
                                "оскорбительное слово в адрес человека", 0.7))
    for m in _PHRASE_RE.finditer(text):
        hits.append(Hit(LABEL, "phrase:insult", m.start(), m.end(), m.group(0), "оскорбительное выражение", 0.8))
    for m in _VULGAR_RE.finditer(text):
        if text.endswith("лапу ", 0, m.start()):  # "лапу сосать": to go hungry
            continue
        hits.append(Hit(LABEL, "lexicon:vulgar", m.start(), m.end(), m.group(0), "грубое, вульгарное слово", 0.6))
    for m in _EUPH_RE.finditer(text):
        hits.append(Hit(LABEL, "lexicon:euphemism", m.start(), m.end(), m.group(0),
                        "смягчённый или искажённый мат", 0.6))
    for m in _VIOLENCE_RE.finditer(text):
        hits.append(Hit(LABEL, "phrase:violence", m.start(), m.end(), m.group(0),
                        "пожелание расправы над людьми", 0.7))
    for marks, masked_re, resolve in _MASKS:
        if any(mark in text for mark in marks):
            for m in masked_re.finditer(text):
                resolved = resolve(m.group(0))
                if resolved:
                    hits.append(Hit(LABEL, "lexicon:insult-masked", m.start(), m.end(), resolved,
                                    "замаскированное оскорбительное или грубое слово", 0.8))
    if "сук" in text or "пид" in text:
        for m in _GLUED_RE.finditer(text):
            hits.append(Hit(LABEL, "lexicon:insult-glued", m.start(), m.end(), m.group(0),
                            "оскорбительное слово, слитое с соседним", 0.75))
    for m in _INFIX_RE.finditer(text):
        hits.append(Hit(LABEL, "lexicon:insult-compound", m.start(), m.end(), m.group(0),
                        "слово с оскорбительным или вульгарным корнем", 0.75))
    for m in _MILD_RE.finditer(text):
        a, b = m.span()
        word = m.group(0)
        if _TY_RE.search(text, max(0, a - _WINDOW), min(len(text), b + _WINDOW)) or (
                _MILD_ADJ_RE.fullmatch(word) and _next_to(_VY_RE, text, a, b)):
            hits.append(Hit(LABEL, "lexicon:rude-addressed", a, b, word,
                            "грубое слово в адрес собеседника", 0.6))
        elif word in _MILD_NAMES and _alone(text, a, b):
            hits.append(Hit(LABEL, "lexicon:rude-addressed", a, b, word,
                            "грубое слово как обращение", 0.6))
        else:
            hits.append(Hit(LABEL, "lexicon:rude", a, b, m.group(0), "грубоватое слово", 0.3))
    if " " in text or "-" in text or "." in text:
        # Spelled out letter by letter: "д е б и л", "с-у-к-а".
        for m in _SPACED_RE.finditer(text):
            word = re.sub(r"[ .\-_]", "", m.group(0))
            if _ALL_WORDS_RE.match(word):
                hits.append(Hit(LABEL, "lexicon:insult-spaced", m.start(), m.end(), word,
                                "оскорбительное слово, написанное вразрядку", 0.8))
    if not hits:
        # Stretched or doubled letters ("сукаааа", "жопаа") and "й" typed as "и" at the end
        # of a word ("твареи"): re-read such words when nothing else matched.
        for m in _REREAD_RE.finditer(text):
            reread = _reread(m.group(0))
            if reread:
                word, stretched = reread
                if stretched:
                    hits.append(Hit(LABEL, "lexicon:insult-stretched", m.start(), m.end(), word,
                                    "оскорбительное или грубое слово с растянутыми буквами", 0.7))
                else:
                    hits.append(Hit(LABEL, "lexicon:insult-misspelt", m.start(), m.end(), word,
                                    "оскорбление (с ошибкой в написании)", 0.75))
    return hits


@lru_cache(maxsize=8192)
def _reread(token: str) -> tuple[str, bool] | None:
    """(lexicon word, stretched?) for a token with doubled letters or a final "и" for "й".
    Words of the dictionary that collapse into an insult ("поддонки": pallets) never match."""
    if _DOUBLE_RE.search(token):
        word = _REPEAT_RE.sub(r"\1", token)
        if _ALL_WORDS_RE.match(word) and token not in FUZZY.exceptions:
            return word, True
    if token.endswith("и") and token[-2:-1] in _VOWELS_BEFORE_I:
        word = token[:-1] + "й"
        if _ALL_WORDS_RE.match(word):
            return word, False
    return None


@lru_cache(maxsize=4096)
def unmask(token: str) -> str | None:
    """The insult or vulgar word a masked token stands for ("д*бил" → "дебил"), or None.
    Each mask character stands for one letter; a single one also for two ("у*лю*ок" no)."""
    parts = re.split(r"[*#%]+", token)
    if _obscene_resolve(token) is not None:  # masked мат ("пи**ец", "бл*ть") is obscene's
        return None
    if len(parts) != 2 or len(parts[0]) + len(parts[1]) < 3:
        return None
    n = len(token) - len(parts[0]) - len(parts[1])
    fills = [a for a in _ALPHABET] if n == 1 else []
    if n <= 2:
        fills += [a + b for a in _ALPHABET for b in _ALPHABET]
    for f in fills:
        word = parts[0] + f + parts[1]
        if _ALL_WORDS_RE.match(word):
            return word
    return None


def _modified(text: str, a: int, b: int) -> bool:
    """A [modifier] adjective right before the noun or right after it, at most one word between."""
    return _next_to(_MODIFIER_RE, text, a, b)


def _next_to(pattern: re.Pattern[str], text: str, a: int, b: int) -> bool:
    """A match of ``pattern`` right before the span or right after it, at most one word between."""
    for m in pattern.finditer(text, max(0, a - _NEAR), min(len(text), b + _NEAR)):
        between = text[m.end():a] if m.end() <= a else text[b:m.start()] if m.start() >= b else None
        if between is not None and len(between.split()) <= 1:
            return True
    return False


def _alone(text: str, a: int, b: int) -> bool:
    before = text[:a].rstrip()
    after = text[b:].lstrip()
    return (not before or before[-1] in _BEFORE_ALONE) and (not after or after[0] in _AFTER_ALONE)


@lru_cache(maxsize=4096)
def unmask_dotted(token: str) -> str | None:
    """Like ``unmask``, for a run of dots standing for one or two letters."""
    head, tail = re.split(r"[.,…]+", token, maxsplit=1)
    if len(head) + len(tail) < 3 or _obscene_resolve(head + "*" + tail) is not None:
        return None
    return unmask(head + "*" + tail) or unmask(head + "**" + tail)


# Masked insults: (characters that must occur, the token pattern, how a token is resolved).
_MASKS = ((("*", "#", "%"), _MASKED_RE, unmask), (("..", ",,", "…"), _DOTTED_RE, unmask_dotted))


def _self_or_comparison(text: str, start: int) -> bool:
    if "я" not in text[max(0, start - 20):start] and "как" not in text[max(0, start - 5):start]:
        return False
    m = _SELF_RE.search(text, max(0, start - 20), start)
    if m is None:
        return False
    if m.group("pron") in ("меня", "мне", "себя") and not (m.group("comma") or _OBLIQUE_RE.match(text, start)):
        return False
    if m.group("pron") is None and _BEHAVES_RE.search(text, max(0, start - 30), start):
        return False
    return not _ADDRESS_RE.search(text, max(0, start - _WINDOW), min(len(text), start + _WINDOW))


def _proper_noun(norm: Normalized, a: int, b: int) -> bool:
    """A capitalised word is a name ("Козлов", "Баранов") unless it starts a sentence
    and is not followed by another capitalised word (name + patronymic)."""
    oa, ob = norm.span(a, b)
    orig = norm.original
    if not orig[oa:oa + 1].isupper() or orig[oa:ob].isupper():
        return False
    before = orig[:oa].rstrip()
    if before and before[-1] not in ".!?…\n\"«(":
        return True
    nxt = orig[ob:].lstrip(" ,")
    return nxt[:1].isupper()
