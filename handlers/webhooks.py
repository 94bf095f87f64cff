"""Where a VK event enters: `POST /webhooks/vk/{group_id}`.

Kept thin and strict: size, JSON, community, secret, confirmation — then `inbox.accept`, and `ok`
only after the commit. Every refusal is a 4xx with a short reason; a database outage is a 503 so
that VK retries (it does, for about two hours) instead of the event being acknowledged and lost.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from bot import inbox
from bot.db import DatabaseUnavailable
from bot.networks import NetworkError
from bot.services import SERVICES

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


def _refuse(status: int, reason: str) -> web.Response:
    return web.Response(status=status, text=reason, content_type="text/plain")


@routes.view("/webhooks/vk/{group_id}")
class VkCallback(web.View):
    async def get(self) -> web.Response:
        return _refuse(405, "method not allowed: VK Callback API uses POST")

    async def put(self) -> web.Response:
        return await self.get()

    async def delete(self) -> web.Response:
        return await self.get()

    async def post(self) -> web.Response:
        request = self.request
        services = request.app[SERVICES]
        config = services.config
        try:
            group_id = int(request.match_info["group_id"])
        except ValueError:
            return _refuse(404, "unknown community")
        community = config.community(group_id)
        if community is None:
            return _refuse(404, "unknown community")
        if request.content_length is not None and request.content_length > config.max_body_bytes:
            return _refuse(413, "body too large")
        body = bytearray()
        while chunk := await request.content.readany():  # the body may arrive in many TCP segments
            body += chunk
            if len(body) > config.max_body_bytes:
                return _refuse(413, "body too large")
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _refuse(400, "malformed JSON")
        if not isinstance(payload, dict):
            return _refuse(400, "expected a JSON object")
        event_type = payload.get("type")
        if not isinstance(event_type, str) or not event_type:
            return _refuse(400, "missing event type")
        if payload.get("group_id") != group_id:
            return _refuse(400, "group_id does not match the address")
        secret = payload.get("secret")
        if not isinstance(secret, str) or not hmac.compare_digest(secret.encode(), community.secret.encode()):
            log.warning("vk callback for %s: wrong secret (type %s)", group_id, event_type)
            return _refuse(403, "wrong secret")
        if event_type == "confirmation":
            code = community.confirmation
            if code is None:
                try:
                    code = await services.network("vk").confirmation_code(group_id)
                except NetworkError as exc:
                    log.error("vk confirmation for %s: cannot get the code from VK: %s", group_id, exc)
                    return web.Response(status=503, text="confirmation code unavailable, retry later")
            return web.Response(text=code, content_type="text/plain")
        event_id = payload.get("event_id")
        if isinstance(event_id, int) and not isinstance(event_id, bool):
            event_id = str(event_id)
        if not isinstance(event_id, str) or not event_id or len(event_id) > 200:
            return _refuse(400, "missing event_id")
        if "object" not in payload:
            return _refuse(400, "missing object")
        try:
            accepted = await inbox.accept(services.db, network="vk", community_id=group_id, event_id=event_id,
                                          event_type=event_type, payload=payload)
        except DatabaseUnavailable as exc:
            log.error("vk callback for %s: database unavailable, asking VK to retry: %s", group_id, exc)
            return web.Response(status=503, text="storage unavailable, retry later", headers={"Retry-After": "10"})
        if not accepted.duplicate:
            services.events_ready.set()
        retry = request.headers.get("X-Retry-Counter")
        log.info("vk event %s %s stored%s%s", event_type, event_id, " (duplicate)" if accepted.duplicate else "",
                 f" retry {retry}" if retry else "")
        return web.Response(text="ok", content_type="text/plain")
