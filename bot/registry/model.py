"""An official account as the registry keeps it, and the columns the public sees (`registry.md` §5.2).

The registry is a public record about the administration, not about people: the responsible is a position,
and who administers a page (`admins`) stays internal — it is for the security check, never published.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

# Choices offered when an account is added by hand, after the served networks' own names (which their platforms
# give); any other word is accepted too. `[registry] other_networks` replaces this list.
OTHER_NETWORKS = ("Telegram", "MAX", "Дзен", "Rutube", "Блог", "Другая")
KINDS = ("сообщество", "группа", "страница", "канал", "чат", "бот", "блог")


class Status(enum.StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"
    ARCHIVED = "archived"

    @property
    def title_ru(self) -> str:
        return {"active": "действует", "deleted": "удалён", "archived": "архив"}[self.value]


@dataclass(frozen=True)
class Admin:
    """Someone who should have access to the page: the network's user id and the role they should hold."""

    user_id: str
    role: str = ""
    note: str = ""  # internal: whose account it is ("ведущий специалист пресс-службы")

    def as_json(self) -> dict[str, str]:
        return {"user_id": self.user_id, "role": self.role, "note": self.note}


@dataclass(frozen=True)
class RegistryAccount:
    id: int
    unit: str
    network: str
    kind: str
    name: str
    url: str
    identifier: str = ""
    gov_mark: bool = False
    created_on: date | None = None
    deleted_on: date | None = None
    status: Status = Status.ACTIVE
    responsible: str = ""
    reported_on: date | None = None
    rkn_number: str | None = None
    regional: bool = False
    platform: str | None = None
    account_id: int | None = None
    admins: tuple[Admin, ...] = ()
    version: int = 1
    updated_at: datetime | None = None

    @property
    def served(self) -> bool:
        """A page this service serves (from the configuration), as against one kept by hand."""
        return self.platform is not None

    @property
    def deleted(self) -> bool:
        return self.status is Status.DELETED


# What can be changed, by its column, with its Russian name (the chat form, the CLI and the history speak these).
FIELDS: dict[str, str] = {
    "unit": "Орган / подразделение",
    "network": "Площадка",
    "kind": "Тип",
    "name": "Наименование",
    "url": "Ссылка",
    "identifier": "Идентификатор",
    "gov_mark": "Отметка «Госорганизация»",
    "created_on": "Дата создания",
    "deleted_on": "Дата удаления",
    "status": "Статус",
    "responsible": "Ответственное лицо (должность)",
    "reported_on": "Дата направления сведений в комитет",
    "rkn_number": "Номер в перечне РКН",
    "regional": "Аккаунт регионального органа",
    "admins": "Администраторы (внутренний список)",
}
DATES = ("created_on", "deleted_on", "reported_on")
FLAGS = ("gov_mark", "regional")
REQUIRED = ("unit", "network", "kind", "name", "url")


def from_row(row: asyncpg.Record) -> RegistryAccount:
    admins = tuple(Admin(str(a.get("user_id", "")), a.get("role", ""), a.get("note", ""))
                   for a in (row["admins"] or []) if isinstance(a, dict))
    return RegistryAccount(
        id=row["id"], unit=row["unit"], network=row["network"], kind=row["kind"], name=row["name"], url=row["url"],
        identifier=row["identifier"], gov_mark=row["gov_mark"], created_on=row["created_on"],
        deleted_on=row["deleted_on"], status=Status(row["status"]), responsible=row["responsible"],
        reported_on=row["reported_on"], rkn_number=row["rkn_number"], regional=row["regional"],
        platform=row["platform"], account_id=row["account_id"], admins=admins, version=row["version"],
        updated_at=row["updated_at"])


def as_record(account: RegistryAccount) -> dict[str, Any]:
    """Every field, JSON-ready: the history's before/after."""
    return {
        "unit": account.unit, "network": account.network, "kind": account.kind, "name": account.name,
        "url": account.url, "identifier": account.identifier, "gov_mark": account.gov_mark,
        "created_on": _iso(account.created_on), "deleted_on": _iso(account.deleted_on),
        "status": account.status.value, "responsible": account.responsible,
        "reported_on": _iso(account.reported_on), "rkn_number": account.rkn_number, "regional": account.regional,
        "admins": [a.as_json() for a in account.admins],
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # the Russian heading
    description: str  # for the open-data structure file
    format: str = "string"


# The published columns, in order: the HTML table, the JSON, the CSV and its structure file agree on these.
PUBLIC_COLUMNS: tuple[Column, ...] = (
    Column("number", "№ п/п", "Порядковый номер записи", "integer"),
    Column("unit", "Орган / подразделение", "Орган местного самоуправления или подведомственная организация, "
           "которой принадлежит аккаунт"),
    Column("network", "Площадка", "Социальная сеть, мессенджер или платформа"),
    Column("kind", "Тип", "Тип аккаунта: сообщество, страница, канал, чат, бот, блог"),
    Column("name", "Наименование", "Наименование аккаунта на площадке"),
    Column("url", "Ссылка", "Адрес аккаунта в сети Интернет", "url"),
    Column("identifier", "Идентификатор", "Числовой идентификатор или короткое имя аккаунта на площадке"),
    Column("gov_mark", "Отметка «Госорганизация»", "Аккаунт подтверждён через Госуслуги (да/нет)", "boolean"),
    Column("created_on", "Дата создания", "Дата создания аккаунта (ГГГГ-ММ-ДД)", "date"),
    Column("deleted_on", "Дата удаления", "Дата удаления аккаунта, если он удалён (ГГГГ-ММ-ДД)", "date"),
    Column("status", "Статус", "Статус аккаунта: действует, удалён, архив"),
    Column("responsible", "Ответственное лицо", "Должность ответственного за ведение аккаунта"),
    Column("reported_on", "Дата направления сведений в комитет",
           "Дата направления сведений в комитет информации и печати (ГГГГ-ММ-ДД)", "date"),
    Column("rkn_number", "Номер в перечне РКН", "Номер записи в перечне Роскомнадзора, если есть"),
)


@dataclass(frozen=True)
class PublicRow:
    """One published row: only the public columns, already in words."""

    values: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False
    status_code: str = Status.ACTIVE.value


def public_rows(accounts: list[RegistryAccount]) -> list[PublicRow]:
    """Active accounts first, then deleted and archived ones, each group in the order they were added."""
    ordered = sorted(accounts, key=lambda a: (a.status is not Status.ACTIVE, a.id))
    rows = []
    for number, account in enumerate(ordered, start=1):
        rows.append(PublicRow({
            "number": number, "unit": account.unit, "network": account.network, "kind": account.kind,
            "name": account.name, "url": account.url, "identifier": account.identifier,
            "gov_mark": account.gov_mark, "created_on": account.created_on, "deleted_on": account.deleted_on,
            "status": account.status.title_ru, "responsible": account.responsible,
            "reported_on": account.reported_on, "rkn_number": account.rkn_number or "",
        }, deleted=account.deleted, status_code=account.status.value))
    return rows
