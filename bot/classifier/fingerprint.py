"""Fingerprint for "the same text posted by several accounts".

Robust to case, punctuation, emoji, digits (phone numbers and prices vary between copies),
Latin look-alike letters, repeated letters and word order: the fingerprint is a short hash
of the sorted set of normalised words of 3+ letters.
"""

from __future__ import annotations

import hashlib
import re

from .normalize import collapse_repeats, normalize
from .spam import deobfuscate_text

_WORD_RE = re.compile(r"[а-яa-z]{3,}")


def fingerprint(text: str) -> str:
    norm = normalize(text)
    words = sorted(set(_WORD_RE.findall(collapse_repeats(deobfuscate_text(norm.text)))))
    digest = hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=10).hexdigest()
    return "fp1:" + digest
