"""The daily look at an OK group's credentials and administrators (regulation cl. 1.2.3).

The administrator's REST token is asked `users.getCurrentUser`; with OK's LONG_ACCESS_TOKEN permission it lives
30 days and every call extends it, so its horizon is 30 days from the last use, and error 102 means it must be
renewed. The group's Bot API key is asked for its subscriptions. Administrators and moderators come from
`group.getMembers` with `statuses=ADMIN,MODERATOR`.
"""

from __future__ import annotations

from datetime import timedelta

from bot.config import Account
from bot.platform import Credential, Manager, PlatformError
from platforms.ok.client import OkClient
from platforms.ok.config import OkGroup

LONG_ACCESS = timedelta(days=30)
ROLES = "ADMIN,MODERATOR"


def _unreachable(key: str, title: str, exc: PlatformError) -> Credential:
    return Credential(key, title, valid=False, unchecked=True, problem_ru=f"не удалось проверить: {exc.for_card()}")


async def check(client: OkClient, account: Account) -> list[Credential]:
    group: OkGroup = account.settings
    found = [await _access_token(client, account, group)]
    if group.group_token:
        found.append(await _group_token(client, account, group.group_token))
    return found


async def _access_token(client: OkClient, account: Account, group: OkGroup) -> Credential:
    key, title = f"ok:{account.id}:user", f"токен администратора группы в Одноклассниках «{account.name}»"
    advice = ("Администратор группы получает новый токен через OAuth приложения (права VALUABLE_ACCESS, "
              f"GROUP_CONTENT, LONG_ACCESS_TOKEN) и записывает его в OK_ACCESS_TOKEN_{account.id}; затем перезапустите "
              "сервис.")
    try:
        await client.rest(group.access_token, "users.getCurrentUser", {})
    except PlatformError as exc:
        if exc.transient:
            return _unreachable(key, title, exc)
        if exc.code == 102:
            return Credential(key, title, valid=False, advice_ru=advice,
                              problem_ru="токен истёк или отозван (код OK 102): его нужно обновить")
        return Credential(key, title, valid=False, problem_ru=exc.for_card(), advice_ru=advice)
    return Credential(key, title, valid=True, lifetime=LONG_ACCESS,
                      rights_ru="продлевается каждым обращением сервиса (LONG_ACCESS_TOKEN, 30 дней)")


async def _group_token(client: OkClient, account: Account, token: str) -> Credential:
    key, title = f"ok:{account.id}:group", f"ключ сообщений группы в Одноклассниках «{account.name}»"
    advice = (f"Получите новый ключ в настройках группы (Сообщения → Работа с API) и запишите его в "
              f"OK_GROUP_TOKEN_{account.id}; новый ключ сразу отменяет старый, поэтому сервис перезапустите сразу.")
    try:
        await client.graph(token, "GET", "me/subscriptions")
    except PlatformError as exc:
        if exc.transient:
            return _unreachable(key, title, exc)
        return Credential(key, title, valid=False, problem_ru=exc.for_card(), advice_ru=advice)
    return Credential(key, title, valid=True, rights_ru="сообщения группы")


async def managers(client: OkClient, account: Account) -> list[Manager]:
    group: OkGroup = account.settings
    found = await client.rest(group.access_token, "group.getMembers",
                              {"uid": account.id, "statuses": ROLES, "count": 100})
    members = found.get("members") if isinstance(found, dict) else found
    result = []
    for member in members or []:
        if not isinstance(member, dict):
            continue
        user_id = member.get("userId") or member.get("uid") or member.get("user_id")
        if user_id:
            result.append(Manager(str(user_id), str(member.get("status") or "")))
    return result
