"""Setting up the Callback server through VK's API, with the confirmation string asked from VK."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.config import Config
from handlers.context import SERVICES
from platforms.vk.setup import EVENTS, setup_callback
from tests.conftest import GROUP_ID, SECRET, Stack, wall_comment


def no_confirmation(config: Config) -> Config:
    account = config.accounts[0]
    return dataclasses.replace(config, accounts=(dataclasses.replace(
        account, settings=dataclasses.replace(account.settings, confirmation=None)),))


async def test_setup_adds_a_confirmed_server_subscribed_to_moderation_events(database_url: str,
                                                                             classifier: Any) -> None:
    stack = await Stack(database_url=database_url, classifier=classifier, tweak=no_confirmation).start()
    try:
        stack.vk.confirmation_code = "fresh-code-from-vk"
        # VK's own confirmation request is answered with the code asked from VK's API.
        assert (await stack.sender.confirm())["body"] == "fresh-code-from-vk"

        assert stack.service is not None
        vk = stack.service.app[SERVICES].platform("vk")
        url = f"{stack.base}/webhooks/vk/{GROUP_ID}"
        result = await setup_callback(vk, group_id=GROUP_ID, url=url, secret=SECRET)  # type: ignore[arg-type]
        assert result.created and result.status == "ok"
        [server] = stack.vk.callback_servers()
        assert server["url"] == url and server["secret_key"] == SECRET and server["title"] == "gospablik"
        assert server["settings"]["api_version"] == "5.199"
        assert all(server["settings"]["events"].get(name) == 1 for name in EVENTS)
        assert [c["token"] for c in stack.vk.calls if c["method"].startswith("groups.") and "Callback" in c["method"]]

        again = await setup_callback(vk, group_id=GROUP_ID, url=url, secret=SECRET)  # type: ignore[arg-type]
        assert not again.created and again.server_id == result.server_id and len(stack.vk.callback_servers()) == 1

        await stack.event("wall_reply_new", wall_comment(1, "После настройки через API"))
        await stack.wait_card("После настройки через API")
    finally:
        await stack.close()


async def test_a_wrong_secret_or_unreachable_service_is_reported(database_url: str, classifier: Any) -> None:
    stack = await Stack(database_url=database_url, classifier=classifier, tweak=no_confirmation).start()
    try:
        assert stack.service is not None
        vk = stack.service.app[SERVICES].platform("vk")
        result = await setup_callback(vk, group_id=GROUP_ID, url=f"{stack.base}/webhooks/vk/{GROUP_ID}",  # type: ignore[arg-type]
                                      secret="not-our-secret", wait=5)
        assert result.status == "failed"  # our endpoint refused VK's check with 403
    finally:
        await stack.close()
