"""The Russian production calendar, offline: which days are worked, for deadlines counted in working days.

Federal days off and transfers come from the `holidays` package (correct for 2025–2027, see
`calendar-and-deadlines.md` §3.2); shortened days and regional days off from `ru.toml` beside this file.
"""

from __future__ import annotations

import logging
import tomllib
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import holidays

log = logging.getLogger(__name__)
DATA = Path(__file__).with_name("ru.toml")


@cache
def _data() -> dict[str, Any]:
    return tomllib.loads(DATA.read_text(encoding="utf-8"))


class ProductionCalendar:
    def __init__(self, region: str | None = None) -> None:
        self.region = region
        self._federal = holidays.country_holidays("RU")
        self._warned: set[int] = set()

    def _year(self, year: int) -> dict[str, Any]:
        return _data().get(str(year), {})

    def _regional_days_off(self, year: int) -> set[date]:
        if not self.region:
            return set()
        days = self._year(year).get("regions", {}).get(self.region, {}).get("days_off", [])
        return {date.fromisoformat(d) for d in days}

    def is_working_day(self, day: date) -> bool:
        if day in self._regional_days_off(day.year):
            return False
        return bool(self._federal.is_working_day(day))

    def is_shortened(self, day: date) -> bool:
        year = self._year(day.year)
        if "shortened" not in year and day.year not in self._warned:
            self._warned.add(day.year)
            log.warning("production calendar: shortened days of %s unknown (add them to %s)", day.year, DATA)
        return day.isoformat() in year.get("shortened", [])

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` ("within 3 working days" of an event on `start`)."""
        day = start
        left = count
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day
