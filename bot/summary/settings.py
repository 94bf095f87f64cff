"""The `[reports]` section: when the day's summary goes to the work chat, and on which day the week's does."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Reader

WEEKDAYS = {"пн": 0, "вт": 1, "ср": 2, "чт": 3, "пт": 4, "сб": 5, "вс": 6,
            "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class ReportSettings:
    enabled: bool = True
    daily_at: time = time(17, 30)  # working days only, by the production calendar
    weekly_on: int = 4  # Friday: the week's summary with its chart comes with that day's


def parse_reports(read: Reader, data: Mapping[str, Any]) -> ReportSettings:
    raw = read.get(data, "reports", dict, "", default={})
    enabled = read.get(raw, "enabled", bool, "reports", True)
    at = read.get(raw, "daily_at", str, "reports", "17:30")
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", at)
    if match is None:
        read.problems.append(f"reports.daily_at: a time like \"17:30\", got {at!r}")
        match = re.fullmatch(r"(\d+):(\d+)", "17:30")
    assert match is not None
    day = read.get(raw, "weekly_on", str, "reports", "пт").strip().lower()
    if day not in WEEKDAYS:
        read.problems.append(f"reports.weekly_on: a weekday (пн … вс, or mon … sun), got {day!r}")
        day = "пт"
    return ReportSettings(enabled=enabled, daily_at=time(int(match.group(1)), int(match.group(2))),
                          weekly_on=WEEKDAYS[day])
