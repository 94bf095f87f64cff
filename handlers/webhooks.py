"""Where a network's push enters: `POST /webhooks/{network}/{account}[/{rest}]`.

Kept thin and the same for every network: the page must be configured, the platform's own check of
the address comes before the body is read (OK's secret path segment), then size and JSON; the
platform reads the call (VK's secret and confirmation) and says what to store; `inbox.accept` commits
it and only then is the event acknowledged. Every refusal is a 4xx with a short reason; a database
outage is a 503 so that the network retries instead of the event being acknowledged and lost.
"""

from __future__ import annotations

import logging

from aiohttp import hdrs, web

from bot import jsonsafe, metrics
from bot.db import DatabaseUnavailable
from bot.moderation import inbox
from bot.platform import NO_ROTATION, InboundCall, Respond
from bot.security.rotation import RotationCache
from handlers.context import SERVICES
from handlers.errors import unavailable

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
REPAIRED = "_repaired"  # the stored payload's record of replaced values
ROTATIONS = web.AppKey("rotations", RotationCache)


def install(app: web.Application) -> None:
    app[ROTATIONS] = RotationCache()
    app.add_routes(routes)
    for path in ("/webhooks/{network}/{account}", "/webhooks/{network}/{account}/{rest}"):
        for method in ("GET", "PUT", "DELETE", "PATCH"):
            app.router.add_route(method, path, _not_post)


def _refuse(status: int, reason: str, network: str = "?") -> web.Response:
    metrics.events_counted(network, "refused", reason).inc()
    return web.Response(status=status, text=reason, content_type="text/plain")


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    length = request.content_length
    content = request.content
    if length is not None and hdrs.CONTENT_ENCODING not in request.headers:  # (aiohttp inflates a packed body)
        if length > limit:
            return None
        body = content.read_nowait(length)  # nearly always all of it: a small body comes with its headers
        while len(body) < length:
            chunk = await content.read(length - len(body))
            if not chunk:
                break
            body += chunk
        return body
    buffer = bytearray()
    while chunk := await content.readany():  # the body may arrive in many TCP segments
        buffer += chunk
        if len(buffer) > limit:
            return None
    return bytes(buffer)


async def _not_post(_request: web.Request) -> web.Response:
    return _refuse(405, "method not allowed: webhooks use POST")


@routes.post("/webhooks/{network}/{account}")
@routes.post("/webhooks/{network}/{account}/{rest}")
async def webhook(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    network = request.match_info["network"]
    platform = services.platforms.get(network)
    try:
        account_id = int(request.match_info["account"])
    except ValueError:
        account_id = 0
    account = services.account(network, account_id) if platform else None
    if platform is None or account is None:
        return _refuse(404, "unknown community or group", network if platform else "?")
    rotations = request.app[ROTATIONS]
    rotation = rotations.fresh(network, account_id)
    if rotation is None:
        try:
            rotation = await rotations.get(services.db, network, account_id)
        except DatabaseUnavailable:
            rotation = NO_ROTATION  # the configured secret still works; the event waits for storage below
    rest, peer = request.match_info.get("rest", ""), request.remote
    refusal = platform.check_path(account, rest, request.headers, peer, rotation)
    if refusal is not None:
        return _refuse(refusal.status, refusal.text, network)
    body = await _read_body(request, services.config.max_body_bytes)
    if body is None:
        return _refuse(413, "body too large", network)
    try:
        text = jsonsafe.text_of(body)
        payload, repaired = jsonsafe.loads(text, body)
    except jsonsafe.TooDeep:
        return _refuse(400, "JSON nested too deep", network)
    except ValueError:  # not JSON, or not UTF-8
        return _refuse(400, "malformed JSON", network)
    if not isinstance(payload, dict):
        return _refuse(400, "expected a JSON object", network)
    outcome = await platform.inbound(InboundCall(account, rest, request.headers, peer, payload, rotation))
    if isinstance(outcome, Respond):
        if outcome.status == 200:
            return web.Response(text=outcome.text, content_type="text/plain")
        return _refuse(outcome.status, outcome.text, network)
    stored, as_sent = outcome.payload, None
    if outcome.omits is not None and not repaired:
        as_sent = text  # the body as VK sent it, stored less `omits`: nothing to encode again
    if repaired:
        # What PostgreSQL could not keep as sent, kept beside it as JSON escapes (never the secret).
        stored = {**stored, REPAIRED: [r for r in repaired if r["path"] != "secret"]}
        log.warning("%s event %s: %d value(s) PostgreSQL cannot store were replaced (U+0000, lone surrogates, "
                    "NaN); the originals are kept in %s", network, outcome.event_id, len(repaired), REPAIRED)
    try:
        accepted = await inbox.accept(services.db, network=network, account_id=account_id,
                                      event_id=outcome.event_id, event_type=outcome.event_type,
                                      payload=stored, as_sent=as_sent, omits=outcome.omits)
    except DatabaseUnavailable as exc:
        log.error("%s webhook for %s: database unavailable, asking to retry: %s", network, account_id, exc)
        metrics.events_counted(network, "unavailable", "database").inc()
        return unavailable()
    metrics.events_counted(network, "duplicate" if accepted.duplicate else "stored", "webhook").inc()
    if not accepted.duplicate:
        services.events_ready.set()
    retry = request.headers.get("X-Retry-Counter")
    log.debug("%s event %s %s stored%s%s", network, outcome.event_type, outcome.event_id,
             " (duplicate)" if accepted.duplicate else "", f" retry {retry}" if retry else "")
    return web.Response(text=platform.ack_text, content_type="text/plain")
