"""Russian number agreement, for every count a person reads: «1 день», «3 дня», «5 дней», «11 дней», «21 день»."""

from __future__ import annotations


def plural(count: int, one: str, few: str, many: str) -> str:
    """The form of a noun after `count`: `one` (1, 21, 101…), `few` (2–4, 22–24…) or `many` (0, 5–20, 11–14…)."""
    count = abs(count)
    if count % 10 == 1 and count % 100 != 11:
        return one
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return few
    return many
