"""Subscribing a group's messages webhook through the Bot API, as `gospablik vk setup` does for VK.

OK sends every chat event of the group to every subscribed URL, and may drop a URL that has not
answered for hours: running this again re-subscribes. Our own older URLs (another secret segment) are
removed; other addresses are listed and left alone unless `prune` is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import Account
from platforms.ok.client import OkClient
from platforms.ok.config import OkGroup


@dataclass
class SetupReport:
    url: str
    subscribed: bool
    removed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"messages webhook {'subscribed' if self.subscribed else 'already subscribed'}: {self.url}"]
        lines += [f"  removed stale subscription {u}" for u in self.removed]
        lines += [f"  other subscription left alone (use --prune to remove): {u}" for u in self.foreign]
        return "\n".join(lines)


def webhook_url(public_url: str, account: Account) -> str:
    group: OkGroup = account.settings
    return f"{public_url}/webhooks/ok/{account.id}/{group.webhook_secret}"


async def setup_webhook(client: OkClient, account: Account, *, public_url: str, prune: bool = False) -> SetupReport:
    group: OkGroup = account.settings
    assert group.group_token
    url = webhook_url(public_url, account)
    ours = f"{public_url}/webhooks/ok/{account.id}/"
    listed = await client.graph(group.group_token, "GET", "me/subscriptions")
    current = [str(s["url"]) for s in listed.get("subscriptions") or [] if isinstance(s, dict) and s.get("url")]
    report = SetupReport(url, subscribed=url not in current)
    if report.subscribed:
        await client.graph(group.group_token, "POST", "me/subscribe", {"url": url})
    for other in current:
        if other == url:
            continue
        if other.startswith(ours) or prune:
            await client.graph(group.group_token, "POST", "me/unsubscribe", {"url": other})
            report.removed.append(other)
        else:
            report.foreign.append(other)
    return report
