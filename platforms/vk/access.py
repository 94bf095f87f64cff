"""The daily look at a VK community's credentials and administrators (regulation cl. 1.2.3).

The community token is asked `groups.getTokenPermissions` (community tokens only), the administrator's user token
`account.getAppPermissions` (user tokens only): each call both proves the token alive and says what it may do.
The community's managers come from `groups.getMembers` with `filter=managers`.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.config import Account
from bot.platform import Credential, Manager, PlatformError
from platforms.vk.client import VkApi
from platforms.vk.config import VkCommunity

# What the service does with each token, and the right it needs for it.
GROUP_RIGHTS = {"manage": "управление сообществом (настройки Callback API)",
                "messages": "сообщения сообщества (ответы жителям)"}
USER_SCOPES = {"groups": (262144, "сообщества (баны)"), "wall": (8192, "стена (удаление комментариев, публикации)"),
               "photos": (4, "фотографии (загрузка к публикациям)")}
ROLE_RU = {"creator": "владелец", "administrator": "администратор", "editor": "редактор", "moderator": "модератор",
           "advertiser": "рекламодатель"}


def _unreachable(key: str, title: str, exc: PlatformError) -> Credential:
    return Credential(key, title, valid=False, unchecked=True, problem_ru=f"не удалось проверить: {exc.for_card()}")


async def check(api: VkApi, account: Account) -> list[Credential]:
    community: VkCommunity = account.settings
    return [await _group_token(api, account), await _user_token(api, account, community)]


async def _group_token(api: VkApi, account: Account) -> Credential:
    key, title = f"vk:{account.id}:group", f"ключ доступа сообщества ВКонтакте «{account.name}»"
    advice = (f"Создайте новый ключ в настройках сообщества (Управление → Работа с API) с правами "
              f"{', '.join(GROUP_RIGHTS)} и запишите его в переменную VK_GROUP_TOKEN_{account.id}, затем "
              "перезапустите сервис.")
    try:
        found = await api.call(account.id, "group", "groups.getTokenPermissions", {})
    except PlatformError as exc:
        if exc.transient:
            return _unreachable(key, title, exc)
        return Credential(key, title, valid=False, problem_ru=exc.for_card(), advice_ru=advice)
    names = {p.get("name") for p in found.get("permissions") or [] if isinstance(p, dict)}
    missing = [why for right, why in GROUP_RIGHTS.items() if right not in names]
    rights = ", ".join(sorted(n for n in names if n))
    if missing:
        return Credential(key, title, valid=False, rights_ru=rights, advice_ru=advice,
                          problem_ru="у ключа нет прав: " + "; ".join(missing))
    return Credential(key, title, valid=True, rights_ru=rights)


async def _user_token(api: VkApi, account: Account, community: VkCommunity) -> Credential:
    key, title = f"vk:{account.id}:user", f"токен администратора сообщества ВКонтакте «{account.name}»"
    advice = (f"Администратор сообщества входит в VK заново и получает новый токен (права groups, wall, photos, "
              f"offline); запишите его в VK_USER_TOKEN_{account.id} и перезапустите сервис.")
    expires = (datetime.combine(community.user_token_expires, time(0), UTC)
               if community.user_token_expires else None)
    try:
        mask = await api.call(account.id, "user", "account.getAppPermissions", {})
    except PlatformError as exc:
        if exc.transient:
            return _unreachable(key, title, exc)
        return Credential(key, title, valid=False, problem_ru=exc.for_card(), advice_ru=advice, expires_at=expires)
    mask = int(mask) if isinstance(mask, int) else 0
    missing = [why for bit, why in USER_SCOPES.values() if not mask & bit]
    rights = ", ".join(name for name, (bit, _) in USER_SCOPES.items() if mask & bit)
    if missing:
        return Credential(key, title, valid=False, rights_ru=rights, advice_ru=advice, expires_at=expires,
                          problem_ru="у токена нет прав: " + "; ".join(missing))
    return Credential(key, title, valid=True, rights_ru=rights, expires_at=expires)


async def managers(api: VkApi, account: Account) -> list[Manager]:
    found = await api.call(account.id, "group", "groups.getMembers", {"group_id": account.id, "filter": "managers"})
    return [Manager(str(item["id"]), str(item.get("role") or "")) for item in found.get("items") or []
            if isinstance(item, dict) and "id" in item]
