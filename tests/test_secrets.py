"""Secrets: `gospablik secrets check` finds weak, reused, misplaced and leftover values; a webhook secret is rotated
through the network without losing an event — the new one accepted at once (VK's own confirmation request
included), the old one until the grace period ends and refused after it; a refused rotation changes nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.cli import main as cli_main
from bot.config import Config
from bot.security import rotation
from bot.security.commands import rotate, write_env
from bot.security.secrets import CORE, check
from handlers.context import SERVICES
from platforms.ok.config import SECRETS as OK_SECRETS
from platforms.telegram.config import SECRETS as TELEGRAM_SECRETS
from platforms.vk.config import SECRETS as VK_SECRETS
from platforms.vk.setup import setup_callback
from tests.conftest import GROUP_ID, SECRET, Stack, wall_comment

SPECS = [*CORE, *VK_SECRETS, *OK_SECRETS, *TELEGRAM_SECRETS]
GOOD = "f3a9c1d27be84e6a90c5d1b7e2f4a8c3"


def test_the_check_names_every_kind_of_problem() -> None:
    env = {
        "VK_SECRET_1": "secret123",  # weak
        "VK_GROUP_TOKEN_1": "vk1.a.AbCdEfGhIjKlMnOpQrStUv",
        "VK_USER_TOKEN_1": "vk1.a.AbCdEfGhIjKlMnOpQrStUv",  # the same value: reused
        "OK_WEBHOOK_SECRET_7": "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",  # a bot token where a secret belongs
        "OK_GROUP_TOKEN_7": "tkn18YdUJZe:CQABPOJKAKEKEKEKE",
        "VK_SECRET_99": GOOD,  # no such page: a leftover
        "TELEGRAM_BOT_TOKEN": "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        "TELEGRAM_WEBHOOK_SECRET": "aaaaaaaaaaaaaaaaaaaaaaaa",  # long but one character
        "PATH": "/usr/bin",
    }
    findings: dict[tuple[str, str], str] = {}
    for finding in check(env, SPECS, configured={"1", "7"}):
        key = (finding.variable, finding.level)
        findings[key] = findings.get(key, "") + finding.message + "\n"
    assert "only 9 characters" in findings[("VK_SECRET_1", "error")]
    assert "VK_USER_TOKEN_1" in findings[("VK_GROUP_TOKEN_1", "error")]
    assert "looks like a Telegram bot token" in findings[("OK_WEBHOOK_SECRET_7", "error")]
    assert "leftover" in findings[("VK_SECRET_99", "warning")]
    assert "too few distinct characters" in findings[("TELEGRAM_WEBHOOK_SECRET", "error")]
    assert not any(v == "PATH" or v == "OK_GROUP_TOKEN_7" for v, _ in findings)
    assert check({"VK_SECRET_1": GOOD, "GOSPABLIK_CALENDAR_SECRET": GOOD[::-1]}, SPECS, configured={"1"}) == []


def test_the_command_reports_and_fails_on_errors(tmp_path: Any, monkeypatch: Any, capsys: Any) -> None:
    config = tmp_path / "gospablik.toml"
    config.write_text('[telegram]\nwork_chat_id = -1001\n[[staff]]\nuser_id = 1\nname = "М"\n'
                      '[vk]\n[[vk.communities]]\ngroup_id = 5\n', encoding="utf-8")
    for name, value in {"TELEGRAM_BOT_TOKEN": "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
                        "VK_GROUP_TOKEN_5": "vk1.a.group-token-123456", "VK_USER_TOKEN_5": "vk1.a.user-token-123456",
                        "VK_SECRET_5": "password2026"}.items():
        monkeypatch.setenv(name, value)
    assert cli_main(["--config", str(config), "secrets", "check"]) == 1
    out = capsys.readouterr().out
    assert "ERROR   VK_SECRET_5: weak VK Callback secret" in out and "1 error(s)" in out
    monkeypatch.setenv("VK_SECRET_5", GOOD)
    assert cli_main(["--config", str(config), "secrets", "check"]) == 0


def test_rotation_accepts_new_at_once_and_old_until_the_grace_ends() -> None:
    soon = datetime.now(UTC) + timedelta(minutes=5)
    held = rotation.SecretRotation(frozenset({rotation.digest("new")}), {rotation.digest("old"): soon})
    assert held.matches("new", "old") and held.matches("old", "old")
    assert not held.matches("old", "old", now=soon + timedelta(seconds=1))
    assert held.matches("new", "old", now=soon + timedelta(days=30)), "the new one needs no environment change"
    assert not held.matches("other", "old")
    assert rotation.NO_ROTATION.matches("old", "old") and not rotation.NO_ROTATION.matches("x", "old")


def test_env_file_keeps_other_lines(tmp_path: Any) -> None:
    env = tmp_path / ".env"
    env.write_text("# comment\nVK_SECRET_5=old\nOTHER=1\n", encoding="utf-8")
    write_env(env, "VK_SECRET_5", "new")
    write_env(env, "OK_WEBHOOK_SECRET_7", "fresh")
    assert env.read_text(encoding="utf-8") == "# comment\nVK_SECRET_5=new\nOTHER=1\nOK_WEBHOOK_SECRET_7=fresh\n"
    assert env.stat().st_mode & 0o777 == 0o600


def no_confirmation(config: Config) -> Config:
    account = config.accounts[0]
    return dataclasses.replace(config, accounts=(dataclasses.replace(
        account, settings=dataclasses.replace(account.settings, confirmation=None)),))


async def test_vk_secret_rotated_without_losing_an_event(database_url: str, classifier: Any) -> None:
    from bot.sandbox.vk_callback import CallbackSender

    stack = await Stack(database_url=database_url, classifier=classifier, tweak=no_confirmation).start()
    new_sender: CallbackSender | None = None
    try:
        assert stack.service is not None
        services = stack.service.app[SERVICES]
        vk = services.platform("vk")
        url = f"{stack.base}/webhooks/vk/{GROUP_ID}"
        assert (await setup_callback(vk, group_id=GROUP_ID, url=url, secret=SECRET)).status == "ok"  # type: ignore[arg-type]

        async def apply(new: str) -> None:
            result = await setup_callback(vk, group_id=GROUP_ID, url=url, secret=new)  # type: ignore[arg-type]
            assert result.status == "ok", "VK's confirmation request, signed with the new secret, was accepted"

        new = await rotate(services.db, network="vk", account_id=GROUP_ID, old=SECRET, grace_seconds=6.0,
                           actor="test", apply=apply)
        assert stack.vk.callback_servers()[0]["secret_key"] == new and new != SECRET
        new_sender = CallbackSender(url=url, group_id=GROUP_ID, secret=new, retry_delays=(0.2,))
        obj = wall_comment(1, "Подписано новым секретом")
        stack.vk.record_event_object("wall_reply_new", obj)
        assert (await new_sender.deliver("wall_reply_new", obj))["status"] == 200
        late = await stack.event("wall_reply_new", wall_comment(2, "Подписано старым, пока идёт смена"))
        assert late["status"] == 200, "the old secret is accepted during the grace period"
        await stack.wait_card("Подписано новым секретом")
        await stack.wait_card("Подписано старым")
        [retired] = await stack.sql("SELECT valid_until FROM webhook_secrets WHERE role = 'retired'")
        await asyncio.sleep(max(0.0, (retired["valid_until"] - datetime.now(UTC)).total_seconds()) + 0.2)
        stale = wall_comment(3, "Старый секрет после смены")
        stack.vk.record_event_object("wall_reply_new", stale)
        stack.sender.retry_delays = ()
        refused = await stack.sender.deliver("wall_reply_new", stale)
        assert refused["status"] == 403, "after the grace period the old secret is refused"
        rows = await stack.sql("SELECT role FROM webhook_secrets ORDER BY role")
        assert [r["role"] for r in rows] == ["current", "retired"], "only digests are stored, never the secrets"
    finally:
        if new_sender is not None:
            await new_sender.close()
        await stack.close()


async def test_a_refused_rotation_changes_nothing(database_url: str, classifier: Any) -> None:
    stack = await Stack(database_url=database_url, classifier=classifier).start()
    try:
        assert stack.service is not None
        services = stack.service.app[SERVICES]

        async def refuse(new: str) -> None:
            raise RuntimeError("VK could not confirm the address")

        with pytest.raises(RuntimeError):
            await rotate(services.db, network="vk", account_id=GROUP_ID, old=SECRET, grace_seconds=0.0, actor="test",
                         apply=refuse)
        assert await stack.sql("SELECT * FROM webhook_secrets") == []
        await asyncio.sleep(2.1)  # the route's cache forgets the short-lived rotation
        assert (await stack.event("wall_reply_new", wall_comment(1, "Старый секрет работает")))["status"] == 200
    finally:
        await stack.close()


async def test_ok_path_secret_rotated_to_a_new_subscription(database_url: str, classifier: Any) -> None:
    from platforms.ok.setup import setup_webhook, webhook_url
    from tests.conftest import OK_CITIZEN, OK_GROUP_ID, OK_WEBHOOK_SECRET

    stack = await Stack(database_url=database_url, classifier=classifier, ok=True).start()
    try:
        await stack.ok_ready()
        assert stack.service is not None and stack.ok is not None
        services = stack.service.app[SERVICES]
        account = services.account("ok", OK_GROUP_ID)
        assert account is not None
        platform = services.platform("ok")
        old_url = webhook_url(stack.base, account)

        async def apply(new: str) -> None:
            renewed = dataclasses.replace(account, settings=dataclasses.replace(account.settings, webhook_secret=new))
            await setup_webhook(platform.client, renewed, public_url=stack.base)  # type: ignore[attr-defined]

        new = await rotate(services.db, network="ok", account_id=OK_GROUP_ID, old=OK_WEBHOOK_SECRET,
                           grace_seconds=60.0, actor="test", apply=apply)
        assert [s["url"] for s in stack.ok.state.subscriptions] == [old_url.replace(OK_WEBHOOK_SECRET, new)]
        result = await stack.ok_sender.deliver_message(OK_CITIZEN, "Галина Орлова", "Через новый адрес")
        assert result["status"] == 200
        await stack.wait_card("Через новый адрес")
        [row] = await stack.sql("SELECT payload FROM events WHERE event_id = $1", result["mid"])
        late = dict(row["payload"], message=dict(row["payload"]["message"], mid="mid:late.1", text="Старый адрес"))
        assert (await stack.ok_sender.deliver_raw(late, old_url))["status"] == 200, "in flight on the old address"
        assert (await stack.ok_sender.deliver_raw(late, old_url.replace(OK_WEBHOOK_SECRET, "x" * 20)))["status"] == 404
    finally:
        await stack.close()
