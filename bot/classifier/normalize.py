"""Text normalisation with an offset map back to the original string.

Every detector works on one canonical form of the comment (NFKC, lower case, ё→е,
invisible characters removed) but must report spans into the ORIGINAL text, so the
moderator's card can highlight exactly what the citizen wrote.  ``Normalized`` keeps
the canonical text together with a per-character map to original offsets; the common
case (no invisible or composed characters) keeps the map implicit (identity) for speed.

Per-token de-obfuscation (Latin look-alikes, digits, transliteration, repeated
letters) lives here too, because the obscenity, insult and spam detectors share it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Zero-width and formatting characters used to split words invisibly.
_INVISIBLE = frozenset("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
                       "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\ufeff")
_INVISIBLE_RE = re.compile("[" + "".join(sorted(_INVISIBLE)) + "]")
_FAST_TABLE = str.maketrans({"ё": "е"})


@dataclass(frozen=True, slots=True)
class Normalized:
    """Canonical text plus the way back to the original."""

    original: str
    text: str
    offsets: tuple[int, ...] | None  # offsets[i] = index in ``original`` of text[i]; None = identity

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of ``text`` to a half-open span of ``original``."""
        if self.offsets is None or start >= end:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1


def normalize(text: str) -> Normalized:
    """NFKC + lower case + ё→е, drop invisible characters and combining marks."""
    lowered = text.lower()
    if (
        len(lowered) == len(text)
        and not _INVISIBLE_RE.search(text)
        and (text.isascii() or unicodedata.is_normalized("NFKC", text))
    ):
        return Normalized(text, lowered.translate(_FAST_TABLE), None)
    out: list[str] = []
    offs: list[int] = []
    for i, ch in enumerate(text):
        if ch in _INVISIBLE:
            continue
        if unicodedata.combining(ch):
            # Decomposed "й" (и + U+0306) must stay a letter; other marks (stress, diaeresis) go.
            if ch == "\u0306" and out and out[-1] == "и":
                out[-1] = "й"
            continue
        piece = unicodedata.normalize("NFKC", ch).lower().replace("ё", "е")
        for p in piece:
            if unicodedata.combining(p):
                continue
            out.append(p)
            offs.append(i)
    return Normalized(text, "".join(out), tuple(offs))


# --- per-token de-obfuscation -------------------------------------------------------------

# Latin letters that look like (or are commonly typed for) Cyrillic ones.
_HOMOGLYPH = str.maketrans({
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к", "m": "м",
    "t": "т", "h": "н", "b": "в", "u": "и", "n": "п", "r": "г", "i": "і",
})
# Single digits / symbols used as letters inside a word ("3аебали", "пи3дец", "$ука").
_LEET = str.maketrans({"3": "з", "0": "о", "6": "б", "4": "ч", "$": "с", "@": "а"})

_TRANSLIT_MULTI = (
    ("yi", "ый"), ("iy", "ий"),
    ("shch", "щ"), ("sch", "щ"), ("yo", "е"), ("jo", "е"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"),
    ("sh", "ш"), ("ts", "ц"), ("ya", "я"), ("ja", "я"), ("yu", "ю"), ("ju", "ю"), ("ye", "е"),
)
_TRANSLIT_ONE = str.maketrans({
    "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е", "z": "з", "i": "и", "j": "й",
    "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т",
    "u": "у", "f": "ф", "h": "х", "x": "х", "c": "ц", "w": "в", "q": "к", "'": "ь",
})
_Y_AFTER_VOWEL = re.compile(r"(?<=[aeiouаеиоуыэюя])y|y(?=[aeiou])")
_REPEAT_RE = re.compile(r"(.)\1+")
_CYR_RE = re.compile(r"[а-я]")
_LAT_RE = re.compile(r"[a-z]")
_DIGIT_RE = re.compile(r"\d")


def collapse_repeats(s: str) -> str:
    """"пииииздец" → "пиздец". Also merges legitimate doubles, harmless for root matching."""
    return _REPEAT_RE.sub(r"\1", s)


def transliterate(s: str) -> str:
    """Latin transliteration of Russian → Cyrillic ("blyat" → "блят", "pizdec" → "пиздец")."""
    for a, b in _TRANSLIT_MULTI:
        s = s.replace(a, b)
    s = _Y_AFTER_VOWEL.sub("й", s)
    return s.translate(_TRANSLIT_ONE).replace("y", "ы")


def deobfuscate(token: str) -> list[str]:
    """Candidate Cyrillic readings of one token, most literal first.

    - a token with a Cyrillic letter (or a single digit/@/$ among letters) gets Latin
      look-alikes and leet mapped to Cyrillic;
    - a purely Latin token gets both transliteration and look-alike mapping;
    - tokens with two or more digits are left alone ("26лет" must not become "2блет");
    - digits left at a Cyrillic word's edge are also read without ("уебок7").
    Repeated letters are collapsed in every candidate.
    """
    cands: list[str] = []
    has_cyr = _CYR_RE.search(token) is not None
    has_lat = _LAT_RE.search(token) is not None
    ndig = len(_DIGIT_RE.findall(token))
    if ndig >= 2:
        base = token
    elif has_cyr or ndig == 1 or "@" in token or "$" in token:
        base = token.translate(_LEET)
    else:
        base = token
    if has_cyr:
        cands.append(base.translate(_HOMOGLYPH).replace("і", "и") if has_lat else base)
    elif has_lat:
        cands.append(transliterate(base))
        cands.append(base.translate(_HOMOGLYPH).replace("і", "и"))
    else:
        cands.append(base)
    if has_cyr:
        # Digits that stand for no letter, stuck to a word's edge ("уебок7"): read the word alone.
        bare = cands[0].strip("0123456789")
        if bare != cands[0] and bare:
            cands.append(bare)
    out: list[str] = []
    for c in cands:
        c = collapse_repeats(c)
        if c not in out:
            out.append(c)
    return out


_MIXED_TOKEN_RE = re.compile(r"[a-zа-я]*(?:[a-z][а-я]|[а-я][a-z])[a-zа-я]*")
# A Cyrillic word with a digit or symbol for a letter ("сук@", "$ука", "0хренели").
_LEET_CHAR_RE = re.compile(r"[@$0346]")
_UNMIX_RE = re.compile(r"ъ|[a-z][а-я]|[а-я][a-z]|[а-я][@$0346]|[@$0346][а-я]")
_LEET_TOKEN_RE = re.compile(r"(?<![\w@$])[а-я]*(?:[а-я][@$0346]|[@$0346][а-я])[а-я@$0346]*(?![\w@$])")


def unmix(norm: Normalized) -> Normalized:
    """The text as the insult lexicon reads it: Latin look-alikes and digits or symbols inside
    Cyrillic words mapped to letters ("дeбил" → "дебил", "сук@" → "сука"), ъ read as ь
    ("мразъю").  One letter for one letter, so spans and the offset map stay valid."""
    text = norm.text
    if not _UNMIX_RE.search(text):  # the common case: one scan, nothing to do
        return norm
    fixed = text.replace("ъ", "ь") if "ъ" in text else text
    if _LAT_RE.search(fixed) and _CYR_RE.search(fixed):
        fixed = _MIXED_TOKEN_RE.sub(lambda m: m.group(0).translate(_HOMOGLYPH).replace("і", "и"), fixed)
    if _LEET_CHAR_RE.search(fixed):
        fixed = _LEET_TOKEN_RE.sub(lambda m: m.group(0).translate(_LEET), fixed)
    return norm if fixed == text else Normalized(norm.original, fixed, norm.offsets)


def script_mix(token: str) -> bool:
    """True for a word that mixes Cyrillic and Latin letters ("зaрaбoткa")."""
    return _CYR_RE.search(token) is not None and _LAT_RE.search(token) is not None
