"""Setting up a community's Callback server through the API, as vksdk's AutoSetting does.

An API-created server answers with the code from `groups.getCallbackConfirmationCode`, so the service
needs no confirmation string in its configuration. The service must be running when this is done:
VK checks the address right after the server is added or edited.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from platforms.vk.platform import VkPlatform

TITLE = "gospablik"  # VK allows at most 14 characters
EVENTS = (
    "wall_reply_new", "wall_reply_edit", "wall_reply_delete", "wall_reply_restore",
    "board_post_new", "board_post_edit", "board_post_delete", "board_post_restore",
    "photo_comment_new", "photo_comment_edit", "photo_comment_delete", "photo_comment_restore",
    "video_comment_new", "video_comment_edit", "video_comment_delete", "video_comment_restore",
    "market_comment_new", "market_comment_edit", "market_comment_delete", "market_comment_restore",
    "message_new", "user_block", "user_unblock",
)


@dataclass(frozen=True)
class SetupResult:
    server_id: int
    created: bool
    status: str  # VK's: unconfigured | failed | wait | ok


async def setup_callback(vk: VkPlatform, *, group_id: int, url: str, secret: str, api_version: str = "5.199",
                         wait: float = 10.0) -> SetupResult:
    """Adds (or updates) our server, subscribes it to the moderation events, waits for VK's verdict."""
    servers = await vk.api.call(group_id, "group", "groups.getCallbackServers", {"group_id": group_id})
    ours = [s for s in servers.get("items", []) if s.get("url") == url]
    params = {"group_id": group_id, "url": url, "title": TITLE, "secret_key": secret}
    if ours:
        server_id, created = int(ours[0]["id"]), False
        if ours[0].get("secret_key") != secret or ours[0].get("status") != "ok":
            await vk.api.call(group_id, "group", "groups.editCallbackServer", {**params, "server_id": server_id})
    else:
        response = await vk.api.call(group_id, "group", "groups.addCallbackServer", params)
        server_id, created = int(response["server_id"]), True
    await vk.api.call(group_id, "group", "groups.setCallbackSettings",
                  {"group_id": group_id, "server_id": server_id, "api_version": api_version,
                   **dict.fromkeys(EVENTS, 1)})
    status = "wait"
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        found = await vk.api.call(group_id, "group", "groups.getCallbackServers",
                              {"group_id": group_id, "server_ids": str(server_id)})
        status = next((s.get("status", "?") for s in found.get("items", []) if int(s["id"]) == server_id), "?")
        if status not in ("wait", "unconfigured") or asyncio.get_running_loop().time() > deadline:
            return SetupResult(server_id, created, status)
        await asyncio.sleep(0.5)
