"""Reading what a person typed for a registry field (in the chat or on the command line), with a plain Russian
reason when it does not fit: dates as people write them, yes/no, links, and positions that are not names.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from bot.registry.model import DATES, FIELDS, FLAGS, REQUIRED, Admin, Status

YES = {"да", "yes", "true", "1", "есть", "+"}
NO = {"нет", "no", "false", "0", "-", ""}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# "Иванов И.И.", "И. И. Иванов", or three capitalised words: a person, not a position.
_INITIALS = re.compile(r"\b[А-ЯЁ]\.\s?[А-ЯЁ]\.")
_FULL_NAME = re.compile(
    r"^[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?\s+[А-ЯЁ][а-яё]+\s+[А-ЯЁ][а-яё]+(вич|вна|ична|чна|оглы|кызы)$")
STATUS_WORDS = {s.title_ru: s for s in Status} | {s.value: s for s in Status} | {"удалён": Status.DELETED,
                                                                                 "удален": Status.DELETED}


class BadValue(ValueError):
    """What was typed does not fit the field; the message says why, in Russian."""


def parse_date(text: str, *, today: date) -> date:
    value = text.strip().lower().rstrip(".")
    if value in ("сегодня", "today"):
        return today
    if value in ("вчера", "yesterday"):
        return date.fromordinal(today.toordinal() - 1)
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise BadValue(f"Не понимаю дату «{text.strip()}». Напишите её так: 30.11.2026 (или «сегодня»).")


def parse_flag(text: str) -> bool:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise BadValue("Ответьте «да» или «нет».")


def parse_admins(text: str) -> list[Admin]:
    """"123 administrator, 456 moderator (пресс-служба)" → admins; an empty text clears the list."""
    admins = []
    for part in re.split(r"[,;\n]+", text):
        part = part.strip()
        if not part:
            continue
        note = ""
        if "(" in part and part.endswith(")"):
            part, _, note = part[:-1].partition("(")
            part, note = part.strip(), note.strip()
        words = part.split()
        if not words or not re.fullmatch(r"[A-Za-z0-9_@.:-]+", words[0]):
            raise BadValue(f"Не понимаю «{part}». Пишите так: «12345 administrator, 67890 moderator».")
        admins.append(Admin(words[0].lstrip("@"), " ".join(words[1:]), note))
    return admins


def check_responsible(text: str) -> str:
    value = " ".join(text.split())
    if _INITIALS.search(value) or _FULL_NAME.match(value):
        raise BadValue("Укажите, пожалуйста, должность, а не имя: реестр публикуется, а имя сотрудника — "
                       "персональные данные (152-ФЗ). Например: «главный специалист отдела информатизации».")
    return value


def parse_field(key: str, text: str, *, today: date) -> Any:
    """The stored value of `key` from what was typed."""
    if key not in FIELDS:
        raise BadValue(f"Нет такого поля: {key}. Поля: {', '.join(FIELDS)}.")
    if key in DATES:
        if text.strip().lower() in ("", "нет", "-", "—"):
            if key == "created_on":
                raise BadValue("Дата создания нужна: от неё считается срок сообщения в комитет.")
            return None
        return parse_date(text, today=today)
    if key in FLAGS:
        return parse_flag(text)
    if key == "admins":
        return [a.as_json() for a in parse_admins(text)]
    if key == "status":
        status = STATUS_WORDS.get(text.strip().lower())
        if status is None:
            raise BadValue("Статус: «действует», «удалён» или «архив».")
        return status.value
    value = " ".join(text.split())
    if key == "url":
        if not _URL.match(value):
            raise BadValue("Ссылка должна начинаться с https:// (например, https://t.me/adm_oktyabrsky).")
        return value
    if key == "responsible":
        return check_responsible(value)
    if key in REQUIRED and not value:
        raise BadValue(f"Поле «{FIELDS[key]}» не может быть пустым.")
    if key == "rkn_number":
        return value or None
    if len(value) > 500:
        raise BadValue(f"Слишком длинно для поля «{FIELDS[key]}»: до 500 знаков.")
    return value


def missing(values: dict[str, Any]) -> list[str]:
    """The required fields not yet given, by their Russian names."""
    return [FIELDS[key] for key in REQUIRED if not values.get(key)]
