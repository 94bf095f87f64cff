"""The content plan as people read it: `/plan` in the work chat, and an iCalendar feed for a calendar app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.publishing.model import Target
from bot.publishing.submit import page_name

if TYPE_CHECKING:
    from bot.services import Services

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
_QUERY = (
    "SELECT d.id, d.author_name, d.unit, p.due_at, p.status, p.network, p.account_id, p.url, v.text"
    " FROM publications p JOIN drafts d ON d.id = p.draft_id"
    " JOIN draft_versions v ON v.draft_id = p.draft_id AND v.version = p.version"
    " WHERE p.due_at >= $1 AND p.due_at < $2 AND p.status IN ('scheduled', 'published', 'failed', 'missed',"
    " 'uncertain') ORDER BY p.due_at, d.id, p.id"
)


def _preview(text: str, size: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


async def plan_text(services: Services, *, days: int = 7) -> str:
    """The next `days` days, by day and time: what goes out where."""
    tz = services.config.tz
    start = datetime.now(UTC)
    rows = await services.db.fetch(_QUERY, start, start + timedelta(days=days))
    if not rows:
        return f"На ближайшие {days} дней публикаций в плане нет."
    lines = [f"📅 План публикаций на {days} дней:"]
    day = None
    grouped: dict[tuple[int, datetime], list] = {}
    for row in rows:
        grouped.setdefault((row["id"], row["due_at"]), []).append(row)
    for (draft_id, due), group in grouped.items():
        local = due.astimezone(tz)
        if local.date() != day:
            day = local.date()
            lines.append(f"\n{WEEKDAYS[local.weekday()]} {local:%d.%m}")
        first = group[0]
        pages = ", ".join(page_name(services, _target(r)) for r in group)
        unit = f", {first['unit']}" if first["unit"] else ""
        mark = "" if all(r["status"] == "scheduled" for r in group) else " ⚠️" if any(
            r["status"] != "published" for r in group) else " ✅"
        lines.append(f"  {local:%H:%M} — №{draft_id} «{_preview(first['text'])}» ({first['author_name']}{unit}):"
                     f" {pages}{mark}")
    return "\n".join(lines)


def _target(row: Any) -> Target:
    return Target(row["network"], row["account_id"])


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 lines are at most 75 octets; longer ones continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > 74:
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


async def calendar(services: Services, *, host: str) -> str:
    """The plan from 30 days back to 60 ahead as iCalendar (RFC 5545), one event per draft and time."""
    now = datetime.now(UTC)
    rows = await services.db.fetch(_QUERY, now - timedelta(days=30), now + timedelta(days=60))
    grouped: dict[tuple[int, datetime], list] = {}
    for row in rows:
        grouped.setdefault((row["id"], row["due_at"]), []).append(row)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//gospablik//content plan//RU", "CALSCALE:GREGORIAN",
             "X-WR-CALNAME:Госпаблик — план публикаций"]
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for (draft_id, due), group in grouped.items():
        first = group[0]
        start = due.astimezone(UTC)
        pages = ", ".join(page_name(services, _target(r)) for r in group)
        links = " ".join(r["url"] for r in group if r["url"])
        lines += [
            "BEGIN:VEVENT",
            f"UID:draft-{draft_id}-{start:%Y%m%dT%H%M%S}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{(start + timedelta(minutes=15)):%Y%m%dT%H%M%SZ}",
            _fold(f"SUMMARY:{_escape('№' + str(draft_id) + ' ' + _preview(first['text'], 60))}"),
            _fold(f"DESCRIPTION:{_escape(first['text'][:1000] + chr(10) + chr(10) + 'Куда: ' + pages)}"
                  + (_escape("\n" + links) if links else "")),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
