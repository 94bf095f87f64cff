"""`gospablik secrets check`: what is wrong with the secrets in the environment, without calling anyone.

Weak webhook secrets (short, few distinct characters, a dictionary word), one value reused in two places (one leak
opens both), a value of the wrong kind in a variable (a bot token where a webhook secret belongs), a value that
does not look like its kind, and leftovers for pages no longer configured. Each platform declares its variables
(`SecretSpec`), so this module knows no network.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

WEAK_WORDS = ("secret", "password", "passwd", "qwerty", "123456", "admin", "gospablik", "changeme", "test", "example",
              "секрет", "пароль")
MIN_LENGTH = 16
MIN_BITS = 72.0


@dataclass(frozen=True)
class SecretSpec:
    """A kind of variable: its name (or prefix, for one per page), what it is, and what its values look like."""

    name: str  # "VK_SECRET_" with `per_account`, or a whole name
    what: str  # "Callback API secret", as the report names it
    chosen: bool  # a secret we choose (webhook secrets): judged for strength; tokens are issued by the network
    shape: re.Pattern[str] | None = None
    per_account: bool = False

    def owns(self, variable: str) -> str | None:
        """The account id part of `variable` if it is of this kind ("" for a whole name), else None."""
        if self.per_account:
            rest = variable.removeprefix(self.name)
            return rest if rest != variable and re.fullmatch(r"-?\d+", rest) else None
        return "" if variable == self.name else None


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning"
    variable: str
    message: str

    def line(self) -> str:
        return f"{self.level.upper():7} {self.variable}: {self.message}"


def strength_bits(value: str) -> float:
    """A rough upper bound of the entropy: length × log2 of the alphabet the characters are drawn from."""
    alphabet = 0
    for pattern, size in ((r"[a-z]", 26), (r"[A-Z]", 26), (r"[0-9]", 10), (r"[^A-Za-z0-9]", 33)):
        if re.search(pattern, value):
            alphabet += size
    return len(value) * math.log2(alphabet) if alphabet else 0.0


def _weakness(value: str) -> str | None:
    lowered = value.lower()
    if len(value) < MIN_LENGTH:
        return f"only {len(value)} characters (use at least {MIN_LENGTH}, e.g. `openssl rand -hex 24`)"
    if len(set(value)) < 8:
        return "too few distinct characters"
    word = next((w for w in WEAK_WORDS if w in lowered), None)
    if word:
        return f"contains the guessable word {word!r}"
    if strength_bits(value) < MIN_BITS:
        return f"about {strength_bits(value):.0f} bits of entropy (want at least {MIN_BITS:.0f})"
    return None


# The service's own.
CORE = (SecretSpec("GOSPABLIK_CALENDAR_SECRET", "calendar feed secret", chosen=True),)


def check(env: Mapping[str, str], specs: Iterable[SecretSpec], *, configured: set[str]) -> list[Finding]:
    """`configured`: the account ids of the pages in the configuration, as text."""
    specs = list(specs)
    found: list[tuple[str, SecretSpec, str, str]] = []  # (variable, spec, account, value)
    for variable, value in sorted(env.items()):
        for spec in specs:
            account = spec.owns(variable)
            if account is not None and value.strip():
                found.append((variable, spec, account, value.strip()))
                break
    findings: list[Finding] = []
    by_value: dict[str, list[str]] = {}
    for variable, spec, account, value in found:
        by_value.setdefault(value, []).append(variable)
        if spec.per_account and account not in configured:
            findings.append(Finding("warning", variable, f"no page {account} is configured: a leftover {spec.what}; "
                                                         "remove it from the environment"))
        other = next((s for s in specs if s is not spec and s.shape is not None and s.shape.fullmatch(value)
                      and not (spec.shape is not None and spec.shape.fullmatch(value))), None)
        if other is not None:
            findings.append(Finding("error", variable, f"holds what looks like a {other.what}, not a {spec.what}"))
        elif spec.shape is not None and not spec.shape.fullmatch(value):
            findings.append(Finding("warning", variable, f"does not look like a {spec.what}"))
        if spec.chosen and (weak := _weakness(value)):
            findings.append(Finding("error", variable, f"weak {spec.what}: {weak}"))
    for variables in by_value.values():
        if len(variables) > 1:
            findings += [Finding("error", v, "the same value is also in " + ", ".join(x for x in variables if x != v)
                                 + ": one leak would open both") for v in variables]
    return findings
