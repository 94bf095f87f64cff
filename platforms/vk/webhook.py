"""VK's Callback API request: the envelope checked, the secret compared, the confirmation answered.

Protocol: one JSON POST per event `{"type","event_id","v","object","group_id","secret"}`; VK counts
only HTTP 200 with the body `ok` as delivered and retries otherwise (for about two hours).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.platform import InboundCall, InboundOutcome, PlatformError, Respond, Store
from platforms.vk.config import VkCommunity

log = logging.getLogger(__name__)


async def read_callback(call: InboundCall, confirmation_code: Callable[[int], Awaitable[str]]) -> InboundOutcome:
    payload = call.payload
    group_id = call.account.id
    community: VkCommunity = call.account.settings
    event_type = payload.get("type")
    if not isinstance(event_type, str) or not event_type:
        return Respond(400, "missing event type")
    if payload.get("group_id") != group_id:
        return Respond(400, "group_id does not match the address")
    secret = payload.get("secret")
    if not isinstance(secret, str) or not call.rotation.matches(secret, community.secret):
        log.warning("vk callback for %s: wrong secret (type %s)", group_id, event_type)
        return Respond(403, "wrong secret")
    if event_type == "confirmation":
        code = community.confirmation
        if code is None:
            try:
                code = await confirmation_code(group_id)
            except PlatformError as exc:
                log.error("vk confirmation for %s: cannot get the code from VK: %s", group_id, exc)
                return Respond(503, "confirmation code unavailable, retry later")
        return Respond(200, code)
    event_id = payload.get("event_id")
    if isinstance(event_id, int) and not isinstance(event_id, bool):
        event_id = str(event_id)
    if not isinstance(event_id, str) or not event_id or len(event_id) > 200:
        return Respond(400, "missing event_id")
    if "object" not in payload:
        return Respond(400, "missing object")
    # The secret is never stored.
    return Store(event_id, event_type, {k: v for k, v in payload.items() if k != "secret"}, omits="secret")
