"""The day's summary card and the week's chart, sent once each (a row in `summaries` is the proof), at the end of
working days by the production calendar."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.russian import plural
from bot.summary import figures
from bot.summary.chart import week_png
from bot.workchat.chat import WorkChatError
from bot.workdays import ProductionCalendar

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def _plural(n: int, one: str, few: str, many: str) -> str:
    return f"{n} {plural(n, one, few, many)}"


def daily_text(f: figures.Figures, day: date, *, tz: object, link: str | None, week: bool = False) -> str:
    decided = f.decided
    came = _plural(f.received, "комментарий или сообщение", "комментария и сообщения", "комментариев и сообщений")
    kept = decided.get("approve", 0) + decided.get("handled", 0)
    lines = [f"📊 Итоги недели по {day:%d.%m.%Y}" if week else f"📊 Итоги дня, {day:%d.%m.%Y}",
             f"Пришло: {came}, из них с метками классификатора — {f.flagged}.",
             f"Удалено: {decided.get('delete', 0)}, заблокировано авторов: {decided.get('ban', 0)}, "
             f"оставлено: {kept}, отвечено: {decided.get('reply', 0)}.",
             f"Ждут решения сейчас: {f.open_now}."]
    if f.oldest is not None:
        since = f.oldest.first_seen_at.astimezone(tz).strftime("%d.%m %H:%M")  # type: ignore[arg-type]
        preview = " ".join(f.oldest.text.split())[:80] or "(без текста)"
        lines.append(f"Самое давнее с {since}: «{preview}»" + (f" — {link}" if link else ""))
    return "\n".join(lines)


def _local_day(day: date, tz: object) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tz)  # type: ignore[arg-type]
    return start, start + timedelta(days=1)


async def _claim(services: Services, kind: str, day: date) -> bool:
    return await services.db.fetchval(
        "INSERT INTO summaries (kind, day) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true", kind, day) or False


async def _release(services: Services, kind: str, day: date) -> None:
    await services.db.execute("DELETE FROM summaries WHERE kind = $1 AND day = $2", kind, day)


async def daily(services: Services, *, day: date | None = None, force: bool = False) -> bool:
    """The day's summary; `force` sends it again (the `/summary` command), whatever the calendar says."""
    config = services.config
    tz = config.tz
    day = day or datetime.now(tz).date()
    if not force and not ProductionCalendar(config.registry.region).is_working_day(day):
        return False
    if not force and not await _claim(services, "daily", day):
        return False
    start, end = _local_day(day, tz)
    async with services.db.connection() as conn:
        found = await figures.period(conn, start, end)
    link = services.workchat.message_link(found.oldest.message_id) if found.oldest and found.oldest.message_id \
        else None
    try:
        await services.workchat.say(daily_text(found, day, tz=tz, link=link), chat_id=services.workchat.chat_id)
    except WorkChatError as exc:
        log.error("the day's summary was not delivered: %s", exc)
        if not force:
            await _release(services, "daily", day)
        return False
    if not force and day.weekday() >= config.reports.weekly_on:
        await weekly(services, day=day)
    return True


async def weekly(services: Services, *, day: date, force: bool = False) -> bool:
    """The week ending `day`, once per calendar week (keyed by its Monday), with the chart."""
    tz = services.config.tz
    monday = day - timedelta(days=day.weekday())
    if not force and not await _claim(services, "weekly", monday):
        return False
    first = day - timedelta(days=6)
    start, _ = _local_day(first, tz)
    _, end = _local_day(day, tz)
    async with services.db.connection() as conn:
        found = await figures.period(conn, start, end)
        days = await figures.by_day(conn, start, end, services.config.timezone)
    picture = week_png(days, first, title=f"Неделя {first:%d.%m} — {day:%d.%m.%Y}: что пришло и что решено")
    try:
        await services.workchat.send_picture(f"week-{day:%Y%m%d}.png", picture,
                                             caption=daily_text(found, day, tz=tz, link=None, week=True))
    except WorkChatError as exc:
        log.error("the week's summary was not delivered: %s", exc)
        if not force:
            await _release(services, "weekly", monday)
        return False
    return True
