"""OK's error codes in plain Russian for the card, and which of them are worth retrying."""

from __future__ import annotations

TRANSIENT_CODES = frozenset({2, 8, 11, 30, 31, 704})  # SERVICE, FLOOD_BLOCKED, LIMIT_REACHED, NETWORK…

_MESSAGES = {
    1: "OK: неизвестная ошибка",
    2: "OK временно недоступен",
    3: "OK: такого метода нет",
    4: "OK: неверный запрос",
    7: "OK запретил это действие",
    8: "OK: слишком много запросов, сработала защита от флуда",
    9: "OK заблокировал запросы с этого адреса",
    10: "OK: у приложения нет разрешения на это действие (запросите права у api-support@ok.ru)",
    11: "OK: исчерпан лимит вызовов метода",
    50: "OK: владелец ключа не администратор группы",
    100: "OK: неверный параметр запроса",
    101: "OK: ключ приложения неверен — проверьте OK_APP_KEY",
    102: "OK не принял ключ доступа: он истёк или отозван — получите новый и обновите настройки",
    103: "OK: не передан ключ доступа — проверьте настройки",
    104: "OK: неверная подпись запроса — проверьте OK_APP_SECRET и ключ доступа",
    160: "OK: неверный идентификатор группы",
    200: "OK: у приложения нет нужного разрешения (GROUP_CONTENT, VALUABLE_ACCESS)",
    300: "OK: объект не найден",
    454: "OK отклонил текст (цензура)",
    455: "OK: у пользователя закрыт приём сообщений",
    456: "OK: ограничение группы",
    458: "OK: настройки приватности пользователя не позволяют это сделать",
}


def is_transient(code: int | None) -> bool:
    return code in TRANSIENT_CODES


def describe(code: int | None, ok_message: str | None = None) -> str:
    if code in _MESSAGES:
        return _MESSAGES[code]
    return f"OK вернул ошибку: {ok_message or 'без описания'}"
