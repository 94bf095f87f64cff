"""The `[training]` section: whether the scheduler retrains weekly, and how long a new model stays in shadow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Reader

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class TrainingSettings:
    weekly: bool = False  # off by default: retraining is a decision the administration takes
    weekday: str = "sun"
    hour: int = 3
    shadow_days: int = 7  # a new model is compared beside the active one this long before anyone switches it on
    min_decisions: int = 20  # fewer usable decisions than this teach nothing and are not trained on


def parse_training(read: Reader, data: Mapping[str, Any]) -> TrainingSettings:
    raw = read.get(data, "training", dict, "", default={})
    weekly = read.get(raw, "weekly", bool, "training", False)
    weekday = read.get(raw, "weekday", str, "training", "sun")
    hour = read.get(raw, "hour", int, "training", 3)
    shadow = read.get(raw, "shadow_days", int, "training", 7)
    least = read.get(raw, "min_decisions", int, "training", 20)
    if weekday not in WEEKDAYS:
        read.problems.append(f"training.weekday: one of {', '.join(WEEKDAYS)}, got {weekday!r}")
        weekday = "sun"
    if not 0 <= hour <= 23:
        read.problems.append("training.hour: 0..23")
    if shadow < 0:
        read.problems.append("training.shadow_days: must not be negative (0 switches a new model on at once)")
    if least < 1:
        read.problems.append("training.min_decisions: must be at least 1")
    return TrainingSettings(weekly=weekly, weekday=weekday, hour=min(max(hour, 0), 23), shadow_days=max(shadow, 0),
                            min_decisions=max(least, 1))
