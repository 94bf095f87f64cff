"""`/healthz` and `/metrics`: what a monitor asks.

`/healthz` answers 200 with `"status": "ok"` only when the service can do its work: the database answers, the work
chat takes cards, some replica leads (after a start-up grace), and no queue has a row waiting far past its time.
Otherwise 503 with the problems named. `/metrics` is Prometheus text; expose it to the monitoring host only.
"""

from __future__ import annotations

import time

from aiohttp import web

from bot import metrics
from bot.db import DatabaseUnavailable
from bot.leadership import leader_present
from bot.security.health import credential_health
from handlers.context import SERVICES
from handlers.errors import Routes

routes = Routes()  # every handler guarded: an outage answers 503
STARTED = web.AppKey("started", float)
LEADER_GRACE = 60.0  # seconds after start before a missing leader counts (replicas race for the lock at start)
STUCK = {"events": 300.0, "actions": 300.0, "cards": 600.0, "publications": 300.0}  # seconds a due row may wait


def install(app: web.Application) -> None:
    app[STARTED] = time.monotonic()
    app.add_routes(routes)


@routes.get("/healthz")
async def health(request: web.Request) -> web.Response:
    services = request.app.get(SERVICES)
    if services is None:
        return web.json_response({"status": "starting"}, status=503)
    try:
        async with services.db.connection() as conn:
            await conn.fetchval("SELECT 1")
            leading = await leader_present(conn)
            queues = await metrics.queue_state(conn)
        credentials = await credential_health(services.db)
    except DatabaseUnavailable:
        return web.json_response({"status": "database unavailable", "problems": ["database unavailable"]},
                                 status=503)
    problems = []
    if services.chat_health.lost:
        problems.append(f"work chat unavailable: {services.chat_health.lost_reason}")
    if not leading and time.monotonic() - request.app[STARTED] > LEADER_GRACE:
        problems.append("no replica is the leader: cards, actions and schedules are not being handled")
    for name, state in queues.items():
        if state["oldest"] > STUCK[name]:
            problems.append(f"{name} not draining: {state['due']:.0f} due, the oldest for {state['oldest']:.0f} s")
    body: dict[str, object] = {
        "status": "ok" if not problems else
        ("work chat unavailable" if services.chat_health.lost and len(problems) == 1 else "unhealthy"),
        "problems": problems,
        "checks": {"database": "ok", "work_chat": services.chat_health.lost_reason or "ok", "leader": leading,
                   "queues": queues},
        "credentials": credentials,
    }
    if services.chat_health.lost:
        body["reason"] = services.chat_health.lost_reason
    return web.json_response(body, status=503 if problems else 200)


@routes.get("/metrics")
async def prometheus(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    async with services.db.connection() as conn:
        body = await metrics.render(conn)
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})
