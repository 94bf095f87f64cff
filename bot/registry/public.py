"""The registry as the official website publishes it: an accessible HTML page, JSON, and the open-data set.

Pure functions of the accounts and the settings. The page needs no scripts: a semantic table with a caption
and column headers, Russian as its language, a layout that turns rows into cards on a phone or at 200 % zoom,
and a print style. The open-data files follow the methodology the municipal portals use (`registry.md` §5.3):
the set in UTF-8 CSV with a header row, its structure file, and the `meta.csv` passport.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bot.registry.model import PUBLIC_COLUMNS, PublicRow, RegistryAccount, public_rows
from bot.registry.settings import RegistrySettings

STRUCTURE_VERSION = "20261130"  # when the published columns were last changed
STANDARD = "http://opendata.gosmonitor.ru/standard/3.0"
LICENCE = "https://creativecommons.org/licenses/by/4.0/deed.ru"
LICENCE_RU = "CC BY 4.0: свободное использование, в том числе в коммерческих целях, с указанием источника"
TITLE = "Реестр официальных аккаунтов"


@dataclass(frozen=True)
class Snapshot:
    """The registry at one version: what every published file is rendered from."""

    accounts: list[RegistryAccount]
    version: int
    modified: datetime | None
    first: datetime | None  # when the registry began (the open-data passport's `created`)

    @property
    def rows(self) -> list[PublicRow]:
        return public_rows(self.accounts)


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _stamp(value: datetime | date | None, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(tz).date()
    return value.strftime("%Y%m%d")


def data_name(snapshot: Snapshot, tz: ZoneInfo) -> str:
    return f"data-{_stamp(snapshot.modified, tz) or STRUCTURE_VERSION}-structure-{STRUCTURE_VERSION}.csv"


def structure_name() -> str:
    return f"structure-{STRUCTURE_VERSION}.csv"


# --- JSON ----------------------------------------------------------------------------------------


def as_json(snapshot: Snapshot, settings: RegistrySettings) -> dict[str, Any]:
    accounts = []
    for row in snapshot.rows:
        item = dict(row.values)
        for key in ("created_on", "deleted_on", "reported_on"):
            item[key] = item[key].isoformat() if item[key] else None
        item["rkn_number"] = item["rkn_number"] or None
        item["status_code"] = row.status_code
        accounts.append(item)
    return {
        "title": TITLE, "organisation": settings.organisation,
        "modified": snapshot.modified.isoformat() if snapshot.modified else None,
        "columns": [{"key": c.key, "title": c.title} for c in PUBLIC_COLUMNS],
        "accounts": accounts, "licence": LICENCE,
    }


# --- open data -----------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def data_csv(snapshot: Snapshot) -> bytes:
    rows = [[c.key for c in PUBLIC_COLUMNS]]
    rows += [[_cell(row.values[c.key]) for c in PUBLIC_COLUMNS] for row in snapshot.rows]
    return _csv(rows)


def structure_csv() -> bytes:
    """field name, its description (in Russian, with the heading the page shows), its format."""
    rows = [["field name", "english description", "russian description", "format"]]
    rows += [[c.key, c.key.replace("_", " "), f"{c.title}. {c.description}", c.format] for c in PUBLIC_COLUMNS]
    return _csv(rows)


def meta_csv(snapshot: Snapshot, settings: RegistrySettings, *, base_url: str, tz: ZoneInfo) -> bytes:
    base = base_url.rstrip("/")
    rows = [
        ["property", "value"],
        ["standardversion", STANDARD],
        ["identifier", settings.dataset_id],
        ["title", f"{TITLE} ({settings.organisation})"],
        ["description", f"{settings.organisation}: официальные страницы органа местного самоуправления и "
                        "подведомственных организаций в социальных сетях и мессенджерах — площадка, ссылка, статус, "
                        "даты создания и удаления"],
        ["creator", settings.organisation],
        ["created", _stamp(snapshot.first, tz)],
        ["modified", _stamp(snapshot.modified, tz)],
        ["subject", "официальные аккаунты,социальные сети,госпаблики"],
        ["format", "csv"],
        [data_name(snapshot, tz).removesuffix(".csv"), f"{base}/registry/{data_name(snapshot, tz)}"],
        [structure_name().removesuffix(".csv"), f"{base}/registry/{structure_name()}"],
        ["publishername", settings.organisation],
        ["publisherphone", settings.publisher_phone],
        ["publishermbox", settings.publisher_email],
        ["provenance", "Обновляется при каждом изменении реестра"],
        ["valid", ""],
        ["license", LICENCE],
    ]
    return _csv(rows)


# --- the page ------------------------------------------------------------------------------------

STYLE = """
:root { color-scheme: light; }
body { font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1a1a1a;
  margin: 0; padding: 1rem; background: #fff; }
main { max-width: 80rem; margin: 0 auto; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
p { margin: .25rem 0 .75rem; max-width: 60rem; }
.scroll { overflow-x: auto; }
.scroll:focus { outline: 3px solid #f5a300; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .5rem 0; }
th, td { border: 1px solid #b8bcc4; padding: .45rem .55rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; hyphens: auto; }
td a { color: #0b4fa8; overflow-wrap: anywhere; }
td.url { min-width: 14ch; }
td a:focus { outline: 3px solid #f5a300; outline-offset: 1px; }
tr.deleted td { color: #555; background: #f6f6f6; }
.status-deleted { font-weight: 600; }
.muted { color: #4a4a4a; font-size: .9rem; }
@media (max-width: 64rem) {
  .scroll { overflow-x: visible; }
  table, thead, tbody, tr, th, td, caption { display: block; }
  thead tr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { border: 1px solid #b8bcc4; margin: 0 0 1rem; border-radius: 6px; overflow: hidden; }
  td { border: 0; border-bottom: 1px solid #e1e4e8; }
  td::before { content: attr(data-label); display: block; font-weight: 600; font-size: .85rem; color: #333; }
}
@media print {
  body { padding: 0; font-size: 10pt; }
  a { color: #000; text-decoration: none; }
  tr { break-inside: avoid; }
  .no-print { display: none; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _td(column_key: str, title: str, row: PublicRow) -> str:
    value = row.values[column_key]
    if column_key == "url":
        href = str(value)
        shown = href.split("://", 1)[-1].rstrip("/")
        inner = (f'<a href="{escape(href)}" rel="noopener">{escape(shown)}</a>'
                 if href.lower().startswith(("https://", "http://")) else escape(href))
    elif column_key == "status":
        inner = (f'<span class="status-deleted">удалён {escape(_day(row.values["deleted_on"]))}</span>'
                 if row.deleted else escape(str(value)))
    elif isinstance(value, bool):
        inner = "да" if value else "нет"
    elif isinstance(value, date):
        inner = f'<time datetime="{value.isoformat()}">{_day(value)}</time>'
    else:
        inner = escape(str(value)) if value not in (None, "") else '<span aria-label="нет данных">—</span>'
    css = ' class="url"' if column_key == "url" else ""
    return f'<td{css} data-label="{escape(title)}">{inner}</td>'


def _table(snapshot: Snapshot) -> str:
    rows = snapshot.rows
    active = sum(1 for r in rows if not r.deleted)
    head = "".join(f'<th scope="col">{escape(c.title)}</th>' for c in PUBLIC_COLUMNS)
    body = "\n".join(
        ('<tr class="deleted">' if row.deleted else "<tr>")
        + "".join(_td(c.key, c.title, row) for c in PUBLIC_COLUMNS) + "</tr>" for row in rows)
    if not rows:
        body = f'<tr><td colspan="{len(PUBLIC_COLUMNS)}">Реестр пока пуст.</td></tr>'
    caption = f"Официальные аккаунты: действуют — {active}, удалены или в архиве — {len(rows) - active}"
    # A wide screen scrolls the table inside its box (reachable by keyboard); a narrow one stacks its rows.
    return ('<div class="scroll" role="region" aria-labelledby="registry-caption" tabindex="0">\n'
            f'<table>\n<caption id="registry-caption">{caption}</caption>\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody>\n</table>\n</div>")


def html_page(snapshot: Snapshot, settings: RegistrySettings, *, tz: ZoneInfo, embed: bool = False) -> str:
    modified = snapshot.modified.astimezone(tz) if snapshot.modified else None
    when = (f'<p class="muted">Сведения актуальны на <time datetime="{modified.date().isoformat()}">'
            f'{modified.strftime("%d.%m.%Y")}</time>.</p>' if modified else "")
    organisation = escape(settings.organisation)
    if embed:
        content = f"{_table(snapshot)}\n{when}"
    else:
        files = (f'<a href="registry/{data_name(snapshot, tz)}">набор данных (CSV)</a>, '
                 f'<a href="registry/{structure_name()}">структура набора</a>, '
                 '<a href="registry/meta.csv">паспорт набора</a>, <a href="registry.json">JSON</a>')
        content = (f"<h1>{TITLE}</h1>\n<p>{organisation}: официальные страницы органа местного самоуправления и "
                   "подведомственных организаций в социальных сетях и мессенджерах (Федеральный закон от 09.02.2009 "
                   "№ 8-ФЗ).</p>\n"
                   f"{when}\n{_table(snapshot)}\n"
                   f'<section class="no-print" aria-labelledby="open-data">\n<h2 id="open-data">Открытые данные</h2>\n'
                   f"<p>Реестр в машиночитаемом виде: {files}.</p>\n<p>Условия использования: {LICENCE_RU} "
                   f'(<a href="{LICENCE}" rel="license noopener">текст лицензии</a>).</p>\n</section>')
    return ('<!DOCTYPE html>\n<html lang="ru">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="icon" href="data:,">\n'  # no icon of its own: the browser asks no /favicon.ico
            f"<title>{TITLE} — {organisation}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<main>\n{content}\n</main>\n</body>\n</html>\n")
