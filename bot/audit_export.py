"""The audit trail as a head of department reads it: Russian columns and actions («удалено», «бан на 7 дней»,
«отказано: не модератор»), times in the service's time zone, filters by period, page, person and action, in a CSV
that Excel opens as it is (UTF-8 with BOM, ";") or an XLSX workbook.

`gospablik audit export --format raw` keeps the machine-readable form (`bot.audit.export_csv`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.audit import _cell
from bot.db import Database

COLUMNS = ("№", "Дата и время", "Кто", "Действие", "Итог", "Страница", "Элемент", "Текст", "Подробности")
RESULTS = {"ok": "выполнено", "refused": "отказано", "error": "ошибка", "queued": "поставлено в очередь",
           "cancelled": "отменено", "stored": "сохранено", "dry_run": "режим проверки"}
REFUSALS = {"role may not press": "нет прав на это действие", "unknown or foreign button": "недействительная кнопка",
            "malformed button": "поддельная кнопка", "anonymous administrator": "анонимный администратор",
            "own draft": "своя публикация"}
ACTIONS = {
    "delete": "удалено", "restore": "восстановлено", "approve": "оставлено", "handled": "обработано",
    "unban": "блокировка снята", "reply": "ответ отправлен", "reply_approved": "ответ одобрен",
    "reply_rejected": "ответ отклонён", "reply_proposed": "ответ предложен", "press": "нажатие кнопки",
    "message": "сообщение в рабочем чате", "event_received": "событие получено",
    "event_processed": "событие обработано",
    "publish": "публикация", "published": "опубликовано", "unpublish": "публикация удалена",
    "draft_submitted": "публикация отправлена на согласование", "draft_approve": "публикация одобрена",
    "draft_return": "публикация возвращена на доработку", "draft_reject": "публикация отклонена",
    "draft_withdrawn": "публикация отозвана", "staff_add": "сотрудник добавлен", "staff_remove": "доступ снят",
    "staff_role": "роли изменены", "staff_unit": "отдел изменён", "template_add": "шаблон добавлен",
    "template_edit": "шаблон изменён", "template_remove": "шаблон удалён",
    "registry_added": "аккаунт добавлен в реестр",
    "registry_edited": "запись реестра изменена", "registry_deleted": "аккаунт отмечен удалённым",
    "registry_found": "страница внесена в реестр", "registry_letter": "письмо в комитет сформировано",
    "registry_report_sent": "сообщение в комитет отправлено", "security_tick": "отметка безопасности",
}


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    network: str | None = None
    account_id: int | None = None
    staff: str | None = None  # a name (any part of it) or an id as the audit names it ("tg:111", or "111")
    action: str | None = None


def action_ru(row: Any) -> str:
    action, detail = row["action"], row["detail"] or {}
    if action == "ban":
        days = (detail.get("params") or {}).get("days")
        return f"бан на {days} дн." if days else "бан навсегда"
    if action.startswith("decided:"):
        return "решение: " + ACTIONS.get(action.split(":", 1)[1], action)
    if row["result"] == "refused":
        why = REFUSALS.get(str(detail.get("reason", "")), str(detail.get("reason") or ""))
        return f"отказано: {why}" if why else "отказано"
    return ACTIONS.get(action, action)


def _query(filters: Filters) -> tuple[str, list[Any]]:
    where, args = [], []

    def add(sql: str, value: Any) -> None:
        args.append(value)
        where.append(sql.format(f"${len(args)}"))

    if filters.since:
        add("at >= {}", filters.since)
    if filters.until:
        add("at < {}", filters.until)
    if filters.network:
        add("network = {}", filters.network)
    if filters.account_id is not None:
        add("account_id = {}", filters.account_id)
    if filters.action:
        add("action = {}", filters.action)
    if filters.staff:
        staff = filters.staff.strip()
        if staff.isdigit():
            add("actor LIKE '%:' || {}", staff)
        elif ":" in staff:
            add("actor = {}", staff)
        else:
            add("actor_name ILIKE '%' || {} || '%'", staff)
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
    return sql, args


async def rows(db: Database, filters: Filters, tz: ZoneInfo) -> AsyncIterator[list[Any]]:
    import json

    sql, args = _query(filters)
    async with db.transaction() as conn:
        async for row in conn.cursor(sql, *args):
            page = f"{row['network']}:{row['account_id']}" if row["network"] else ""
            who = row["actor_name"] or row["actor"]
            detail = row["detail"] or {}
            yield [row["id"], row["at"].astimezone(tz).strftime("%d.%m.%Y %H:%M:%S"), who, action_ru(row),
                   RESULTS.get(row["result"], row["result"]), page, row["item_id"] or "",
                   row["original_text"] or "", json.dumps(detail, ensure_ascii=False) if detail else ""]


async def write_csv(db: Database, out: Any, filters: Filters, tz: ZoneInfo) -> int:
    """UTF-8 with a BOM and ";" between fields: what Excel in a Russian locale opens without an import wizard."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, delimiter=";")
    writer.writerow(COLUMNS)
    count = 0
    async for values in rows(db, filters, tz):
        writer.writerow([_cell(v) for v in values])
        count += 1
    text.flush()
    text.detach()
    return count


async def write_xlsx(db: Database, out: Any, filters: Filters, tz: ZoneInfo) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = "Журнал"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    async for values in rows(db, filters, tz):
        sheet.append([_cell(v) for v in values])
        count += 1
    for column, width in zip("ABCDEFGHI", (8, 20, 24, 34, 14, 20, 10, 60, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    book.save(out)
    return count
