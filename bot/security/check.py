"""The security check: every credential of every page and of the work chat, and every page's administrators.

Run daily by the leader (and at once from a card's «Проверить сейчас»). Each run records what it found, raises an
alert for what is newly wrong (a failing credential, one close to expiry, an unknown administrator, a changed
role) and closes the alerts whose problem is gone. A network that could not be asked changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import asyncpg

from bot.platform import Credential, Manager, PlatformError
from bot.registry.model import from_row
from bot.security import alerts
from bot.security.alerts import AlertKind
from bot.security.roster import compare
from bot.workchat.outbox import open_card, touch

if TYPE_CHECKING:
    from bot.config import Account
    from bot.services import Services

log = logging.getLogger(__name__)
CALL_TIMEOUT = 60.0
CARD_KIND = "security"  # the `/security` card, redrawn after every check


@dataclass
class Outcome:
    credentials: list[Credential] = field(default_factory=list)
    rosters: dict[str, list[Manager]] = field(default_factory=dict)  # "<network>:<account>" -> managers
    roster_errors: dict[str, str] = field(default_factory=dict)
    raised: int = 0
    fixed: int = 0

    @property
    def failing(self) -> list[Credential]:
        return [c for c in self.credentials if not c.valid and not c.unchecked]


def scope(account: Account) -> str:
    return f"{account.network}:{account.id}"


async def _credentials(services: Services, account: Account) -> list[Credential]:
    platform = services.platforms.get(account.network)
    if platform is None:
        return []
    try:
        return await asyncio.wait_for(platform.check_access(account), CALL_TIMEOUT)
    except Exception as exc:  # a check must never stop the others
        log.exception("security check of %s failed", scope(account))
        return [Credential(f"{scope(account)}:check", f"проверка страницы «{account.name}»", valid=False,
                           unchecked=True, problem_ru=f"проверка не удалась: {type(exc).__name__}")]


async def run(services: Services) -> Outcome:
    outcome = Outcome()
    config = services.config
    for account in config.accounts:
        outcome.credentials += await _credentials(services, account)
        platform = services.platforms.get(account.network)
        if platform is None:
            continue
        try:
            found = await asyncio.wait_for(platform.administrators(account), CALL_TIMEOUT)
        except (PlatformError, TimeoutError) as exc:
            outcome.roster_errors[scope(account)] = exc.for_card() if isinstance(exc, PlatformError) else "таймаут"
            continue
        if found is not None:
            outcome.rosters[scope(account)] = found
    try:
        outcome.credentials += await asyncio.wait_for(services.workchat.check_access(), CALL_TIMEOUT)
    except Exception as exc:
        log.warning("work chat check failed: %s", exc)
    now = datetime.now(UTC)
    async with services.db.transaction() as conn:
        for credential in outcome.credentials:
            await _record(conn, services, credential, now, outcome)
        for account in config.accounts:
            if scope(account) in outcome.rosters:
                await _roster(conn, services, account, outcome.rosters[scope(account)], outcome)
        # The daily report is one card, kept up to date (opened by the first check, or again if it was closed).
        if not await conn.fetchval("SELECT 1 FROM security_cards WHERE started_by = 0 AND step <> 'closed'"):
            card_id = await conn.fetchval("INSERT INTO security_cards (started_by) VALUES (0) RETURNING id")
            await open_card(conn, CARD_KIND, card_id, chat_id=config.telegram.work_chat_id)
        cards = [r["id"] for r in await conn.fetch("SELECT id FROM security_cards WHERE step <> 'closed'")]
        await touch(conn, CARD_KIND, cards)
    services.cards_ready.set()
    if outcome.raised:
        log.warning("security check: %d new alert(s)", outcome.raised)
    return outcome


async def _record(conn: asyncpg.Connection, services: Services, credential: Credential, now: datetime,
                  outcome: Outcome) -> None:
    chat_id = services.config.telegram.work_chat_id
    previous = await conn.fetchrow("SELECT last_valid_at FROM credential_checks WHERE key = $1", credential.key)
    last_valid = now if credential.valid else (previous["last_valid_at"] if previous else None)
    expires = credential.expires_at
    if expires is None and credential.lifetime is not None and last_valid is not None:
        expires = last_valid + credential.lifetime
    await conn.execute(
        "INSERT INTO credential_checks (key, title, valid, unchecked, problem, advice, rights, expires_at,"
        " last_valid_at, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (key) DO UPDATE SET"
        " title = $2, valid = $3, unchecked = $4, problem = $5, advice = $6, rights = $7, expires_at = $8,"
        " last_valid_at = $9, checked_at = $10", credential.key, credential.title_ru, credential.valid,
        credential.unchecked,
        credential.problem_ru or None, credential.advice_ru or None, credential.rights_ru or None, expires, last_valid,
        now)
    if credential.unchecked:
        return
    key = f"credential:{credential.key}"
    if credential.valid:
        outcome.fixed += await alerts.resolve_key(conn, key)
    elif await alerts.raise_alert(conn, key=key, kind=AlertKind.CREDENTIAL, title=credential.title_ru,
                                  problem=credential.problem_ru, advice=credential.advice_ru, chat_id=chat_id):
        outcome.raised += 1
    expiring = set()
    warn = services.config.security.warn_before
    if credential.valid and expires is not None and now < expires <= now + warn:
        expiry_key = f"expiry:{credential.key}:{expires:%Y-%m-%d}"
        expiring.add(expiry_key)
        days = max((expires - now).days, 0)
        if await alerts.raise_alert(
                conn, key=expiry_key, kind=AlertKind.EXPIRY, title=credential.title_ru,
                problem=f"срок действия заканчивается {expires.astimezone(services.config.tz):%d.%m.%Y}"
                        f" (осталось дней: {days})",
                advice=credential.advice_ru or "Обновите его заранее, чтобы сервис не остановился.", chat_id=chat_id):
            outcome.raised += 1
    outcome.fixed += len(await alerts.resolve_fixed(conn, prefix=f"expiry:{credential.key}:", still=expiring))


async def _roster(conn: asyncpg.Connection, services: Services, account: Account, managers: list[Manager],
                  outcome: Outcome) -> None:
    row = await conn.fetchrow("SELECT * FROM registry_accounts WHERE platform = $1 AND account_id = $2",
                              account.network, account.id)
    if row is None:
        return
    entry = from_row(row)
    chat_id = services.config.telegram.work_chat_id
    platform = services.platforms[account.network]
    where = f"{platform.words.name_ru} «{account.name}»"
    prefix = f"roster:{scope(account)}:"
    empty_key = f"roster-empty:{scope(account)}"
    if not entry.admins:
        # Nobody listed yet: one question instead of an alert per administrator.
        listed = ", ".join(f"{m.name or 'id ' + m.user_id} ({m.role})" for m in managers)
        if await alerts.raise_alert(
                conn, key=empty_key, kind=AlertKind.ROSTER, title=f"Список администраторов: {where}",
                problem=f"в реестре не указано, кто должен администрировать страницу; сейчас: {listed or 'никого'}",
                advice="Если все они — ваши сотрудники, нажмите «Принять текущий список». Если кого-то вы не знаете, "
                       "снимите его в настройках страницы и смените пароль владельца.",
                details={"registry_id": entry.id, "managers": [m.__dict__ for m in managers]}, chat_id=chat_id):
            outcome.raised += 1
        return
    outcome.fixed += await alerts.resolve_key(conn, empty_key)
    findings, _gone = compare(scope(account), managers, entry.admins)
    for finding in findings:
        manager = finding.manager
        who = f"{manager.name} (id {manager.user_id})" if manager.name else f"id {manager.user_id}"
        if finding.unknown:
            title, problem = (f"Новый администратор: {where}",
                              f"{who} — {manager.role}; его нет в реестре среди тех, кому положен доступ")
        else:
            title, problem = (f"Сменилась роль администратора: {where}",
                              f"{who} — теперь {manager.role}, а по реестру {finding.expected_role}")
        if await alerts.raise_alert(
                conn, key=finding.key, kind=AlertKind.ROSTER, title=title, problem=problem,
                advice="Если вы этого не делали — сразу снимите права в настройках страницы, смените пароль и "
                       "проверьте почту и телефон владельца. Если это ваш сотрудник — нажмите «Это наш сотрудник».",
                details={"registry_id": entry.id, "user_id": manager.user_id, "role": manager.role,
                         "name": manager.name}, chat_id=chat_id):
            outcome.raised += 1
    outcome.fixed += len(await alerts.resolve_fixed(conn, prefix=prefix, still={f.key for f in findings}))
