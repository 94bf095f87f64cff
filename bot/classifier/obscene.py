"""Russian мат: words formed from the four roots (хуй, пизда, ебать, блядь).

Two passes over the normalised text:

1. *plain*: a C-speed regex finds every purely Cyrillic token that contains a root
   substring; a prefix-anchored root rule then decides (``хуй``/``еб``/``бля`` only at the
   token start or after a known prefix, ``пизд`` anywhere).  Anchoring is what keeps
   "оскорблять", "хлебать", "застрахуй", "сухую", "небось", "рубля" clean without an
   endless exception list.
2. *disguised*: only tokens that contain Latin letters, digits, mask characters, inner
   punctuation, or that are spelled letter by letter go through per-token
   de-obfuscation (look-alikes, leet, transliteration, masks).
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from .hits import Hit
from .lexicon import lines, words
from .normalize import Normalized, deobfuscate

LABEL = "obscene"

# Prefixes after which a root may start.  Two slots: an optional outer prefix + a prefix.
_P1 = r"(?:не|ни|на|по|за|до|от|вы|рас|раз|пере|недо)?"
_PH = r"(?:на|по|за|до|от|вы|рас|раз|с|о|а|у|об|при|про|под|пере|недо|ни|не|из|ис|без|бес|въ|съ|отъ|долбо|пиздо)?"
# A soft sign written for the hard one after a prefix ("подьебал", "сьебался") is a common misspelling.
_PE = (r"(?:без|вы|въ|вь|вз|взъ|взь|до|за|из|изъ|изь|на|надъ|надь|недо|не|ни|о|об|объ|обь|от|отъ|оть|по|"
       r"подъ|подь|пере|при|про|раз|разъ|разь|рас|съ|сь|у|й|долбо|долба|далбо|мозго|хуе|пиздо)?")
_PB = r"(?:вы|на|за|по|раз|у|с|под|при)?"

_ROOT_FULL = re.compile(
    r"^(?:"
    r"(?P<pizd>[а-я]*(?:пи[зс]д|пизж|пезд)[а-я]*)"
    rf"|(?P<huy>{_P1}{_PH}ху[йяеюи][а-я]*|ху[лй][еи]|хуль)"
    rf"|(?P<eb>{_P1}{_PE}еб(?:[аеиклнуосыьъя][а-я]*)?)"
    rf"|(?P<blya>{_PB}бля(?:[^хшм][а-я]*)?)"
    r")$"
)
_ROOT_NAMES = {"pizd": "пизд", "huy": "хуй", "eb": "еб", "blya": "бля"}
# rules "root:glued" come from _GLUED_RE below

_EXCEPTIONS = re.compile("^(?:" + "|".join(lines("obscene_exceptions.txt")) + ")")

# Candidate Cyrillic tokens (whole tokens only: neighbours must not be word or mask chars).
_PLAIN_RE = re.compile(
    r"(?<![\w*@#$%])[а-я]*(?:х+у+[йяеюил]|п+и+[зс]+д|п+и+з+ж|п+е+з+д|е+б|б+л+я)[а-я]*(?![\w*@#$%])"
)
# Tokens that need de-obfuscation: contain Latin/digit/mask chars, or inner punctuation.
_WORD = r"[\w*@#$%]"
_SUSPECT_RE = re.compile(
    rf"(?<!{_WORD})(?={_WORD}*[a-z0-9*@#$%_]|{_WORD}+[.\-'’`,]+{_WORD})"
    rf"{_WORD}+(?:[.\-'’`,]+{_WORD}+)*"
)
# Letter-by-letter spelling: "п и з д е ц", "П.И.З.Д.Е.Ц", "х-у-й".
_SPACED_RE = re.compile(r"(?<![\w*@])(?:[\w*@][ .\-_]{1,2}){2,}[\w*@](?![\w*@])")
_GLUE_SPLIT = re.compile(r"[.\-'’`,]+")
_MASK_RUN = re.compile(r"[*#%_@]+")
_HAS_LETTER = re.compile(r"[^\W\d_]")

_FORMS = words("obscene_forms.txt")
_FORMS_BLOB = "\n" + "\n".join(_FORMS) + "\n"
_FORMS_SORTED = sorted(set(_FORMS))
_FORM_SUFFIXES = frozenset(f[i:] for f in _FORMS_SORTED for i in range(len(f) + 1))
_VOWELS = "уиеаоя"


@lru_cache(maxsize=65536)
def root_of(token: str) -> str | None:
    """The мат root of a clean Cyrillic token, or None.  Cached: tokens repeat a lot."""
    if len(token) < 2:
        return None
    m = _ROOT_FULL.match(token)
    if m is None or _EXCEPTIONS.match(token):
        return None
    return _ROOT_NAMES[m.lastgroup or "pizd"]


def _masked_form(token: str, min_visible: int, mask_re: re.Pattern[str] = _MASK_RUN) -> str | None:
    """Resolve a masked token ("п***ц", "бл@дь") against the list of known мат forms."""
    parts = mask_re.split(token)
    if len(parts) < 2:
        return None
    visible = "".join(parts)
    if len(visible) < min_visible or not visible.isalpha():
        return None
    # A form must start with the first part and end with the last: checking that first keeps
    # ordinary text ("так...вот") from compiling a regex per chunk.
    if parts[-1] not in _FORM_SUFFIXES or (parts[0] and _form_starting(parts[0]) is None):
        return None
    pattern = "^" + "[а-я]{1,6}".join(re.escape(p) for p in parts) + "$"
    m = re.search(pattern, _FORMS_BLOB, re.MULTILINE)
    return m.group(0) if m else None


@lru_cache(maxsize=16384)
def resolve(token: str) -> tuple[str, str] | None:
    """(rule, normalised form) for a possibly disguised token, or None."""
    if not _HAS_LETTER.search(token):
        return None
    cands = deobfuscate(token)
    if "@" in token:  # "@" is both a leet "а" and a mask: try it as a mask too
        cands += deobfuscate(token.replace("@", "*"))
    for cand in cands:
        root = root_of(cand)
        if root:
            return f"root:{root}", cand
        masks = _MASK_RUN.findall(cand)
        if masks:
            if len(masks) == 1 and len(masks[0]) == 1:
                for v in _VOWELS:
                    filled = _MASK_RUN.sub(v, cand)
                    root = root_of(filled)
                    if root:
                        return f"masked:{root}", filled
            form = _masked_form(cand, 2)
            if form:
                return "masked:form", form
    return None


def _chunk_candidates(chunk: str) -> list[str]:
    """Readings of a punctuation-joined chunk ("ху.й", "пи..ец", "слониху,изверги")."""
    pieces = [p for p in _GLUE_SPLIT.split(chunk) if p]
    if len(pieces) < 2:
        return [chunk]
    out = []
    # Glue only when a fragment is tiny, else "слониху,изверги" would read as "...хуи...".
    if min(len(p) for p in pieces) <= 2:
        out.append("".join(pieces))
    out.extend(pieces)
    return out


def find(norm: Normalized) -> list[Hit]:
    """All мат hits in the text."""
    text = norm.text
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for m in _PLAIN_RE.finditer(text):
        tok = m.group(0)
        root = root_of(tok)
        if root is None:
            tok2 = _collapse(tok)
            root = root_of(tok2) if tok2 != tok else None
            tok = tok2
            if root is None and _GLUED_RE.search(tok):
                root = "glued"
        if root:
            hits.append(Hit(LABEL, f"root:{root}", m.start(), m.end(), tok, "нецензурное слово", 0.95))
            taken.append((m.start(), m.end()))
    if _GLUED_ONLY_HINT.search(text):  # glued: "сукпздц", "сукапзцнириальна", "ихихиплиать"
        for m in _GLUED_ONLY_RE.finditer(text):
            if _free(taken, m.start(), m.end()):
                hits.append(Hit(LABEL, "root:glued", m.start(), m.end(), m.group(0), "нецензурное слово", 0.95))
                taken.append((m.start(), m.end()))
    for m in _SUSPECT_RE.finditer(text):
        chunk = m.group(0)
        if chunk[0] == "@" or _HANDLE_OR_URL.search(chunk):
            continue  # @handles, e-mails and domains are spam evidence, not words
        for cand in _chunk_candidates(chunk):
            res = resolve(cand)
            if res is None and ("." in chunk or ",," in chunk):
                # Dots used as a mask: "пи..ец".  Needs 3+ visible letters ("п.с." is P.S.),
                # or 2 when the mask is a run of dots or commas ("х...й", "б..я", "пиз,,,,ят").
                form = _masked_form(chunk, 3, _DOT_MASK)
                if form is None and _DOT_RUN.search(chunk):
                    form = _masked_form(chunk, 2, _DOT_MASK)
                res = ("masked:form", form) if form else None
            if res:
                rule, form = res
                hits.append(Hit(LABEL, rule, m.start(), m.end(), form, "замаскированное нецензурное слово", 0.9))
                taken.append((m.start(), m.end()))
                break
    if ".." in text or "…" in text:
        # A word cut short by an ellipsis: "аху...", "пиз..", "заеб…".
        for m in _CUT_RE.finditer(text):
            if not _free(taken, m.start(), m.end()):
                continue
            form = _cut_form(m.group(1))
            if form:
                hits.append(Hit(LABEL, "masked:cut", m.start(), m.end(), form,
                                "нецензурное слово, оборванное многоточием", 0.85))
                taken.append((m.start(), m.end()))
    if "бл" in text or "пз" in text or "збс" in text:
        for m in _ABBREV_RE.finditer(text):
            if _free(taken, m.start(), m.end()):
                hits.append(Hit(LABEL, "abbrev", m.start(), m.end(), m.group(0),
                                "сокращённое нецензурное слово", 0.9))
                taken.append((m.start(), m.end()))
    for m in _SPACED_RE.finditer(text):
        if not _free(taken, m.start(), m.end()):
            continue
        glued = re.sub(r"[ .\-_]", "", m.group(0))
        res = resolve(glued)
        if res:
            rule, form = res
            hits.append(Hit(LABEL, "spaced:" + rule, m.start(), m.end(), form,
                            "нецензурное слово, написанное вразрядку", 0.9))
    return hits


# Abbreviated мат: "пздц", "пзд...", a lone "бл" (not "бл." as in an address, not "бл-3").
_ABBREV_RE = re.compile(r"(?<![\w*@#$%.\-/])(?:пзд[а-я]*|пзц|збс|бл)(?![\w*@#$%.\-/])")
_HANDLE_OR_URL = re.compile(r"[a-z0-9]@|_|[a-z]{2,}\.(?:ru|рф|com|net|org|io|me|su|info|online|ly|cc)\b")
_DOT_MASK = re.compile(r"[.,*#%_@]+")
_DOT_RUN = re.compile(r"[а-я](?:\.{2,}|,{2,}|…)[а-я]")
_CUT_RE = re.compile(r"(?<![\w*@#$%.\-])([а-я]{3,})(?:\.{2,}|…)(?![\w*@#$%])")


def _form_starting(prefix: str, *, longer: bool = False) -> str | None:
    """The first listed мат form (alphabetically) that starts with ``prefix`` (and is longer
    than it, if asked).  A bisect, not a regex: the prefixes are many and varied."""
    i = (bisect.bisect_right if longer else bisect.bisect_left)(_FORMS_SORTED, prefix)
    return _FORMS_SORTED[i] if i < len(_FORMS_SORTED) and _FORMS_SORTED[i].startswith(prefix) else None


@lru_cache(maxsize=4096)
def _cut_form(prefix: str) -> str | None:
    """The мат form a truncated word starts ("аху" → "ахуел"), if the cut-off part is the
    root's tail ("наверху..." starts no form; "пиз..." does)."""
    return None if _EXCEPTIONS.match(prefix) else _form_starting(prefix, longer=True)


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """No earlier hit overlaps ``start:end``."""
    return not any(a < end and start < b for a, b in taken)


_REPEAT = re.compile(r"(.)\1+")
# мат glued to a neighbouring word after a lost space ("анимеблядь", "ихнахуй", "идтибля",
# "извинятьсяуеба"): none of these letter sequences occurs in any of the 3 million word forms
# of the pymorphy3 dictionary that are not мат (checked offline, see bench/dictionary_check.py),
# unlike "блять" ("ослаблять"), "бля" after а/е/м/о/р/у/ы/ю ("сабля", "ансамбля", "влюблять")
# or "еб" after a vowel before е/о ("двоеборец").  "бляха" is not мат.
_GLUED_RE = re.compile(
    r"бляд|нахуй|нахуя|хуйн[яюеи]|хуйл|хуйц|хуяр|хуяч|хуес|хуел|хуета|хуеч|хуен|хуеп|хуин|охуи|ахуи|охуя"
    r"|сукабл|[бвгджзийклнпстфхцчшщъьэя]бля(?!х)|бляат"
    r"|[аеиоуыэюя]еб[аиуыялнш]|[иуюяы]еб|ъеб|ебизм|ебуч|еблан"
)
# The same for tokens the root scan never sees: abbreviations and misspellings glued on.
_GLUED_ONLY_RE = re.compile(
    r"(?<![\w*@#$%])(?:[а-я]+пзд?ц[а-я]*|пзд?ц[а-я]+|[а-я]*(?:блиат|плиат|блеат)[а-я]*)(?![\w*@#$%])"
)


_GLUED_ONLY_HINT = re.compile(r"пзд?ц|[бп]л[ие]ат")


def _collapse(s: str) -> str:
    return _REPEAT.sub(r"\1", s)
