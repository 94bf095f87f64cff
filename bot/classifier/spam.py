"""Spam: advertising unrelated to the page, plus links and handles to other channels.

Each feature is an explainable piece of evidence with a weight; the classifier combines
the weights with a noisy-OR.  No single weak cue (a phone number, "пишите в личку", a
plain link) reaches the threshold alone, so a citizen leaving a hotline number or asking
to be contacted privately stays clean, while an ad that combines two cues does not.
Links to the administration's own domains are ignored entirely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import spam_model
from .hits import Hit
from .lexicon import alternation, lines
from .normalize import _HOMOGLYPH, Normalized

LABEL = "spam"

_TLDS = (r"ru|рф|su|com|net|org|io|me|info|online|site|shop|store|pro|biz|xyz|top|club|ltd|fr|cc|ly|gl|gd|to|"
         r"link|app|co|us|uk|de|tk|ga|ml|win|bet|casino|vip|fun|space|live|ws|kz|ua|by|tv|gg")
_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'«»]+"
    rf"|(?<![\w@.\-])(?:[a-zа-я0-9][a-zа-я0-9\-]*\.)+(?:{_TLDS})(?![a-zа-я0-9\-])(?:/[^\s<>\"'«»]*)?"
)
_CHANNEL_HOSTS = re.compile(
    r"^(?:t\.me|telegram\.me|telegram\.dog|vk\.me|chat\.whatsapp\.com|wa\.me|instagram\.com|discord\.gg|"
    r"youtube\.com|youtu\.be|tiktok\.com|dzen\.ru|ok\.ru|vk\.com|m\.vk\.com|vkontakte\.ru)$"
)
_SHORTENERS = re.compile(
    r"^(?:bit\.ly|clck\.ru|vk\.cc|tinyurl\.com|goo\.gl|cutt\.ly|is\.gd|t\.ly|urlz\.fr|rb\.gy|u\.to|ow\.ly|"
    r"shorturl\.at|tiny\.cc|surl\.li|bit\.do)$"
)
# A channel/group path, not a video or a single post: "/name", "/+invite", "/joinchat/..".
_CHANNEL_PATH = re.compile(r"^/(?!watch|shorts|embed|video|wall|photo|topic)[\w+@\-]")
_POST_PATH = re.compile(r"^/[\w@]+/\d+|/wall-?\d|/s/")
_OBFUSCATED_LINK = re.compile(r"(?<![a-z])t\s+\.\s*me\b|\bточка\s+(?:ру|ком|рф)\b|\bсобака\s+[a-z]")
_HANDLE_RE = re.compile(r"(?<![\w.@])@[a-z][a-z0-9_.]{3,}(?![\w@])")
_PHONE_RE = re.compile(r"(?<![\d+])(?:\+\s?7|8|7)?[\s\-(]{0,2}\d{3,5}[\s\-)]{0,2}\d{1,3}[\s\-]?\d{2}[\s\-]?\d{2}(?!\d)")
_CIVIC_RE = re.compile(
    r"горяч[а-я]+\s+лини|диспетчер|аварийн|еддс|участков|телефон\s+доверия|мфц|администраци|водоканал|"
    r"перезвон|позвон|звонил|звонила|мой\s+телефон|мой\s+номер|обращени|мошенник|не\s+отвечает|занято"
)
_MONEY_RE = re.compile(r"\d[\d\s]*(?:000|к|k|тыс[а-я.]*|руб[а-я.]*|₽|\$|usdt|р\.)(?![а-я])|\$\s?\d")
_EMOJI_RE = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\U0001F000-\U0001F2FF]")
# Latin letters that pass for lowercase Cyrillic ones ("n", "r", "i" do not: "nНу" is a lost "\\n").
_LATIN_NOT_I = re.compile(r"[aeopcxykmthbu]")
# Small capitals, IPA and Cherokee letters used to dodge filters ("Пᴏддᴇᴧьнᴀя ʙᴀᴧюᴛᴀ").
_EXOTIC_RE = re.compile("[\u0250-\u02af\u1d00-\u1dbf\u13a0-\u13ff\ua730-\ua7ff\u0370-\u03ff]")
_MIXED_RE = re.compile(r"[a-zа-я]*(?:[a-z][а-я]|[а-я][a-z])[a-zа-я]*")
# _MIXED_RE matches iff a Latin and a Cyrillic letter touch; this search is much cheaper.
_MIX_EDGE = re.compile(r"[a-z][а-я]|[а-я][a-z]")
_DIGIT_RE = re.compile(r"\d")
# A Latin letter strictly inside a Cyrillic word, or two or more Latin letters: "зaрaбoтoк", not "nНу".
_MIXED_INNER = re.compile(r"[а-я][aeopcxykmthbu]+[а-я]|[aeopcxykmthbu].*[aeopcxykmthbu]")


def _load_categories() -> list[tuple[str, float, str, str, re.Pattern[str]]]:
    cats: list[tuple[str, float, str, str, list[str]]] = []
    for line in lines("spam.txt"):
        if line.startswith("["):
            name, weight, mode, note = line[1:-1].split(" ", 3)
            cats.append((name, float(weight), mode, note, []))
        else:
            cats[-1][4].append(line)
    return [(n, w, mode, note, re.compile(r"(?<![а-яa-z0-9@_])(?:" + alternation(rx) + r")(?![а-яa-z0-9])"))
            for n, w, mode, note, rx in cats]


_CATEGORIES = _load_categories()
# The union of all categories: it matches somewhere iff at least one category does (the
# regex engine tries every alternative at every position), so one search skips the twelve
# category scans for the many comments that contain no spam words.
_ANY_CATEGORY = re.compile(r"(?<![а-яa-z0-9@_])(?:" + "|".join(rx.pattern[len(r"(?<![а-яa-z0-9@_])"):]
                                                               for *_, rx in _CATEGORIES) + ")")


def domain_of(url: str) -> str:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url).split("/", 1)[0].split("?", 1)[0]
    return host.rstrip(".,:;!)").lower()


def _is_own(host: str, own: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in own)


def deobfuscate_text(text: str) -> str:
    """Map Latin look-alikes inside mixed-script words to Cyrillic; length is preserved."""
    if not _MIX_EDGE.search(text):
        return text
    return _MIXED_RE.sub(lambda m: m.group(0).translate(_HOMOGLYPH).replace("і", "и"), text)


def _before_link(m: re.Match[str], url_spans: list[tuple[int, int]]) -> str:
    """The part of a word before a link glued to it: in "проблемуnnhttps://…" (a lost
    line break) only "проблемуnn" is judged for mixed scripts; a word inside a link is empty."""
    s, e = m.span()
    for a, b in url_spans:
        if a < e and s < b:
            e = min(e, a) if s < a else s
    return m.group(0)[: max(0, e - s)]


def find(
    norm: Normalized,
    *,
    own_domains: Iterable[str] = (),
    repeated_by: int = 0,
    claimed: list[tuple[int, int]] | None = None,
) -> list[Hit]:
    """Spam evidence.  ``claimed`` = spans already explained as disguised мат (not spam)."""
    text = norm.text
    own = tuple(d.lower().removeprefix("www.") for d in own_domains)
    hits: list[Hit] = []
    url_spans: list[tuple[int, int]] = []

    for m in _URL_RE.finditer(text):
        url = m.group(0).rstrip(".,:;!?)")
        host = domain_of(url)
        url_spans.append(m.span())
        if _is_own(host, own):
            continue
        if _SHORTENERS.match(host):
            hits.append(Hit(LABEL, "link:shortener", m.start(), m.start() + len(url), host,
                            "сокращённая ссылка", 0.7))
        elif _CHANNEL_HOSTS.match(host) and _CHANNEL_PATH.match(url.split(host, 1)[-1]):
            path = url.split(host, 1)[-1]
            post = _POST_PATH.search(path) is not None
            hits.append(Hit(LABEL, "link:channel", m.start(), m.start() + len(url), host,
                            "ссылка на сторонний канал или группу", 0.4 if post else 0.7))
        else:
            n_ext = sum(h.rule == "link:external" for h in hits)
            hits.append(Hit(LABEL, "link:external", m.start(), m.start() + len(url), host,
                            "ссылка на сторонний сайт", 0.3 if n_ext == 0 else 0.05))
    for m in _OBFUSCATED_LINK.finditer(text) if "t" in text or "точка" in text or "собака" in text else ():
        hits.append(Hit(LABEL, "link:obfuscated", m.start(), m.end(), m.group(0), "замаскированная ссылка", 0.5))
    for m in _HANDLE_RE.finditer(text):
        hits.append(Hit(LABEL, "handle", m.start(), m.end(), m.group(0),
                        "упоминание стороннего аккаунта или канала", 0.45))
    if _DIGIT_RE.search(text):
        civic = _CIVIC_RE.search(text) is not None
        for m in _PHONE_RE.finditer(text):
            if any(a <= m.start() < b for a, b in url_spans):
                continue
            digits = sum(ch.isdigit() for ch in m.group(0))
            if 10 <= digits <= 11:
                hits.append(Hit(LABEL, "phone", m.start(), m.end(), re.sub(r"\D", "", m.group(0)),
                                "номер телефона", 0.1 if civic else 0.25))
                break
        # The first amount outside a link ("t.me/+2x7o6kv" holds no "6k").
        for m in _MONEY_RE.finditer(text):
            if not any(a <= m.start() < b for a, b in url_spans):
                hits.append(Hit(LABEL, "money", m.start(), m.end(), m.group(0).strip(), "суммы денег", 0.25))
                break

    has_mix = _MIX_EDGE.search(text) is not None
    clean = deobfuscate_text(text) if has_mix else text
    for name, weight, mode, note, rx in _CATEGORIES if _ANY_CATEGORY.search(clean) else ():
        seen: set[str] = set()
        cap = 5 if mode == "each" else 3
        for m in rx.finditer(clean):
            key = m.group(0)
            if key in seen:
                continue
            seen.add(key)
            if mode == "each":  # a single foreign word in a Russian comment is weak evidence
                w = weight / 2 if len(seen) == 1 else weight
            else:
                w = weight if len(seen) == 1 else weight / 2
            hits.append(Hit(LABEL, f"lexicon:{name}", m.start(), m.end(), key, note, w))
            if len(seen) >= cap:
                break

    mixed = [m for m in (_MIXED_RE.finditer(text) if has_mix else ())
             if _LATIN_NOT_I.search(word := _before_link(m, url_spans)) and _MIXED_INNER.search(word)
             and not (claimed and any(a < m.end() and m.start() < b for a, b in claimed))]
    if mixed:
        w = 0.6 if len(mixed) >= 2 else 0.35
        for m in mixed[:3]:
            hits.append(Hit(LABEL, "mixed-script", m.start(), m.end(), m.group(0).translate(_HOMOGLYPH),
                            "слово из смеси кириллицы и латиницы", w))
            w = 0.0  # the count sets the weight once; the rest are shown as evidence
    exotic = _EXOTIC_RE.findall(text)
    if len(exotic) >= 3:
        m3 = _EXOTIC_RE.search(text)
        s0 = m3.start() if m3 else 0
        hits.append(Hit(LABEL, "exotic-letters", s0, s0 + 1, "".join(exotic[:8]),
                        "буквы из экзотических алфавитов вместо обычных", 0.6))
    emoji = _EMOJI_RE.findall(norm.original)
    if len(emoji) > 3:
        m2 = _EMOJI_RE.search(text)
        s = m2.start() if m2 else 0
        hits.append(Hit(LABEL, "emoji", s, s + 1, "".join(emoji[:5]), "много эмодзи", 0.15))
    # The statistical model reads the words; links, handles and e-mails are left to the rules.
    hits.extend(spam_model.find(text, url_spans, clean))
    if repeated_by >= 2:
        words = len(re.findall(r"[а-яa-z]{2,}", text))
        hits.append(Hit(LABEL, "repeated", 0, len(text), f"repeated_by={repeated_by}",
                        f"тот же текст от {repeated_by} других аккаунтов", 0.75 if words >= 5 else 0.3))
    return hits
