"""Where the registry's cards are drawn: a report to the committee, and the lines of the registry in the chat.

Pure functions of the stored state, like every other card.
"""

from __future__ import annotations

from datetime import date

from bot.registry.model import RegistryAccount
from bot.registry.reports import Report, ReportStatus
from bot.russian import plural
from bot.workchat.model import Button, Card, Lines, Span, bold, italic, link, plain


def days_word(days: int) -> str:
    return f"{abs(days)} {plural(days, 'день', 'дня', 'дней')}"


def when_due(report: Report, today: date) -> str:
    left = report.days_left(today)
    if left > 1:
        return f"осталось {days_word(left)}"
    if left == 1:
        return "остался 1 день"
    if left == 0:
        return "срок сегодня"
    return f"🔴 просрочено на {days_word(left)}"


def account_line(account: RegistryAccount) -> list[Span]:
    title = f"{account.network} · {account.kind} «{account.name}»"
    return [link(title, account.url)] if account.url.startswith(("https://", "http://")) else [plain(title)]


def report_card(report: Report, *, today: date) -> Card:
    account = report.account
    lines = Lines()
    event = "создан аккаунт" if report.event == "created" else "удалён аккаунт"
    lines.line(bold(f"📮 Сообщение в комитет: {event}"))
    lines.line(*account_line(account))
    lines.line(plain(f"Орган: {account.unit}"))
    lines.line(plain(f"{'Создан' if report.event == 'created' else 'Удалён'}: {report.event_on:%d.%m.%Y}"))
    if report.status is ReportStatus.SENT:
        number = f", исх. № {report.outgoing_number}" if report.outgoing_number else ""
        lines.line(plain(f"Срок был до {report.due_on:%d.%m.%Y}."))
        lines.blank().line(plain(f"✅ Отправлено {report.sent_on:%d.%m.%Y}{number}"
                                 + (f" ({report.decided_by})" if report.decided_by else "")))
        return Card(lines.text())
    if report.status is ReportStatus.CANCELLED:
        lines.blank().line(italic("Сообщение не требуется (отменено)."))
        return Card(lines.text())
    lines.line(bold(f"Срок: до {report.due_on:%d.%m.%Y} — {when_due(report, today)}"),
               plain(" (10 календарных дней)"))
    if report.regional_due_on:
        lines.line(plain(f"Региональный порядок: 3 рабочих дня — до {report.regional_due_on:%d.%m.%Y}"))
    if report.menu == "sent":
        lines.blank().line(italic("Ответьте на эту карточку датой и исходящим номером письма, например "
                                  "«01.12.2026 № 01-15/342». Без даты — считаем, что отправлено сегодня."))
        return Card(lines.text(), ((Button("✖️ Отмена", "report_menu_close"),),))
    return Card(lines.text(), ((Button("📄 Сформировать сообщение", "report_letter"),
                                Button("✅ Отправлено", "report_sent")),))
