"""Times as people type them in a chat: «10:00», «завтра 9:30», «01.12 18:00», «1.12.2026 10:00».

A time without a date means today if it is still ahead, tomorrow otherwise. Everything is read in the
deployment's time zone, and a time in the past is refused rather than guessed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_TIME = re.compile(r"(?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d)")
_DATE = re.compile(r"(?P<d>[0-3]?\d)\.(?P<mo>[01]?\d)(?:\.(?P<y>\d{4}|\d{2}))?")
_WORDS = {"сегодня": 0, "завтра": 1, "послезавтра": 2}


def parse_when(text: str, *, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The moment `text` names, or None when it names none (or one already past)."""
    lowered = " " + text.strip().lower() + " "
    local_now = now.astimezone(tz)
    day: date | None = None
    for word, shift in _WORDS.items():
        if f" {word} " in lowered:
            day = local_now.date() + timedelta(days=shift)
            lowered = lowered.replace(word, " ")
    found_date = None
    for match in _DATE.finditer(lowered):
        if match.group("y") or not _TIME.fullmatch(match.group(0).replace(".", ":")):
            found_date = match
            break
    if found_date is not None:
        year = found_date.group("y")
        full_year = int(year) + (2000 if year and len(year) == 2 else 0) if year else local_now.year
        try:
            day = date(full_year, int(found_date.group("mo")), int(found_date.group("d")))
        except ValueError:
            return None
        if not year and day < local_now.date():
            day = date(full_year + 1, day.month, day.day)  # «01.01» typed in December means next year
        lowered = lowered[: found_date.start()] + " " + lowered[found_date.end():]
    clock = _TIME.search(lowered)
    if clock is None:
        return None
    at = time(int(clock.group("h")), int(clock.group("m")))
    if day is None:
        day = local_now.date()
        if datetime.combine(day, at, tz) <= local_now:
            day += timedelta(days=1)
    moment = datetime.combine(day, at, tz)
    return moment if moment > local_now else None


def presets(now: datetime, tz: ZoneInfo) -> list[tuple[str, datetime]]:
    """The ready-made choices of «Одобрить на время…»: later today, and tomorrow morning, noon and evening."""
    local = now.astimezone(tz)
    today, tomorrow = local.date(), local.date() + timedelta(days=1)
    found = [(f"Сегодня {h:02d}:00", datetime.combine(today, time(h), tz)) for h in (12, 15, 18)
             if datetime.combine(today, time(h), tz) > local + timedelta(minutes=10)][:2]
    found += [(f"Завтра {h:02d}:00", datetime.combine(tomorrow, time(h), tz)) for h in (9, 12, 18)]
    return found


def shown(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")
