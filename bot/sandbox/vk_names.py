"""Deterministic Russian names for VK users the sandbox was not told about.

The demo shows `users.get` results in the work chat; a stable, plausible name per id reads better than
"User 123".
"""

from __future__ import annotations

import hashlib

_MALE_FIRST = (
    "Александр",
    "Дмитрий",
    "Максим",
    "Сергей",
    "Андрей",
    "Алексей",
    "Артём",
    "Илья",
    "Кирилл",
    "Михаил",
    "Никита",
    "Евгений",
    "Иван",
    "Владимир",
    "Павел",
    "Роман",
    "Олег",
    "Виктор",
)
_FEMALE_FIRST = (
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Екатерина",
    "Светлана",
    "Юлия",
    "Анастасия",
    "Дарья",
    "Марина",
    "Людмила",
    "Галина",
    "Ксения",
    "Вера",
    "Полина",
)
_SURNAMES = (
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
)


def _feminine(surname: str) -> str:
    return surname + "а"


def generated_user(user_id: int) -> dict:
    """`{"id","first_name","last_name","sex"}` derived from a hash of the id (same id → same person)."""
    digest = hashlib.sha256(str(user_id).encode()).digest()
    female = digest[0] % 2 == 1
    first_names = _FEMALE_FIRST if female else _MALE_FIRST
    surname = _SURNAMES[digest[2] % len(_SURNAMES)]
    return {
        "id": user_id,
        "first_name": first_names[digest[1] % len(first_names)],
        "last_name": _feminine(surname) if female else surname,
        "sex": 1 if female else 2,
    }
