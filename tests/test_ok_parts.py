"""OK's parts on their own: the signature, the webhook's address checks, the `[ok]` configuration, parsing."""

from __future__ import annotations

import ipaddress

import pytest

from bot.cli import parse_config
from bot.config import Account, ConfigError
from bot.domain import Ignored, ItemSeen
from platforms.ok.client import signature
from platforms.ok.config import OkGroup, OkSettings
from platforms.ok.parse import MalformedEvent, parse_event
from platforms.ok.webhook import caller, check_path

GROUP = 70000000000001
ACCOUNT = Account("ok", GROUP, "Группа", settings=OkGroup("tok", "gtok", "path-secret-0123456789"))


def test_signature_matches_the_published_test_vector() -> None:
    params = {"application_key": "ABCDEFGHIGKLMNOPK", "format": "json", "method": "events.get"}
    token = "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7"
    assert signature(params, token, "ABC123DEF456GHI789JKL123") == "232c8eb921951c4dba9b72606f9ddb4c"
    with_token = {**params, "access_token": token, "sig": "whatever"}
    assert signature(with_token, token, "ABC123DEF456GHI789JKL123") == "232c8eb921951c4dba9b72606f9ddb4c"


def _settings(**kwargs: object) -> OkSettings:
    return OkSettings(application_key="k", application_secret="s", **kwargs)  # type: ignore[arg-type]


def test_the_webhook_path_secret_and_address_are_checked() -> None:
    open_settings = _settings()
    assert check_path(open_settings, ACCOUNT, "path-secret-0123456789", {}, "203.0.113.5") is None
    for wrong in ("", "path-secret-012345678", "PATH-SECRET-0123456789"):
        refusal = check_path(open_settings, ACCOUNT, wrong, {}, "203.0.113.5")
        assert refusal is not None and refusal.status == 404
    ranges = tuple(ipaddress.ip_network(n) for n in ("217.20.145.192/28",))
    proxies = (ipaddress.ip_network("127.0.0.1/32"),)
    guarded = _settings(ip_allowlist=ranges, trusted_proxies=proxies)
    assert check_path(guarded, ACCOUNT, "path-secret-0123456789", {}, "217.20.145.200") is None
    refused = check_path(guarded, ACCOUNT, "path-secret-0123456789", {}, "203.0.113.5")
    assert refused is not None and refused.status == 403
    # Behind our proxy the caller is the nearest hop the proxy saw; a forged header from outside is ignored.
    forwarded = {"X-Forwarded-For": "10.9.9.9, 217.20.145.200"}
    assert check_path(guarded, ACCOUNT, "path-secret-0123456789", forwarded, "127.0.0.1") is None
    assert check_path(guarded, ACCOUNT, "path-secret-0123456789", forwarded, "203.0.113.5") is not None
    assert caller("203.0.113.5", {"X-Forwarded-For": "217.20.145.200"}, proxies) == "203.0.113.5"
    assert caller("127.0.0.1", {"X-Forwarded-For": "217.20.145.200, 127.0.0.1"}, proxies) == "217.20.145.200"


BASE = {"telegram": {"work_chat_id": -100}, "staff": [{"user_id": 1, "name": "A"}]}


def test_ok_configuration_names_every_missing_value() -> None:
    data = {**BASE, "ok": {"groups": [{"group_id": GROUP, "name": "Группа", "policy": {"spam": "auto_delete_and_ban",
                                                                                      "ban_days": 7}}],
                           "ip_allowlist": ["217.20.145.192/28", "nonsense"]}}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, {"TELEGRAM_BOT_TOKEN": "1:a"})
    text = "\n".join(caught.value.problems)
    for expected in ("OK_APP_KEY is not set", "OK_APP_SECRET is not set", f"OK_ACCESS_TOKEN_{GROUP} is not set",
                     f"OK_GROUP_TOKEN_{GROUP} is not set", f"OK_WEBHOOK_SECRET_{GROUP} is not set",
                     "blocks for good only; omit ban_days", "'nonsense' is not an IP address"):
        assert expected in text, f"{expected!r} not in:\n{text}"


def test_an_ok_group_with_comments_only_needs_no_bot_api_key() -> None:
    env = {"TELEGRAM_BOT_TOKEN": "1:a", "OK_APP_KEY": "k", "OK_APP_SECRET": "s", f"OK_ACCESS_TOKEN_{GROUP}": "t"}
    data = {**BASE, "ok": {"ip_allowlist": "documented", "groups": [{"group_id": GROUP, "messages": False}]}}
    config = parse_config(data, env)
    account = config.account("ok", GROUP)
    assert account is not None and account.settings.group_token is None
    assert len(config.networks["ok"].ip_allowlist) == 3
    both = {**data, "vk": {"communities": [{"group_id": 5, "confirmation": "x"}]}}
    config = parse_config(both, env | {"VK_SECRET_5": "s", "VK_GROUP_TOKEN_5": "g", "VK_USER_TOKEN_5": "u"})
    assert [a.key for a in config.accounts] == [("vk", 5), ("ok", GROUP)]


def test_ok_events_parse_into_items_or_are_ignored() -> None:
    message = {"webhookType": "MESSAGE_CREATED", "sender": {"user_id": "user:575662066926", "name": "Анна"},
               "recipient": {"chat_id": "chat:C4017fdcea600"}, "timestamp": 1733212399000,
               "message": {"text": "Яма во дворе", "mid": "mid:C4017fdcea600.18c2b3f20c1a7e0",
                           "attachments": [{"type": "IMAGE", "payload": {"url": "https://i.mycdn.me/i"}}]}}
    event = parse_event("MESSAGE_CREATED", message, GROUP)
    assert isinstance(event, ItemSeen)
    assert event.draft.author.id == 575662066926 and event.draft.attachments == ("фото",)
    assert event.draft.ref == {"chat_id": "chat:C4017fdcea600", "mid": "mid:C4017fdcea600.18c2b3f20c1a7e0"}
    comment = {"topic_id": "155312345678901", "comment": {"id": "MTcz", "author_id": "575662066926",
                                                         "text": "Почему не убирают снег?",
                                                         "date": "2026-11-30 12:00:00"}}
    event = parse_event("topic_comment", comment, GROUP)
    assert isinstance(event, ItemSeen) and event.draft.created_at.utcoffset().total_seconds() == 3 * 3600
    assert isinstance(parse_event("CHAT_SYSTEM", {}, GROUP), Ignored)
    with pytest.raises(MalformedEvent):
        parse_event("topic_comment", {"topic_id": "1", "comment": {"id": "x", "author_id": "not-a-number"}}, GROUP)
